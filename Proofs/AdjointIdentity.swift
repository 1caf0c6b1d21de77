import Testing
import PropertyBased
@testable import Higher

/// Law: for every operation f with Jacobian J at x, every direction v of the inputs and
/// every cotangent u of the outputs, ⟨u, J·v⟩ = ⟨Jᵀ·u, v⟩.
///
/// This is the definition of the transpose: ⟨u, J·v⟩ = Σᵢⱼ uᵢ Jᵢⱼ vⱼ = ⟨Jᵀ·u, v⟩. The two
/// sides come from independent code: J·v from forward mode (each operation's JVP rule,
/// on dual tensors) and Jᵀ·u from reverse mode (each operation's VJP rule, on the tape).
/// A rule that is wrong in only one mode, a missing sum over broadcast axes, or a
/// transposed index breaks the equality. No finite differences are involved, so the
/// sides agree to round-off: |lhs − rhs| ≤ 1e-9·max(1, Σ|uᵢ (Jv)ᵢ|, Σ|(Jᵀu)ⱼ vⱼ|)
/// (1e-6 for the cast through Float32, whose rules round to Float32).
@Suite struct AdjointIdentity {
    @Test(.shrinking, .proofSeed(0x5EED_0003), arguments: OperationCatalog.all)
    func forwardAndReverseModesAreAdjoint(_ op: Operation) async {
        await proofCheck(count: 50, salt: op.name) { c in
            var (instance, rng) = op.instance(c)
            let v = randomLike(instance.inputs, using: &rng)
            let (output, jv) = jvp(at: instance.inputs, along: v, of: instance.apply)
            let u = randomLike(output, using: &rng)
            let jtu = vjp(at: instance.inputs, of: instance.apply).pullback(u)
            let lhs = innerProduct(u, jv), rhs = innerProduct(jtu, v)
            #expect(scalarsAgree(lhs.value, rhs.value, scale: Swift.max(lhs.scale, rhs.scale), tolerance: op.identityTolerance),
                    "\(instance), \(c): ⟨u, Jv⟩ = \(lhs.value), ⟨Jᵀu, v⟩ = \(rhs.value)")
        }
    }
}
