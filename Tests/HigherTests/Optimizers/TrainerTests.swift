import Testing
@testable import Higher

/// A small MLP written as a class module with `@Parameter` weights.
final class TrainerTestMLP: Module {
    @Parameter var w1: Tensor
    @Parameter var b1: Tensor
    @Parameter var w2: Tensor
    @Parameter var b2: Tensor
    @Buffer var calls = Tensor(0)

    init(hidden: Int, seed: UInt64) {
        var rng = RandomGenerator(seed: seed)
        w1 = Tensor.uniform([hidden, 1], low: -1, high: 1, using: &rng)
        b1 = Tensor.uniform([hidden], low: -1, high: 1, using: &rng)
        w2 = Tensor.uniform([1, hidden], low: -0.3, high: 0.3, using: &rng)
        b2 = Tensor.zeros([1])
    }

    func callAsFunction(_ x: Tensor) -> Tensor {
        calls = calls + 1
        return matmul(tanh(matmul(x, w1, transposeB: true) + b1), w2, transposeB: true) + b2
    }
}

@Suite struct TrainerTests {
    static let x = Tensor(Array(stride(from: -2.0, through: 2.0, by: 0.25)), shape: [17, 1], dtype: .float64)
    static var y: Tensor { (x * 1.5).mapLeaves { Tensor($0.scalars.map { Foundation.sin($0) }, shape: $0.shape, dtype: .float64) } }

    @Test func adamTrainsAnMLPToALowLoss() throws {
        let model = TrainerTestMLP(hidden: 16, seed: 7)
        var trainer = Trainer(model: model, optimizer: Adam(lr: 0.02))
        let x = Self.x, y = Self.y
        let first = try trainer.step { forward in meanSquaredError(predicted: try forward(x), target: y) }
        var last = first
        for _ in 0..<400 {
            last = try trainer.step { forward in meanSquaredError(predicted: try forward(x), target: y) }
        }
        #expect(last < 0.01 && last < first / 20, "loss \(first) → \(last)")
        // The module holds the trained weights and the buffer updates.
        let direct = meanSquaredError(predicted: model(x), target: y).item
        #expect(abs(direct - last) < 0.01)
        #expect(model.$w1.storedValue.scalars == trainer.parameters.tensor(at: "w1").scalars)
        #expect(model.$calls.storedValue.item >= 401)
        #expect((trainer.state.step) == 401)
    }

    @Test func schedulesAndClippingCompose() throws {
        let model = TrainerTestMLP(hidden: 8, seed: 3)
        let optimizer = SGD(lr: 0.1, momentum: 0.9)
            .transformingGradients(.clipByGlobalNorm(1))
            .scheduled(by: CosineSchedule(initial: 0.1, minimum: 0.01, period: 300))
        var trainer = Trainer(model: model, optimizer: optimizer)
        let x = Self.x, y = Self.y
        var losses = [Double]()
        for _ in 0..<300 {
            losses.append(try trainer.step { forward in meanSquaredError(predicted: try forward(x), target: y) })
        }
        #expect(losses.last! < losses.first! / 5, "\(losses.first!) → \(losses.last!)")
    }
}

import Foundation
