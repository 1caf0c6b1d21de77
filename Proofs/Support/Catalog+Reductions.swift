@testable import Higher

extension OperationCatalog {
    /// Tensor+Sum, Tensor+Reductions and Tensor+Normalization. Max and min get distinct
    /// values (their derivative jumps where two elements tie); the standard deviation gets
    /// slices of at least two elements (its derivative is infinite where the variance is 0).
    static let reductions: [Operation] = [
        .unary("sum()") { $0.sum() },
        reduction("sum(alongAxes:keepingDimensions:)", allowsNoAxes: true) { $0.sum(alongAxes: $1, keepingDimensions: $2) },
        reduction("sum(alongAxis:keepingDimensions:)", oneAxis: true) { $0.sum(alongAxis: $1[0], keepingDimensions: $2) },
        .unary("mean()") { $0.mean() },
        reduction("mean(alongAxes:keepingDimensions:)", allowsNoAxes: true) { $0.mean(alongAxes: $1, keepingDimensions: $2) },
        reduction("mean(alongAxis:keepingDimensions:)", oneAxis: true) { $0.mean(alongAxis: $1[0], keepingDimensions: $2) },
        Operation("variance(alongAxes:keepingDimensions:correction:)", arity: 1) { s, rng in
            let shape = ShapeRules.withAxis(s)
            let axes = ShapeRules.nonEmptyAxes(rank: shape.count, using: &rng)
            let keep = ShapeRules.coin(&rng)
            let n = Set(axes.map { ($0 + shape.count) % shape.count }).reduce(1) { $0 * shape[$1] }
            let correction = n >= 2 && ShapeRules.coin(&rng) ? 1 : 0
            return Layout([shape], note: "axes \(axes), keep \(keep), correction \(correction)") {
                [$0[0].variance(alongAxes: axes, keepingDimensions: keep, correction: correction)]
            }
        },
        Operation("variance(alongAxis:) and variance()", arity: 1) { s, rng in
            let shape = ShapeRules.withAxis(s)
            let axis = ShapeRules.axis(rank: shape.count, using: &rng)
            let correction = shape[(axis + shape.count) % shape.count] >= 2 && shape.reduce(1, *) >= 2 ? 1 : 0
            return Layout([shape], note: "axis \(axis), correction \(correction)") { x in
                [x[0].variance(alongAxis: axis, correction: correction), x[0].variance(correction: correction)]
            }
        },
        Operation("standardDeviation (along axes, one axis, all)", arity: 1) { s, rng in
            var shape = ShapeRules.withAxis(s)
            if !shape.contains(where: { $0 >= 2 }) { shape.append(2) }
            var axes = Arbitrary.axes(rank: shape.count, using: &rng)
            let wide = shape.indices.filter { shape[$0] >= 2 }
            let axis = wide[rng.nextInt(below: wide.count)]
            if !axes.contains(axis) { axes = (axes + [axis]).sorted() }
            let correction = ShapeRules.coin(&rng) ? 1 : 0
            return Layout([shape], note: "axes \(axes), axis \(axis), correction \(correction)") { x in
                [x[0].standardDeviation(alongAxes: axes, keepingDimensions: true, correction: correction),
                 x[0].standardDeviation(alongAxis: axis, correction: correction),
                 x[0].standardDeviation(correction: correction)]
            }
        },
        // ε = 0.1 keeps the derivatives of a slice of nearly equal values finite and
        // smooth enough for central differences.
        Operation("normalized(alongAxes:epsilon:)", arity: 1) { s, rng in
            let shape = ShapeRules.withAxis(s)
            let axes = ShapeRules.nonEmptyAxes(rank: shape.count, using: &rng)
            return Layout([shape], note: "axes \(axes)") { [$0[0].normalized(alongAxes: axes, epsilon: 0.1)] }
        },
        reduction("max(alongAxes:keepingDimensions:)", distinct: true) { $0.max(alongAxes: $1, keepingDimensions: $2) },
        reduction("max(alongAxis:keepingDimensions:)", distinct: true, oneAxis: true) {
            $0.max(alongAxis: $1[0], keepingDimensions: $2)
        },
        .unary("max()", distinct: true) { $0.max() },
        reduction("min(alongAxes:keepingDimensions:)", distinct: true) { $0.min(alongAxes: $1, keepingDimensions: $2) },
        reduction("min(alongAxis:keepingDimensions:)", distinct: true, oneAxis: true) {
            $0.min(alongAxis: $1[0], keepingDimensions: $2)
        },
        .unary("min()", distinct: true) { $0.min() },
        reduction("logSumExp(alongAxes:keepingDimensions:)", allowsNoAxes: true) {
            $0.logSumExp(alongAxes: $1, keepingDimensions: $2)
        },
        reduction("logSumExp(alongAxis:keepingDimensions:)", oneAxis: true) {
            $0.logSumExp(alongAxis: $1[0], keepingDimensions: $2)
        },
        .unary("logSumExp()") { $0.logSumExp() },
        reduction("softmax(alongAxis:)", oneAxis: true) { x, axes, _ in x.softmax(alongAxis: axes[0]) },
        reduction("logSoftmax(alongAxis:)", oneAxis: true) { x, axes, _ in x.logSoftmax(alongAxis: axes[0]) },
    ]

    /// A reduction over random axes (one axis, or a random subset, possibly empty only
    /// when `allowsNoAxes`), keeping the reduced dimensions or not.
    static func reduction(
        _ name: String, distinct: Bool = false, allowsNoAxes: Bool = false, oneAxis: Bool = false,
        _ f: @escaping @Sendable (Tensor, [Int], Bool) -> Tensor
    ) -> Operation {
        Operation(name, arity: 1, distinct: distinct) { s, rng in
            let shape = allowsNoAxes ? s : ShapeRules.withAxis(s)
            let axes: [Int]
            if oneAxis {
                axes = [ShapeRules.axis(rank: shape.count, using: &rng)]
            } else if allowsNoAxes {
                axes = Arbitrary.axes(rank: shape.count, using: &rng).map { ShapeRules.coin(&rng) ? $0 : $0 - shape.count }
            } else {
                axes = ShapeRules.nonEmptyAxes(rank: shape.count, using: &rng)
            }
            let keep = ShapeRules.coin(&rng)
            return Layout([shape], note: "axes \(axes), keep \(keep)") { [f($0[0], axes, keep)] }
        }
    }
}
