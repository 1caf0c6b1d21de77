import Testing
import PropertyBased
@testable import Higher

/// Law: for every operation f and every direction v, the Jacobian-vector product that
/// forward mode computes equals the central finite difference of f along v.
///
/// Forward mode returns J·v = d/dt f(x + t·v) at t = 0. For f three times
/// differentiable near x, Taylor's theorem along the line x + t·v gives
///   (f(x + h·v) − f(x − h·v)) / 2h = J·v + (h²/6)·d³/dt³ f + round-off,
/// for every output element. The step is h = 1e-6 / max|vᵢ| (no input moves by more than
/// 1e-6), so the truncation term is about 1e-13 and the round-off about 1e-10·|f|: far
/// below the tolerance |a − n| ≤ 1e-6·max(1, |a|, |n|). Inputs come from the catalog's
/// smooth domains, over shapes of rank 0 to 4, broadcasting ones included.
@Suite struct JVPMatchesFiniteDifferences {
    @Test(.shrinking, .proofSeed(0x5EED_0002), arguments: OperationCatalog.float64)
    func jvpMatchesCentralDifferences(_ op: Operation) async {
        await proofCheck(count: 50, salt: op.name) { c in
            var (instance, rng) = op.instance(c)
            let v = randomLike(instance.inputs, using: &rng)
            let result = checkJVP(of: instance.apply, at: instance.inputs, along: v, epsilon: 1e-6)
            #expect(result.passes(tolerance: 1e-6), "\(instance), \(c): \(result)")
        }
    }
}
