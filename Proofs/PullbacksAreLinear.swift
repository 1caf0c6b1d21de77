import Testing
import PropertyBased
@testable import Higher

/// Law: a pullback is linear: pullback(a·u + b·w) = a·pullback(u) + b·pullback(w) for
/// all cotangents u, w and scalars a, b.
///
/// The pullback of f at x is u ↦ Jᵀu, and Jᵀ(a·u + b·w) = a·Jᵀu + b·Jᵀw because matrix
/// multiplication is linear. Any backward rule that is affine rather than linear (a
/// constant added, a term that does not scale with the cotangent) or that keeps state
/// between two calls of the same pullback (one tape, swept three times here) breaks it.
/// Both sides come from the library, so they agree to round-off:
/// |lhs − rhs| ≤ 1e-9·max(1, |lhs|, |rhs|) per element (1e-6 through Float32).
@Suite struct PullbacksAreLinear {
    @Test(.shrinking, .proofSeed(0x5EED_0007), arguments: OperationCatalog.all)
    func pullbackIsLinear(_ op: Operation) async {
        await proofCheck(count: 50, salt: op.name) { c in
            var (instance, rng) = op.instance(c)
            let (output, pullback) = vjp(at: instance.inputs, of: instance.apply)
            let u = randomLike(output, using: &rng), w = randomLike(output, using: &rng)
            let a = 4 * rng.nextUniform() - 2, b = 4 * rng.nextUniform() - 2
            let lhs = pullback(linearCombination(a, u, b, w))
            let rhs = linearCombination(a, pullback(u), b, pullback(w))
            let agreement = Agreement(lhs, rhs)
            #expect(agreement.holds(tolerance: op.identityTolerance), "\(instance), \(c), a \(a), b \(b): \(agreement)")
        }
    }
}
