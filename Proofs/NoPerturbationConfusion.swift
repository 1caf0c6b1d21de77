import Testing
import PropertyBased
@testable import Higher

/// Law: nested derivatives never mix their perturbations. With the inner function
/// capturing the outer variable,
///   d/dx [x · d/dy (x + y)] = 1      and      d/dx [x · d/dy (x · y)] = 2x
/// (so 1 and 2 at x = 1), in all four nestings of the two modes.
///
/// Derivation: d/dy (x + y) = 1 whatever x and y, so x · d/dy (x + y) = x, whose
/// derivative is 1. And d/dy (x · y) = x, so x · d/dy (x · y) = x², whose derivative is
/// 2x. If the inner differentiation mistook the outer perturbation of x for its own (one
/// shared ε, the classic bug), it would see d/dy (x + y) = 2 and d/dy (x · y) = x + y,
/// and the answers at x = y = 1 would be 2 and 3.
///
/// For tensors of any shape, elementwise: the inner derivative along the ones vector
/// (forward) or of the sum (reverse) is 1 and x elementwise, and the outer derivative
/// along a direction v (forward) or of the sum (reverse) is v and 2x ⊙ v, or 1 and 2x.
/// The values are generated (x in [−2, −0.25] ∪ [0.25, 2], y and v likewise), and the
/// answers must hold to round-off: |a − b| ≤ 1e-12·max(1, |a|, |b|).
@Suite struct NoPerturbationConfusion {
    /// A differentiation mode.
    enum Mode: String, CaseIterable, Sendable { case forward, reverse }

    /// `d/dx [x · d/dy g(x, y)]` at `x` (along `v` in forward mode, of the sum in reverse
    /// mode), with the inner derivative at `y` (along ones, or of the sum).
    static func nested(
        outer: Mode, inner: Mode, x: Tensor, y: Tensor, v: Tensor, _ g: @escaping (Tensor, Tensor) -> Tensor
    ) -> Tensor {
        func innerDerivative(_ x: Tensor) -> Tensor {
            switch inner {
            case .forward: return derivative(at: y, along: y.onesLike()) { y in g(x, y) }
            case .reverse: return gradient(at: y) { y in g(x, y).sum() }
            }
        }
        switch outer {
        case .forward: return derivative(at: x, along: v) { x in x * innerDerivative(x) }
        case .reverse: return gradient(at: x) { x in (x * innerDerivative(x)).sum() }
        }
    }

    static let nestings: [(outer: Mode, inner: Mode)] = [(.forward, .forward), (.reverse, .reverse),
                                                         (.forward, .reverse), (.reverse, .forward)]

    @Test func classicScalarValues() {
        let one = Tensor(1.0)
        for (outer, inner) in Self.nestings {
            let sum = Self.nested(outer: outer, inner: inner, x: one, y: one, v: one) { $0 + $1 }
            let product = Self.nested(outer: outer, inner: inner, x: one, y: one, v: one) { $0 * $1 }
            #expect(sum.item == 1, "\(outer) over \(inner): d/dx [x · d/dy (x + y)] at 1 is \(sum.item), not 1")
            #expect(product.item == 2, "\(outer) over \(inner): d/dx [x · d/dy (x · y)] at 1 is \(product.item), not 2")
        }
    }

    @Test(.shrinking, .proofSeed(0x5EED_000A))
    func generatedShapesAndValues() async {
        await proofCheck(count: 30) { c in
            var rng = c.generator
            let x = Arbitrary.tensor(c.shape, using: &rng), y = Arbitrary.tensor(c.shape, using: &rng)
            let v = Arbitrary.tensor(c.shape, using: &rng)
            for (outer, inner) in Self.nestings {
                // Forward mode gives the derivative along v, reverse mode the gradient of the sum.
                let direction = outer == .forward ? v : x.onesLike()
                let sum = Self.nested(outer: outer, inner: inner, x: x, y: y, v: v) { $0 + $1 }
                let product = Self.nested(outer: outer, inner: inner, x: x, y: y, v: v) { $0 * $1 }
                let sumAgreement = Agreement([sum], [direction])
                let twiceX = Tensor(zip(x.scalars, direction.scalars).map { 2 * $0 * $1 }, shape: c.shape, dtype: .float64)
                let productAgreement = Agreement([product], [twiceX])
                #expect(sumAgreement.holds(tolerance: 1e-12), "\(outer) over \(inner), sum case, \(c): \(sumAgreement)")
                #expect(productAgreement.holds(tolerance: 1e-12),
                        "\(outer) over \(inner), product case, \(c): \(productAgreement)")
            }
        }
    }
}
