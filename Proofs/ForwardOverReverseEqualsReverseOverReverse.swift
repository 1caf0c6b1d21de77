import Testing
import PropertyBased
@testable import Higher

/// Law: the Hessian-vector product computed forward-over-reverse equals the one computed
/// reverse-over-reverse.
///
/// For a scalar function s, H·v can be had two ways:
/// - forward over reverse: H·v = d/dt ∇s(x + t·v)|₀, the JVP of the gradient (dual
///   tensors flowing through the backward sweep);
/// - reverse over reverse: H·v = ∇ₓ ⟨∇s(x), v⟩, the gradient of a gradient (a tape
///   recorded while another tape's backward sweep runs), since
///   ∂/∂xⱼ Σᵢ (∂s/∂xᵢ) vᵢ = Σᵢ (∂²s/∂xⱼ∂xᵢ) vᵢ = (H·v)ⱼ by the symmetry of H.
/// Both differentiate the same backward rules, but through the two independent modes,
/// so they agree only if every rule is differentiable in both; the outer level must also
/// never confuse its perturbation with the inner one. Both are the library's, so they
/// agree to round-off: |a − b| ≤ 1e-9·max(1, |a|, |b|) per element (1e-6 through Float32).
///
/// For each operation f the function is s(x) = Σ w ⊙ f(x) + ½ Σ f(x)² (w random).
@Suite struct ForwardOverReverseEqualsReverseOverReverse {
    @Test(.shrinking, .proofSeed(0x5EED_0006), arguments: OperationCatalog.all)
    func bothSecondOrderModesAgree(_ op: Operation) async {
        await proofCheck(count: 50, salt: op.name) { c in
            var (instance, rng) = op.instance(c)
            let w = randomLike(instance.apply(instance.inputs), using: &rng)
            let s = instance.scalarFunction(weights: w)
            let v = randomLike(instance.inputs, using: &rng)
            let forwardOverReverse = hessianVectorProduct(at: instance.inputs, along: v, of: s)
            let reverseOverReverse = gradient(at: instance.inputs) { x -> Tensor in
                let g = gradient(at: x, of: s)
                var total = Tensor(0.0)
                for (gi, vi) in zip(g, v) { total = total + (gi * vi).sum() }
                return total
            }
            let agreement = Agreement(forwardOverReverse, reverseOverReverse)
            #expect(agreement.holds(tolerance: op.identityTolerance), "\(instance), \(c): \(agreement)")
        }
    }
}
