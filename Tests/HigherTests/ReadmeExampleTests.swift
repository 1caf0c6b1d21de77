import Testing
import Higher

/// The README's example, as written there, so it keeps compiling and working.
final class ReadmeNet: Module, @unchecked Sendable {
    let hidden: Linear, output: Linear
    init(using rng: inout RandomGenerator) {
        hidden = Linear(1, 40, using: &rng)
        output = Linear(40, 1, using: &rng)
    }
    func callAsFunction(_ x: Tensor) -> Tensor { output(relu(hidden(x))) }
}

@Suite struct ReadmeExampleTests {
    @Test func metaGradientExample() throws {
        var rng = RandomGenerator(seed: 0)
        let f = makeFunctional(ReadmeNet(using: &rng))
        let x = Tensor.uniform([10, 1], low: -5, high: 5, using: &rng), y = 2 * x

        var loop = InnerLoop(model: f, optimizer: SGD(lr: 0.01))
        for _ in 0..<5 {
            try loop.step { m in meanSquaredError(predicted: try m(x), target: y) }
        }
        let result = try loop.metaGradient { m in meanSquaredError(predicted: try m(x), target: y) }
        let metaGradient = result.initialParameters!
        let lrGradient = result.hyperparameters!.lr

        #expect(metaGradient.paths == ["hidden.weight", "hidden.bias", "output.weight", "output.bias"])
        // The learning-rate gradient against central differences of the same unroll.
        func outer(_ lr: Double) throws -> Double {
            var loop = InnerLoop(model: f, optimizer: SGD(lr: Hyperparameter(lr)))
            for _ in 0..<5 { try loop.step { m in meanSquaredError(predicted: try m(x), target: y) } }
            return try loop.metaGradient { m in meanSquaredError(predicted: try m(x), target: y) }.outerLoss.item
        }
        let difference = (try outer(0.01 + 1e-7) - outer(0.01 - 1e-7)) / 2e-7
        #expect(abs(lrGradient.tensor!.item - difference) < 1e-5 * max(1, abs(difference)))
    }
}
