# Higher: build, test, demo and benchmark commands. `make help` lists them.
SWIFT      ?= swift
APT_PKGS   := libopenblas-dev libblis-dev pkg-config
# Release builds of programs (not the library) target this CPU: fused multiply-add in the Swift
# GEMM, and its 512-bit strips on a CPU with AVX-512 (see docs/benchmarks.md).
FAST_FLAGS := -Xswiftc -target-cpu -Xswiftc native
# The CPU targets whose kernels this host runs, besides the default one `swift test` builds:
# haswell (256-bit fused multiply-add) on a CPU with AVX2 and FMA, native on one with AVX-512.
HAS_AVX2   := $(shell grep -qw avx2 /proc/cpuinfo 2>/dev/null && grep -qw fma /proc/cpuinfo && echo yes)
HAS_AVX512 := $(shell grep -qw avx512f /proc/cpuinfo 2>/dev/null && echo yes)
KERNEL_CPUS := $(strip $(if $(HAS_AVX2),haswell) $(if $(HAS_AVX512),native))
SUDO       := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Programs run with OpenBLAS choosing the kernels for this CPU (an inherited
# OPENBLAS_CORETYPE would pin an older kernel set; see docs/benchmarks.md).
RUN        := env -u OPENBLAS_CORETYPE

.PHONY: help deps build test test-blis test-kernels demo demo-newton bench bench-peers bench-maml bench-memory clean

help:
	@echo "make deps         install the system libraries (OpenBLAS, BLIS, pkg-config) if missing"
	@echo "make test         deps, the whole suite (OpenBLAS), then the BLAS-touching tests with BLIS"
	@echo "                  and the GEMM tests built for the vector units of this CPU"
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
	HIGHER_TEST_TARGET_CPU=default $(SWIFT) test
	$(MAKE) test-blis
	$(MAKE) test-kernels

# The second backend, so it cannot rot: everything that calls BLAS, built with --traits BLIS.
test-blis: deps
	$(SWIFT) test --traits BLIS --scratch-path .build-blis --filter 'Matmul|LinearOperation|Convolution|BLAS'

# The Swift GEMM as programs build it for this CPU: with fused multiply-adds (haswell), and
# with the 512-bit strips (native, on a CPU with AVX-512). `swift test` covered the default target.
test-kernels: deps
	@$(if $(KERNEL_CPUS),,echo "test-kernels: no AVX2/FMA or AVX-512 on this CPU; swift test covered its kernels")
	@set -e; for cpu in $(KERNEL_CPUS); do \
		echo "test-kernels: the GEMM tests built with -target-cpu $$cpu"; \
		HIGHER_TEST_TARGET_CPU=$$cpu $(SWIFT) test -Xswiftc -target-cpu -Xswiftc $$cpu --scratch-path .build-$$cpu \
			--filter 'LoopGemm|Matmul|LinearOperation|TargetFeatures'; \
	done

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
