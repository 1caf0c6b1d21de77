import Testing
import PropertyBased
@testable import Higher

/// Law: for every operation f and every cotangent u, the vector-Jacobian product that
/// reverse mode computes equals central finite differences of ⟨u, f(x)⟩.
///
/// Reverse mode returns Jᵀu, whose i-th component is ∂/∂xᵢ ⟨u, f(x)⟩. For f three times
/// differentiable on [xᵢ − h, xᵢ + h], Taylor's theorem gives
///   (⟨u, f(x + h·eᵢ)⟩ − ⟨u, f(x − h·eᵢ)⟩) / 2h = (Jᵀu)ᵢ + (h²/6)·∂³ᵢ⟨u, f⟩ + round-off,
/// so with h = 1e-6 in Float64 the truncation term is about 1e-13 and the round-off
/// about 1e-16·|⟨u, f⟩| / h ≈ 1e-10·|⟨u, f⟩|: far below the tolerance
/// |a − n| ≤ 1e-6·max(1, |a|, |n|). The catalog draws inputs where f is smooth (away from
/// kinks, ties and poles), over shapes of rank 0 to 4, broadcasting ones included.
@Suite struct VJPMatchesFiniteDifferences {
    @Test(.shrinking, .proofSeed(0x5EED_0001), arguments: OperationCatalog.float64)
    func vjpMatchesCentralDifferences(_ op: Operation) async {
        await proofCheck(count: 50, salt: op.name) { c in
            var (instance, rng) = op.instance(c)
            let u = randomLike(instance.apply(instance.inputs), using: &rng)
            let result = checkVJP(of: instance.apply, at: instance.inputs, cotangent: u, epsilon: 1e-6)
            #expect(result.passes(tolerance: 1e-6), "\(instance), \(c): \(result)")
        }
    }
}
