@testable import Higher

extension OperationCatalog {
    /// Arithmetic (Tensor+Arithmetic), elementwise math (Tensor+Elementwise), selection
    /// (`where`, Tensor+Comparison), `cast` (Tensor+Creation) and the fused SGD update.
    static let elementwise: [Operation] = [
        .binary("add") { $0 + $1 },
        .binary("subtract") { $0 - $1 },
        .binary("multiply") { $0 * $1 },
        .binary("divide") { $0 / $1 },
        .unary("negate") { -$0 },
        .unary("scalar on the right (x + c, x − c, x · c, x / c)", outputs: { x in
            [x + 0.5, x - 1.25, x * 1.5, x / -2]
        }),
        .unary("scalar on the left (c + x, c − x, c · x, c / x)", outputs: { x in
            [0.5 + x, 1.25 - x, -1.5 * x, 2 / x]
        }),
        .unary("exp", .interval(-2...2)) { $0.exp() },
        .unary("log", .positive) { $0.log() },
        .unary("log1p", .interval(-0.75...2)) { $0.log1p() },
        .unary("expm1", .interval(-2...2)) { $0.expm1() },
        .unary("sqrt", .positive) { $0.sqrt() },
        .unary("rsqrt", .positive) { $0.rsqrt() },
        .unary("squared") { $0.squared() },
        .unary("abs (away from its kink at 0)") { $0.abs() },
        .unary("erf", .interval(-2...2)) { $0.erf() },
        .unary("pow(x, 3)") { $0.pow(3) },
        .unary("pow(x, 0), pow(x, 1), pow(x, 2) (special-cased exponents)", outputs: { x in
            [x.pow(0), x.pow(1), x.pow(2)]
        }),
        .unary("pow(x, 0.5)", .positive) { $0.pow(0.5) },
        .unary("pow(x, -1.5)", .positive) { $0.pow(-1.5) },
        .binary("pow(x, y) (positive base)", [.positive, .interval(-2...2)]) { $0.pow($1) },
        .unary("pow(c, y) (scalar base)", .interval(-2...2)) { pow(1.7, $0) },
        .binary("maximum(a, b) (distinct values)", distinct: true) { Tensor.maximum($0, $1) },
        .binary("minimum(a, b) (distinct values)", distinct: true) { Tensor.minimum($0, $1) },
        .unary("maximum(x, 0.3)", Arbitrary.Domain(-2 ... 0.2, 0.4 ... 2)) { Tensor.maximum($0, 0.3) },
        .unary("minimum(x, -0.3)", Arbitrary.Domain(-2 ... -0.4, -0.2 ... 2)) { Tensor.minimum($0, -0.3) },
        .unary("clamped(min: -1, max: 1)", Arbitrary.Domain(-2 ... -1.1, -0.9 ... 0.9, 1.1 ... 2)) {
            $0.clamped(min: -1, max: 1)
        },
        .unary("clamped(min: 0.5)", Arbitrary.Domain(-2 ... 0.4, 0.6 ... 2)) { $0.clamped(min: 0.5) },
        .unary("clamped(max: -0.5)", Arbitrary.Domain(-2 ... -0.6, -0.4 ... 2)) { $0.clamped(max: -0.5) },
        where3,
        .unary("where(mask, x, c) and where(mask, c, x)", outputs: { x in
            // A fixed pattern of ones and zeros over the elements.
            let mask = Tensor((0..<x.count).map { Double(($0 * 7 + 3) % 5 < 2 ? 1 : 0) }, shape: x.shape, dtype: .float64)
            return [Tensor.where(mask, x, 0.5), Tensor.where(mask, -1.5, x)]
        }),
        Operation("cast to Float32 and back", arity: 1, features: [.roundsToFloat32]) { s, _ in
            Layout([s]) { [$0[0].cast(to: .float32).cast(to: .float64)] }
        },
        // The fused SGD update (Tensor+DescentStep), in all four inputs and without decay.
        Operation("descentStep(gradient:lr:weightDecay:)", arity: 4) { s, _ in
            Layout([s, s, [], []]) { x in
                [x[0].descentStep(gradient: x[1], lr: x[2], weightDecay: x[3]),
                 x[0].descentStep(gradient: x[1], lr: x[2], weightDecay: nil)]
            }
        },
    ]

    /// `where(mask, a, b)` with a constant random mask, all three broadcast together.
    static let where3 = Operation("where(mask, a, b)", arity: 2, features: [.broadcasting]) { s, rng in
        let a = ShapeRules.broadcastOperand(of: s, using: &rng)
        let b = ShapeRules.broadcastOperand(of: s, using: &rng)
        let m = ShapeRules.broadcastOperand(of: s, using: &rng)
        let mask = Tensor(ShapeRules.integers(m.reduce(1, *), in: 0...1, using: &rng).map(Double.init), shape: m, dtype: .float64)
        return Layout([a, b], note: "mask \(mask.scalars) of shape \(m)") { [Tensor.where(mask, $0[0], $0[1])] }
    }
}
