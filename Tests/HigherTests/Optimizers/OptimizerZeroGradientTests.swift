import Testing
@testable import Higher

/// Gradient entries that are exactly 0 (from the first step on) must leave every
/// meta-gradient and hypergradient finite, for every family that takes a square root
/// of squared gradients, and agree with finite differences where the unroll is smooth.
@Suite struct OptimizerZeroGradientTests {
    struct Family: Sendable, CustomTestStringConvertible {
        let name: String
        let steps: Int
        let make: @Sendable () -> any Optimizer
        var testDescription: String { name }
    }

    static let families: [Family] = [
        Family(name: "Adam", steps: 3) { Adam(lr: 0.05) },
        Family(name: "Adam amsgrad", steps: 3) { Adam(lr: 0.05, amsgrad: true) },
        Family(name: "AdamW", steps: 3) { AdamW(lr: 0.05) },
        Family(name: "Adamax", steps: 3) { Adamax(lr: 0.05) },
        Family(name: "RMSprop", steps: 3) { RMSprop(lr: 0.01) },
        Family(name: "RMSprop centered", steps: 3) { RMSprop(lr: 0.01, momentum: 0.5, centered: true) },
        Family(name: "Adagrad", steps: 3) { Adagrad(lr: 0.1) },
        Family(name: "Adadelta", steps: 3) { Adadelta(lr: 1) },
        Family(name: "NAdam", steps: 3) { NAdam(lr: 0.05) },
        Family(name: "RAdam", steps: 7) { RAdam(lr: 0.05, betas: (0.9, 0.9)) },
        Family(name: "Adafactor", steps: 3) { Adafactor(lr: 0.05) },
    ]

    /// `w` has some entries with no effect on the loss, `b` none at all, `z` starts at
    /// zero and has no effect either: their gradients are exactly 0 at every step.
    static let start: Parameters = [
        "w": Tensor([[0.5, -1.0, 0.3], [0.8, 0.7, -0.6]]),
        "b": Tensor([0.1, -0.2, 0.3]),
        "z": Tensor.zeros([2, 2]),
    ]
    static let mask = Tensor([[1, 0, 1], [0, 1, 0]])

    static func innerLoss(_ p: Parameters) -> Tensor {
        let w = p.tensor(at: "w")
        return (mask * (w - 0.2).squared() * w).sum() + 0 * p.tensor(at: "b").sum() + 0 * p.tensor(at: "z").sum()
    }

    static func outerLoss(_ p: Parameters) -> Tensor {
        (p.tensor(at: "w") * Tensor([[1, 2, 3], [4, 5, 6]])).sum() + p.tensor(at: "b").squared().sum()
            + (p.tensor(at: "z") + 1).squared().sum()
    }

    @Test(arguments: families)
    func metaGradientsAreFiniteAndMatchFiniteDifferences(_ family: Family) throws {
        try run(family.make(), family.steps)
    }

    private func run<O: Optimizer>(_ opt: O, _ steps: Int) throws {
        func outer(_ p0: Parameters, _ hyper: O.Hyper) throws -> Tensor {
            let (trajectory, _) = try optimUnroll(opt, hyper, from: p0, steps: steps, loss: Self.innerLoss)
            return Self.outerLoss(trajectory.last!)
        }
        let g = try gradient(at: Self.start) { try outer($0, opt.hyper) }
        #expect(g.tensors.allSatisfy { $0.scalars.allSatisfy { $0.isFinite } }, "\(g.tensors)")
        let hyperGradient = try gradient(at: opt.hyper) { try outer(Self.start, $0) }
        #expect(hyperGradient.leaves.allSatisfy { $0.scalars.allSatisfy { $0.isFinite } }, "\(hyperGradient.leaves)")

        // Finite differences, element by element of the initial parameters.
        let flat = optimFlat(Self.start)
        var numeric = [Double]()
        for i in flat.indices {
            numeric.append(try optimFD(flat[i]) { v in
                var values = flat
                values[i] = v
                return try outer(Self.start.unflattened(Tensor(values)), opt.hyper).item
            })
        }
        let error = optimMaxDifference(optimFlat(g), numeric)
        #expect(error < 1e-6, "metagrad \(optimFlat(g)) vs finite differences \(numeric)")

        // The learning rate's hypergradient.
        let lr = (opt.hyper as! any LearningRateHyper).lr.tensor!.item
        let lrNumeric = try optimFD(lr, 1e-7) { v in
            try outer(Self.start, optimWithLearningRate(opt.hyper, Hyperparameter(v))).item
        }
        let lrExact = try gradient(at: Tensor(lr)) { try outer(Self.start, optimWithLearningRate(opt.hyper, Hyperparameter($0))) }
        #expect(abs(lrExact.item - lrNumeric) < 1e-5 * max(1, abs(lrNumeric)), "lr: \(lrExact.item) vs \(lrNumeric)")

        // Forward mode over the inner gradient agrees with the reverse meta-gradient.
        let direction = Self.start.mapLeaves { Tensor.ones($0.shape) * 0.5 }
        let (_, tangent) = try jvp(at: Self.start, along: direction) { try outer($0, opt.hyper) }
        let projected = g.dot(direction).item
        #expect(abs(tangent.item - projected) < 1e-10 * max(1, abs(projected)), "\(tangent.item) vs \(projected)")
    }
}
