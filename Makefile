# Higher: build, test, demo and benchmark commands. `make help` lists them.
SWIFT      ?= swift
APT_PKGS   := libopenblas-dev libblis-dev pkg-config
# Release builds of programs (not the library) use the host's vector units; see docs/benchmarks.md.
# On a CPU with AVX-512 they target the host and turn on the Swift GEMM's 512-bit strips;
# elsewhere they target AVX2/FMA.
AVX512     := $(shell grep -qw avx512f /proc/cpuinfo 2>/dev/null && echo yes)
WIDE_FLAGS := -Xswiftc -target-cpu -Xswiftc native -Xswiftc -DHIGHER_AVX512
FAST_FLAGS := $(if $(AVX512),$(WIDE_FLAGS),-Xswiftc -target-cpu -Xswiftc haswell)
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Programs run with OpenBLAS choosing the kernels for this CPU (an inherited
# OPENBLAS_CORETYPE would pin an older kernel set; see docs/benchmarks.md).
RUN        := env -u OPENBLAS_CORETYPE

.PHONY: help deps build test test-blis test-avx512 demo demo-newton bench bench-peers bench-maml bench-memory clean

help:
	@echo "make deps         install the system libraries (OpenBLAS, BLIS, pkg-config) if missing"
	@echo "make test         deps, the whole suite (OpenBLAS), then the BLAS-touching tests with BLIS"
	@echo "                  and, on a CPU with AVX-512, the GEMM tests built with its 512-bit kernels"
	@echo "make demo         the main example (MAML on sinusoids), release mode"
	@echo "make demo-newton  the Newton-CG example, release mode"
	@echo "make bench        the benchmark program, release mode"
	@echo "make bench-peers  the core operations and the meta-learning workloads against every peer"
	@echo "make bench-maml   the meta-learning workloads against PyTorch, torch.func, higher, TorchOpt, JAX"
	@echo "make bench-memory inner-loop peak memory and time per step against K, with higher 0.2.1"

deps:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "deps: installing$$missing"; \
		$(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y --no-install-recommends $$missing; \
	else echo "deps: $(APT_PKGS) already installed"; fi

build: deps
	$(SWIFT) build

test: deps
	$(SWIFT) test
	$(MAKE) test-blis
	$(if $(AVX512),$(MAKE) test-avx512,@echo "test-avx512: skipped, this CPU has no AVX-512")

# The second backend, so it cannot rot: everything that calls BLAS, built with --traits BLIS.
test-blis: deps
	$(SWIFT) test --traits BLIS --scratch-path .build-blis --filter 'Matmul|LinearOperation|Convolution|BLAS'

# The 512-bit GEMM strips the programs use on this CPU, built as they are.
test-avx512: deps
	$(SWIFT) test $(WIDE_FLAGS) --scratch-path .build-avx512 --filter 'LoopGemm|Matmul|LinearOperation'

demo: deps
	$(RUN) $(SWIFT) run -c release $(FAST_FLAGS) MAML

demo-newton: deps
	$(RUN) $(SWIFT) run -c release $(FAST_FLAGS) NewtonCG

bench: deps
	$(RUN) $(SWIFT) run -c release $(FAST_FLAGS) HigherBench

# The core operations against PyTorch, then the meta-learning table (about 25 minutes in all).
bench-peers: deps
	bash Benchmarks/peers/setup.sh
	$(SWIFT) build -c release $(FAST_FLAGS) --product HigherBench
	$(SWIFT) build -c release $(FAST_FLAGS) --product MAMLBench
	$(RUN) python3 Benchmarks/peers/compare.py
	$(RUN) python3 Benchmarks/peers/maml_table.py --higher-bin .build/release/MAMLBench

# Every (peer, workload) as separate processes; about 20 minutes.
bench-maml: deps
	bash Benchmarks/peers/setup.sh
	$(SWIFT) build -c release $(FAST_FLAGS) --product MAMLBench
	$(RUN) python3 Benchmarks/peers/maml_table.py --higher-bin .build/release/MAMLBench

# One process per (strategy, K), and higher 0.2.1 for each K; prints a markdown table.
bench-memory: deps
	bash Benchmarks/peers/setup.sh
	$(SWIFT) build -c release $(FAST_FLAGS) --product InnerLoopMemory
	$(RUN) python3 Benchmarks/peers/memory_table.py --binary .build/release/InnerLoopMemory

clean:
	rm -rf .build .build-*
