import Higher

/// The 1-40-40-1 ReLU MLP of the memory benchmark as a struct model, weights shaped like
/// `nn.Linear` (`W [out, in]`, `b [out]`).
struct SinusoidMLP: FunctionalModel {
    var parameters: Parameters

    /// Weights uniform in ±1/√fan_in (the `nn.Linear` init) from a seeded generator.
    init(dtype: DType = .float32, seed: UInt64 = 0) {
        var rng = RandomGenerator(seed: seed)
        var pairs = [(String, Tensor)]()
        for (layer, (fanIn, fanOut)) in [(1, 40), (40, 40), (40, 1)].enumerated() {
            let bound = 1 / Double(fanIn).squareRoot()
            pairs.append(("\(layer).weight", Tensor.uniform([fanOut, fanIn], low: -bound, high: bound, dtype: dtype, using: &rng)))
            pairs.append(("\(layer).bias", Tensor.uniform([fanOut], low: -bound, high: bound, dtype: dtype, using: &rng)))
        }
        parameters = Parameters(pairs)
    }

    func apply(_ x: Tensor, parameters p: Parameters, buffers: Parameters) throws -> (output: Tensor, buffers: Parameters) {
        let h1 = relu(matmul(x, p.tensor(at: "0.weight"), transposeB: true) + p.tensor(at: "0.bias"))
        let h2 = relu(matmul(h1, p.tensor(at: "1.weight"), transposeB: true) + p.tensor(at: "1.bias"))
        return (matmul(h2, p.tensor(at: "2.weight"), transposeB: true) + p.tensor(at: "2.bias"), buffers)
    }
}

/// One sinusoid task: 10 support points evenly spaced in [-5, 5] and 10 query points
/// between them (offset by half a spacing, in [-4.44, 5.56]), `y = sin x`, Float32.
struct SinusoidTask {
    let support: (x: Tensor, y: Tensor)
    let query: (x: Tensor, y: Tensor)

    init(dtype: DType = .float32) {
        let spacing = 10.0 / 9
        let xs = (0..<10).map { -5 + Double($0) * spacing }
        let xq = xs.map { $0 + spacing / 2 }
        support = (Tensor(xs, shape: [10, 1], dtype: dtype), Tensor(xs.map(sine), shape: [10, 1], dtype: dtype))
        query = (Tensor(xq, shape: [10, 1], dtype: dtype), Tensor(xq.map(sine), shape: [10, 1], dtype: dtype))
    }
}

/// `sin` without Foundation (Foundation would add to the process's baseline memory).
func sine(_ x: Double) -> Double {
    let r = x.truncatingRemainder(dividingBy: 2 * Double.pi)
    var sum = 0.0, term = r
    for k in 0..<30 {
        sum += term
        term *= -r * r / Double((2 * k + 2) * (2 * k + 3))
    }
    return sum
}
