// The core benchmark program: release mode, Float32, one thread.
// `make bench` prints a table; `--json` prints one JSON object for Benchmarks/peers/compare.py.
import Higher

// glibc returns freed heap memory to the kernel after every large free, so each iteration
// faults its tensors' pages in again; keep freed memory for reuse instead (a process-wide
// allocator setting of this program, not of the library; see docs/benchmarks.md).
@_silgen_name("mallopt") func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
_ = mallopt(-1, 256 << 20)     // M_TRIM_THRESHOLD
_ = mallopt(-3, 256 << 20)     // M_MMAP_THRESHOLD

let arguments = CommandLine.arguments
let quick = arguments.contains("--quick")
let json = arguments.contains("--json")
/// `--only NAME` runs just the workloads whose name starts with NAME (for profiling).
let only = arguments.firstIndex(of: "--only").map { arguments[$0 + 1] }
BLASBackend.setThreadCount(1)

var results: [(String, Double)] = []
/// `--iterations N` runs each selected workload exactly N times, untimed (for callgrind).
let fixedIterations = arguments.firstIndex(of: "--iterations").map { Int(arguments[$0 + 1])! }

@MainActor func record(_ name: String, _ body: () -> Void) {
    if let only, !name.hasPrefix(only) { return }
    if let fixedIterations {
        for _ in 0..<fixedIterations { body() }
        return
    }
    let us = microseconds(quick: quick, body)
    results.append((name, us))
    if !json {
        let padded = name + String(repeating: " ", count: max(1, 22 - name.count))
        print(padded + "\((us * 1000).rounded() / 1000) µs")
    }
}

func wants(_ prefix: String) -> Bool { only.map { $0.hasPrefix(prefix) || prefix.hasPrefix($0) } ?? true }

// GEMM through Tensor against the raw CBLAS call, square Float32 matrices.
for n in [32, 128, 512] where wants("gemm") {
    var rng = RandomGenerator(seed: UInt64(n))
    let a = Tensor.uniform([n, n], low: -1, high: 1, dtype: .float32, using: &rng)
    let b = Tensor.uniform([n, n], low: -1, high: 1, dtype: .float32, using: &rng)
    let ra = a.scalars(as: Float.self), rb = b.scalars(as: Float.self)
    var rc = [Float](repeating: 0, count: n * n)
    record("gemm_\(n)") { consume(matmul(a, b)) }
    record("gemm_\(n)_raw_cblas") { rawSgemm(ra, rb, &rc, n); consume(rc) }
}

// Per-operation cost: an elementwise add of two [64] tensors.
if wants("add64") {
    var rng = RandomGenerator(seed: 1)
    let a = Tensor.uniform([64], dtype: .float32, using: &rng)
    let b = Tensor.uniform([64], dtype: .float32, using: &rng)
    record("add64_untraced") { consume(a + b) }
    record("add64_traced") { consume(valueWithGradient(at: [a, b]) { p in (p[0] + p[1]).sum() }) }
}

// Gradient and Hessian-vector product of the MLP's MSE on 10 points.
if wants("mlp") {
    let w = MLPWorkload()
    record("mlp_grad") { consume(gradient(at: w.params, of: w.loss)) }
    record("mlp_hvp") { consume(hessianVectorProduct(at: w.params, along: w.direction, of: w.loss)) }
}

// conv2d forward and backward: [8, 64, 14, 14], 3×3, 64 → 64, padding 1.
if wants("conv") {
    var rng = RandomGenerator(seed: 2)
    let x = Tensor.uniform([8, 64, 14, 14], low: -1, high: 1, dtype: .float32, using: &rng)
    let k = Tensor.uniform([64, 64, 3, 3], low: -0.05, high: 0.05, dtype: .float32, using: &rng)
    record("conv_fwd_bwd") {
        consume(gradient(at: [x, k]) { p in conv2d(p[0], p[1], padding: 1).sum() })
    }
}

// Functional apply against a direct module call (the overhead of binding parameters).
if wants("functional") {
    let mlp = BenchMLP()
    let fm = makeFunctional(mlp)
    let pm = fm.parameters
    let x = Tensor((0..<10).map { Double($0) - 5 }, shape: [10, 1], dtype: .float32)
    record("functional_mlp_direct") { consume(mlp(x)) }
    record("functional_mlp_apply") { consume(try! fm(x, parameters: pm)) }
    let cnn = BenchCNN()
    let fc = makeFunctional(cnn)
    let pc = fc.parameters, bc = fc.buffers
    var rng = RandomGenerator(seed: 3)
    let images = Tensor.uniform([25, 1, 28, 28], dtype: .float32, using: &rng)
    record("functional_cnn_direct") { consume(ModuleMode.evaluation.run { cnn(images) }) }
    record("functional_cnn_apply") {
        consume(try! fc.apply(images, parameters: pc, buffers: bc, mode: .evaluation).output)
    }
}

// makeFunctional (reflection) on a module with ResNet-18's parameters and buffers.
if wants("make_functional") {
    let resnet = ResNet18Shape()
    record("make_functional_resnet18") { consume(makeFunctional(resnet).parameters) }
}

// One optimizer step on a 1M-scalar Float32 tree (Benchmarks/peers/optim_bench.py's tree).
if wants("adam_step") || wants("sgd_momentum_step") {
    var rng = RandomGenerator(seed: 4)
    let shapes: [(String, [Int])] = [("fc1.weight", [1024, 512]), ("fc1.bias", [1024]),
                                     ("fc2.weight", [512, 1024]), ("fc2.bias", [512])]
    let params = Parameters(shapes.map { ($0.0, Tensor.normal($0.1, dtype: .float32, using: &rng)) })
    let grads = Parameters(shapes.map { ($0.0, Tensor.normal($0.1, dtype: .float32, using: &rng)) })
    let adam = Adam(lr: 1e-3)
    var adamState = adam.initialState(for: params)
    (adamState, _) = try! adam.step(adamState, params, grads)
    let sgd = SGD(lr: 1e-2, momentum: 0.9)
    var sgdState = sgd.initialState(for: params)
    (sgdState, _) = try! sgd.step(sgdState, params, grads)
    let (a, s) = (adamState, sgdState)
    record("adam_step_1m") { consume(try! adam.step(a, params, grads)) }
    record("sgd_momentum_step_1m") { consume(try! sgd.step(s, params, grads)) }
}

if json {
    let body = results.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ")
    print("{\"framework\": \"higher-swift\", \"blas\": \"\(BLASBackend.name)\", \"unit\": \"us_per_call\", \(body)}")
}
