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
# torch declares setuptools>=77 and the venv ships an older one. safetensors is for
# Tests/HigherTests/Reference/make_safetensors_fixtures.py.
DEPS=(filelock sympy networkx jinja2 fsspec typing-extensions numpy "setuptools>=77.0.3" safetensors)
# higher (facebookresearch), for Benchmarks/peers/higher_memory.py; --no-deps so it cannot
# pull in another torch.
HIGHER_VERSION="0.2.1"
# For Benchmarks/peers/maml_bench.py: TorchOpt with --no-deps for the same reason (its
# remaining runtime dependencies are listed explicitly), and JAX + optax from PyPI
# (optax 0.2.8, the newest release, declares jax>=0.5.3; checked against jax 0.10.2).
TORCHOPT_VERSION="0.7.3"
TORCHOPT_DEPS=("optree==0.20.0" "graphviz==0.21")
JAX_VERSION="0.10.2"
OPTAX_VERSION="0.2.8"
MARKER="$VENV/.peers-installed-torch-$TORCH_VERSION"

if [[ -f "$MARKER" ]] && "$PY" - >/dev/null 2>&1 <<EOF
import torch, safetensors, higher, torchopt, jax, optax
assert torchopt.__version__ == "$TORCHOPT_VERSION", torchopt.__version__
assert jax.__version__ == "$JAX_VERSION", jax.__version__
assert optax.__version__ == "$OPTAX_VERSION", optax.__version__
EOF
then
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
"$PY" -m pip install --no-deps "higher==${HIGHER_VERSION}"
"$PY" -m pip install "${TORCHOPT_DEPS[@]}"
"$PY" -m pip install --no-deps "torchopt==${TORCHOPT_VERSION}"
"$PY" -m pip install "jax==${JAX_VERSION}" "jaxlib==${JAX_VERSION}" "optax==${OPTAX_VERSION}"

# Refuse a CUDA build: it would still run on CPU but is not what we benchmark.
"$PY" - <<'EOF'
import torch
assert torch.version.cuda is None, f"expected a CPU-only torch, got CUDA {torch.version.cuda}"
print(f"torch {torch.__version__} (cpu-only), {torch.get_num_threads()} default threads")
EOF

touch "$MARKER"
echo "peers venv ready ($VENV)"
