import Testing
import PropertyBased
@testable import Higher

/// Law: if z = f(B(x)) where B broadcasts x to a larger shape, the gradient with respect
/// to x is the gradient with respect to the broadcast value, summed over the broadcast
/// axes.
///
/// Broadcasting copies each element of x to a set of positions of the result:
/// B(x)_p = x_{π(p)}, where π drops the leading axes and sets to 0 the index of every axis
/// where x has extent 1. So B is linear with ∂B(x)_p/∂x_q = [π(p) = q], and the chain rule
/// gives ∂z/∂x_q = Σ_p (∂f/∂b_p)·[π(p) = q] = Σ_{p : π(p) = q} (∇f)_p: the sum of ∇f over
/// the positions that copy x_q, that is over the broadcast axes. The reference sums with
/// a plain loop over indices, not with the library's `sumToShape`.
///
/// Checked twice: for an explicit `broadcast(to:)` followed by a non-linear function that
/// couples all elements, and for the implicit broadcasting of every broadcasting
/// operation of the catalog (each input of op(x, y) against the same operation on the
/// inputs copied to the output's shape). Both sides come from the library's reverse mode
/// and agree to round-off: |a − b| ≤ 1e-9·max(1, |a|, |b|).
@Suite struct BroadcastGradientSumsOverBroadcastAxes {
    @Test(.shrinking, .proofSeed(0x5EED_0008))
    func explicitBroadcast() async {
        await proofCheck(count: 40) { c in
            var rng = c.generator
            let target = c.shape
            let small = ShapeRules.broadcastOperand(of: target, using: &rng)
            let x = Arbitrary.tensor(small, using: &rng)
            let w = Arbitrary.tensor(target, using: &rng), k = Arbitrary.tensor(target, using: &rng)
            // Non-linear and coupling every element: f(b) = Σ w ⊙ b ⊙ tanh(b) + ½ (Σ k ⊙ b)².
            let f = { (b: Tensor) -> Tensor in (w * b * tanh(b)).sum() + (k * b).sum().squared() * 0.5 }
            let gx = gradient(at: x) { x in f(x.broadcast(to: target)) }
            let gb = gradient(at: naiveBroadcast(x, to: target), of: f)
            let agreement = Agreement([gx], [naiveSumOverBroadcastAxes(gb, to: small)])
            #expect(agreement.holds(tolerance: 1e-9), "\(small) broadcast to \(target), \(c): \(agreement)")
        }
    }

    @Test(.shrinking, .proofSeed(0x5EED_0009), arguments: OperationCatalog.broadcasting)
    func implicitBroadcast(_ op: Operation) async {
        await proofCheck(count: 20, salt: op.name) { c in
            var (instance, rng) = op.instance(c)
            let output = instance.apply(instance.inputs)
            let s = instance.scalarFunction(weights: randomLike(output, using: &rng))
            let shape = output[0].shape
            let gx = gradient(at: instance.inputs, of: s)
            let copies = instance.inputs.map { naiveBroadcast($0, to: shape) }
            let gb = gradient(at: copies, of: s)
            let expected = zip(gb, instance.inputs).map { naiveSumOverBroadcastAxes($0, to: $1.shape) }
            let agreement = Agreement(gx, expected)
            #expect(agreement.holds(tolerance: op.identityTolerance), "\(instance), \(c): \(agreement)")
        }
    }
}
