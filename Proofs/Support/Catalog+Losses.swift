@testable import Higher

extension OperationCatalog {
    /// Tensor+Losses, each with every reduction. Losses of class scores take the class
    /// axis 1 (0 for a vector); their labels are random integers drawn with the layout.
    static let losses: [Operation] = [
        Operation("meanSquaredError", arity: 2) { s, _ in
            Layout([s, s]) { x in
                [Reduction.mean, .sum, .none].map { meanSquaredError(predicted: x[0], target: x[1], reduction: $0) }
            }
        },
        // The fused cotangent meanSquaredError's backward rule sends to `predicted`, in
        // all three inputs (its own rules are what second-order sweeps differentiate).
        Operation("squaredErrorCotangent(p, t, g)", arity: 3) { s, _ in
            Layout([s, s, []]) { x in [Tensor.squaredErrorCotangent(x[0], x[1], x[2], scale: 0.75)] }
        },
        // The second derivative jumps where |predicted − target| = delta: the difference
        // is drawn away from both deltas used (1 and 0.6).
        Operation("huberLoss (delta 1 and 0.6)", arity: 2) { s, _ in
            Layout([s, s], values: { rng in
                let predicted = Arbitrary.tensor(s, in: .interval(-2...2), using: &rng)
                let d = Arbitrary.tensor(s, in: Arbitrary.Domain(-2 ... -1.1, -0.9 ... -0.7, -0.5 ... 0.5, 0.7 ... 0.9, 1.1 ... 2), using: &rng)
                return [predicted, Tensor(zip(predicted.scalars, d.scalars).map { $0 - $1 }, shape: s, dtype: .float64)]
            }) { x in
                [huberLoss(predicted: x[0], target: x[1]),
                 huberLoss(predicted: x[0], target: x[1], reduction: .sum),
                 huberLoss(predicted: x[0], target: x[1], delta: 0.6, reduction: .none)]
            }
        },
        Operation("binaryCrossEntropyWithLogits", arity: 2, domains: [.interval(-3...3), .unitInterval]) { s, _ in
            Layout([s, s]) { x in
                [Reduction.mean, .sum, .none].map { binaryCrossEntropyWithLogits(logits: x[0], targets: x[1], reduction: $0) }
            }
        },
        classLoss("nllLoss(logProbabilities:labels: [Int])") { x, labels, r in
            nllLoss(logProbabilities: x, labels: labels, reduction: r)
        },
        classLoss("nllLoss(logProbabilities:labels: Tensor)") { x, labels, r in
            nllLoss(logProbabilities: x, labels: Tensor(labels.map(Double.init)), reduction: r)
        },
        classLoss("crossEntropy(logits:labels: [Int])") { x, labels, r in
            crossEntropy(logits: x, labels: labels, reduction: r)
        },
        classLoss("crossEntropy(logits:labels: Tensor)") { x, labels, r in
            crossEntropy(logits: x, labels: Tensor(labels.map(Double.init), dtype: .float32), reduction: r)
        },
        Operation("crossEntropy(logits:probabilities:)", arity: 2, domains: [.interval(-3...3), .unitInterval]) { s, _ in
            let shape = ShapeRules.withAxis(s)
            return Layout([shape, shape]) { x in
                [Reduction.mean, .sum, .none].map { crossEntropy(logits: x[0], probabilities: x[1], reduction: $0) }
            }
        },
    ]

    /// A loss of class scores (`[C]`, `[N, C]` or `[N, C, d…]`) and integer labels, with
    /// every reduction.
    static func classLoss(
        _ name: String, _ f: @escaping @Sendable (Tensor, [Int], Reduction) -> Tensor
    ) -> Operation {
        Operation(name, arity: 1, domains: [.interval(-3...3)]) { s, rng in
            let shape = ShapeRules.withAxis(s)
            let axis = shape.count == 1 ? 0 : 1
            let classes = shape[axis]
            let labels = ShapeRules.integers(shape.reduce(1, *) / classes, in: 0...(classes - 1), using: &rng)
            return Layout([shape], note: "labels \(labels)") { x in
                [Reduction.mean, .sum, .none].map { f(x[0], labels, $0) }
            }
        }
    }
}
