/// Law: the gradient of a weight used in several places is the sum of the gradients of
/// its uses.
///
/// Let a module use one parameter W at n places: F(W) = G(W, W, …, W), where G takes a
/// separate copy for each use. By the chain rule through the diagonal map W ↦ (W, …, W),
/// ∇F(W) = Σᵢ ∂ᵢG(W, …, W). `makeFunctional` lists a tied parameter once (under its first
/// path) and the tape accumulates a cotangent for every read of it, so the gradient it
/// returns must equal the sum of the per-use gradients computed with untied copies.
///
/// Cases: a square Linear layer applied 1–4 times (with tanh between), generated widths
/// and inputs; the reference unties it into separate tensors.
import Testing
@testable import Higher

final class RepeatedLayer: Module, @unchecked Sendable {
    let layer: Linear
    let uses: [Linear]
    init(width: Int, uses count: Int, using rng: inout RandomGenerator) {
        layer = Linear(width, width, using: &rng)
        uses = Array(repeating: layer, count: count)
    }
    func callAsFunction(_ x: Tensor) -> Tensor {
        var h = x
        for l in uses { h = tanh(l(h)) }
        return h
    }
}

@Suite struct TiedWeightGradientSumsUses {
    @Test(.proofSeed(0x5449_4544)) func law() async {
        await proofCheck(count: 30, ranks: 1...1, extents: 1...5, salt: "tied weights") { c in
            var rng = c.generator
            let width = c.shape[0], count = 1 + Int(rng.next() % 4)
            let model = RepeatedLayer(width: width, uses: count, using: &rng)
            let x = Tensor.uniform([2, width], low: -1, high: 1, using: &rng)
            let f = makeFunctional(model)
            #expect(f.parameters.paths == ["layer.weight", "layer.bias"])
            let tied = try gradient(at: f.parameters) { p in try f(x, parameters: p).sum() }
            // Untied: one weight and bias per use.
            let w = model.layer.weight, b = model.layer.bias!
            let copies = [Tensor](repeating: w, count: count) + [Tensor](repeating: b, count: count)
            let untied = gradient(at: copies) { q in
                var h = x
                for i in 0..<count { h = tanh(matmul(h, q[i], transposeB: true) + q[count + i]) }
                return h.sum()
            }
            let sumW = untied[0..<count].dropFirst().reduce(untied[0], +)
            let sumB = untied[count...].dropFirst().reduce(untied[count], +)
            for (a, e) in zip(tied.tensor(at: "layer.weight").scalars, sumW.scalars) { #expect(abs(a - e) <= 1e-12 * max(1, abs(e))) }
            for (a, e) in zip(tied.tensor(at: "layer.bias").scalars, sumB.scalars) { #expect(abs(a - e) <= 1e-12 * max(1, abs(e))) }
        }
    }
}
