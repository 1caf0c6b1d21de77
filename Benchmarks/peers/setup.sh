#!/usr/bin/env bash
# Creates the Python environment for the peer benchmarks (PyTorch eager, CPU).
# Safe to re-run: does nothing once the pinned versions are installed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

TORCH_VERSION="2.13.0"
VENV=".build/peers-venv"
PY="$VENV/bin/python"
# Torch's runtime dependencies, installed explicitly because torch itself is
# installed with --no-deps (its metadata pulls in CUDA wheels we do not want).
# torch declares setuptools>=77 and the venv ships an older one.
DEPS=(filelock sympy networkx jinja2 fsspec typing-extensions numpy "setuptools>=77.0.3")
MARKER="$VENV/.peers-installed-torch-$TORCH_VERSION"

if [[ -f "$MARKER" ]] && "$PY" -c "import torch" >/dev/null 2>&1; then
    echo "peers venv ready: $("$PY" -c 'import torch; print(torch.__version__)') ($VENV)"
    exit 0
fi

if [[ ! -x "$PY" ]]; then
    python3 -m venv "$VENV"
fi

if ! "$PY" -m pip show torch 2>/dev/null | grep -qx "Version: ${TORCH_VERSION}\(+cpu\)\?"; then
    "$PY" -m pip install --no-deps "torch==${TORCH_VERSION}"
fi
"$PY" -m pip install "${DEPS[@]}"

# Refuse a CUDA build: it would still run on CPU but is not what we benchmark.
"$PY" - <<'EOF'
import torch
assert torch.version.cuda is None, f"expected a CPU-only torch, got CUDA {torch.version.cuda}"
print(f"torch {torch.__version__} (cpu-only), {torch.get_num_threads()} default threads")
EOF

touch "$MARKER"
echo "peers venv ready ($VENV)"
