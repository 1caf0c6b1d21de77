import Testing
@testable import Higher

/// A small ReLU MLP with a batch-norm layer, the task data, and helpers shared by the
/// inner-loop tests.
final class LoopNet: Module, @unchecked Sendable {
    let fc1: Linear
    let norm: BatchNorm1d
    let fc2: Linear
    init(hidden: Int = 8, seed: UInt64 = 3) {
        var rng = RandomGenerator(seed: seed)
        fc1 = Linear(1, hidden, using: &rng)
        norm = BatchNorm1d(hidden)
        fc2 = Linear(hidden, 1, using: &rng)
    }
    func callAsFunction(_ x: Tensor) -> Tensor { fc2(relu(norm(fc1(x)))) }
}

/// A 1-h-h-1 ReLU MLP without buffers, as a struct model.
struct PlainMLP: FunctionalModel {
    var parameters: Parameters
    init(hidden: Int, seed: UInt64, biasShift: Double = 0) {
        var rng = RandomGenerator(seed: seed)
        var pairs = [(String, Tensor)]()
        for (i, (fanIn, fanOut)) in [(1, hidden), (hidden, hidden), (hidden, 1)].enumerated() {
            let bound = 1 / Double(fanIn).squareRoot()
            pairs.append(("w\(i)", Tensor.uniform([fanOut, fanIn], low: -bound, high: bound, using: &rng)))
            pairs.append(("b\(i)", Tensor.uniform([fanOut], low: -bound, high: bound, using: &rng) + biasShift))
        }
        parameters = Parameters(pairs)
    }
    func apply(_ x: Tensor, parameters p: Parameters, buffers: Parameters) throws -> (output: Tensor, buffers: Parameters) {
        try p.requireSameStructure(as: parameters)
        var h = x
        for i in 0..<3 {
            h = matmul(h, p.tensor(at: "w\(i)"), transposeB: true) + p.tensor(at: "b\(i)")
            if i < 2 { h = relu(h) }
        }
        return (h, buffers)
    }
}

struct LoopTask {
    let xs, ys, xq, yq: Tensor
    init(seed: UInt64, points: Int = 10) {
        var rng = RandomGenerator(seed: seed)
        let a = 0.5 + 2 * rng.nextUniform(), phase = 3 * rng.nextUniform()
        func sample(_ rng: inout RandomGenerator) -> (Tensor, Tensor) {
            let x = (0..<points).map { _ in -5 + 10 * rng.nextUniform() }
            return (Tensor(x, shape: [points, 1], dtype: .float64),
                    Tensor(x.map { a * _sinApprox($0 + phase) }, shape: [points, 1], dtype: .float64))
        }
        (xs, ys) = sample(&rng)
        (xq, yq) = sample(&rng)
    }
}

/// sin by its series after range reduction (tests avoid Foundation).
func _sinApprox(_ x: Double) -> Double {
    let r = x.truncatingRemainder(dividingBy: 2 * Double.pi)
    var s = 0.0, term = r
    for k in 0..<25 { s += term; term *= -r * r / Double((2 * k + 2) * (2 * k + 3)) }
    return s
}

/// The largest |a − b| / max(1, |b|) over two trees' scalars.
func loopRelativeDifference(_ a: Parameters, _ b: Parameters) -> Double {
    var worst = 0.0
    for (x, y) in zip(a.tensors.flatMap(\.scalars), b.tensors.flatMap(\.scalars)) {
        let d = abs(x - y) / max(1, abs(y))
        worst = max(worst, d.isNaN ? .infinity : d)
    }
    return worst
}

/// Central finite differences of `f` at a few entries of `p` (entry = (path, flat index)).
func loopFiniteDifferences(_ p: Parameters, entries: [(String, Int)], epsilon: Double = 1e-6,
                           _ f: (Parameters) throws -> Double) rethrows -> [Double] {
    try entries.map { path, i in
        var values = p.tensor(at: path).scalars
        let shape = p.tensor(at: path).shape
        values[i] += epsilon
        var plus = p; plus[path] = Tensor(values, shape: shape, dtype: .float64)
        values[i] -= 2 * epsilon
        var minus = p; minus[path] = Tensor(values, shape: shape, dtype: .float64)
        return (try f(plus) - f(minus)) / (2 * epsilon)
    }
}
