import Testing
import PropertyBased
@testable import Higher

/// Law: for a twice continuously differentiable scalar function s and any directions
/// u, v, the Hessian-vector products satisfy ⟨u, H·v⟩ = ⟨v, H·u⟩.
///
/// By Schwarz's theorem the Hessian H = ∇²s is symmetric, so ⟨u, H·v⟩ = uᵀHv = (uᵀHv)ᵀ =
/// vᵀHᵀu = vᵀHu = ⟨v, H·u⟩. The library computes H·v forward-over-reverse: the JVP of
/// the backward sweep, so this differentiates every VJP rule of the operation once more.
/// A backward rule that treats a traced value as a constant (raw values, a detached
/// primal) drops terms from H·v, and the dropped terms are in general not symmetric.
///
/// For each operation f of the catalog the function is
///   s(x) = Σ w ⊙ f(x) + ½ Σ f(x)²       (w random, sums over every output element),
/// whose Hessian JᵀJ + Σᵢ (wᵢ + fᵢ(x))·∇²fᵢ is not zero even when f is linear. Both sides
/// come from the library, so they agree to round-off:
/// |lhs − rhs| ≤ 1e-9·max(1, Σ|uᵢ (Hv)ᵢ|, Σ|vᵢ (Hu)ᵢ|) (1e-6 through Float32).
@Suite struct HessianVectorSymmetry {
    @Test(.shrinking, .proofSeed(0x5EED_0004), arguments: OperationCatalog.all)
    func hessianIsSymmetric(_ op: Operation) async {
        await proofCheck(count: 50, salt: op.name) { c in
            var (instance, rng) = op.instance(c)
            let w = randomLike(instance.apply(instance.inputs), using: &rng)
            let s = instance.scalarFunction(weights: w)
            let u = randomLike(instance.inputs, using: &rng), v = randomLike(instance.inputs, using: &rng)
            let hu = hessianVectorProduct(at: instance.inputs, along: u, of: s)
            let hv = hessianVectorProduct(at: instance.inputs, along: v, of: s)
            let lhs = innerProduct(u, hv), rhs = innerProduct(v, hu)
            #expect(scalarsAgree(lhs.value, rhs.value, scale: Swift.max(lhs.scale, rhs.scale), tolerance: op.identityTolerance),
                    "\(instance), \(c): ⟨u, Hv⟩ = \(lhs.value), ⟨v, Hu⟩ = \(rhs.value)")
        }
    }
}
