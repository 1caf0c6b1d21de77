import Testing
import PropertyBased
@testable import Higher

/// Law: for a scalar function s, the Hessian-vector product computed forward-over-reverse
/// equals the central finite difference of the gradient along v.
///
/// H·v = d/dt ∇s(x + t·v) at t = 0, and for ∇s twice differentiable near x, Taylor's
/// theorem gives (∇s(x + h·v) − ∇s(x − h·v)) / 2h = H·v + O(h²). The gradients on the left
/// are the library's own reverse mode (checked against finite differences of s by the
/// VJP law), so this isolates the second-order path: a backward rule that is right but
/// not itself differentiable (raw values or detached primals inside it) gives a wrong
/// H·v here while every first-order law passes. With h = 1e-6 / max|vᵢ| in Float64 the
/// error is far below the tolerance |a − n| ≤ 1e-6·max(1, |a|, |n|).
///
/// For each operation f the function is s(x) = Σ w ⊙ f(x) + ½ Σ f(x)² (w random), whose
/// Hessian JᵀJ + Σᵢ (wᵢ + fᵢ)·∇²fᵢ involves both the operation's rules and their derivatives.
@Suite struct HessianVectorMatchesGradientDifferences {
    @Test(.shrinking, .proofSeed(0x5EED_0005), arguments: OperationCatalog.float64)
    func hessianVectorProductMatchesCentralDifferences(_ op: Operation) async {
        await proofCheck(count: 50, salt: op.name) { c in
            var (instance, rng) = op.instance(c)
            let w = randomLike(instance.apply(instance.inputs), using: &rng)
            let v = randomLike(instance.inputs, using: &rng)
            let result = checkHessianVectorProduct(of: instance.scalarFunction(weights: w), at: instance.inputs,
                                                   along: v, epsilon: 1e-6)
            #expect(result.passes(tolerance: 1e-6), "\(instance), \(c): \(result)")
        }
    }
}
