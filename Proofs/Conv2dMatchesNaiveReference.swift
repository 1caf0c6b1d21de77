import Testing
import PropertyBased
@testable import Higher

/// Law: `conv2d` agrees with the definition of the 2-D convolution (a cross-correlation,
/// as in PyTorch), in value and in gradient, for every stride, padding, dilation and
/// number of groups.
///
/// Definition: with G groups, C/G input channels and O/G output channels per group,
/// output channel o reads the input channels of its group g(o) = ⌊o / (O/G)⌋:
///   Y[n, o, i, j] = bias[o] + Σ_{c, p, q} X[n, g(o)·C/G + c, i·sₕ − pₕ + p·dₕ, j·s_w − p_w + q·d_w] · W[o, c, p, q],
/// where positions outside the input read zeros (the padding). Y is linear in X, in W
/// and in the bias, so for L = Σ R ⊙ Y with a random R each term of the sum contributes
/// R[n, o, i, j] times its other factor:
///   ∂L/∂X[n, g(o)·C/G + c, i·sₕ − pₕ + p·dₕ, …] += R[n, o, i, j] · W[o, c, p, q],
///   ∂L/∂W[o, c, p, q] += R[n, o, i, j] · X[n, g(o)·C/G + c, …],   ∂L/∂bias[o] = Σ_{n,i,j} R[n, o, i, j].
/// The reference below runs these loops literally in Float64; the library (im2col and
/// GEMM, its own transposed convolution for the input gradient) must match to round-off:
/// 1e-10·max(1, |a|, |b|).
@Suite struct Conv2dMatchesNaiveReference {
    /// The convolution and, for weights R, the gradients of Σ R ⊙ Y for input, weight and
    /// bias, by plain loops.
    static func naiveConvolution(
        _ x: Tensor, _ w: Tensor, _ bias: Tensor?, _ g: ConvolutionShapes, weights r: Tensor
    ) -> (value: Tensor, gradients: [Tensor]) {
        let xv = x.scalars, wv = w.scalars, rv = r.scalars, bv = bias?.scalars
        let (n, c, h, wd) = (g.n, g.groups * g.channelsPerGroup, g.h, g.w)
        let o = g.outputChannels, cg = g.channelsPerGroup, og = g.outputsPerGroup
        let (oh, ow) = (g.oh, g.ow)
        var y = [Double](repeating: 0, count: n * o * oh * ow)
        var gx = [Double](repeating: 0, count: xv.count), gw = [Double](repeating: 0, count: wv.count)
        var gb = [Double](repeating: 0, count: o)
        for b in 0..<n {
            for oc in 0..<o {
                let group = oc / og
                for i in 0..<oh {
                    for j in 0..<ow {
                        let yIndex = ((b * o + oc) * oh + i) * ow + j
                        var sum = bv?[oc] ?? 0
                        let ry = rv[yIndex]
                        gb[oc] += ry
                        for ci in 0..<cg {
                            for p in 0..<g.kh {
                                let row = i * g.stride.height - g.padding.height + p * g.dilation.height
                                guard row >= 0 && row < h else { continue }
                                for q in 0..<g.kw {
                                    let col = j * g.stride.width - g.padding.width + q * g.dilation.width
                                    guard col >= 0 && col < wd else { continue }
                                    let xIndex = ((b * c + group * cg + ci) * h + row) * wd + col
                                    let wIndex = ((oc * cg + ci) * g.kh + p) * g.kw + q
                                    sum += xv[xIndex] * wv[wIndex]
                                    gx[xIndex] += ry * wv[wIndex]
                                    gw[wIndex] += ry * xv[xIndex]
                                }
                            }
                        }
                        y[yIndex] = sum
                    }
                }
            }
        }
        var gradients = [Tensor(gx, shape: x.shape, dtype: .float64), Tensor(gw, shape: w.shape, dtype: .float64)]
        if bias != nil { gradients.append(Tensor(gb, shape: [o], dtype: .float64)) }
        return (Tensor(y, shape: [n, o, oh, ow], dtype: .float64), gradients)
    }

    @Test(.shrinking, .proofSeed(0x5EED_000C))
    func valuesAndGradientsMatch() async {
        await proofCheck(count: 50) { c in
            var rng = c.generator
            let g = ConvolutionShapes(c.shape, using: &rng)
            let x = Arbitrary.tensor(g.inputShape, using: &rng), w = Arbitrary.tensor(g.weightShape, using: &rng)
            let bias: Tensor? = ShapeRules.coin(&rng) ? Arbitrary.tensor([g.outputChannels], using: &rng) : nil
            let convolve = { (p: [Tensor]) -> Tensor in
                conv2d(p[0], p[1], bias: p.count > 2 ? p[2] : nil,
                       stride: g.stride, padding: g.padding, dilation: g.dilation, groups: g.groups)
            }
            let inputs = [x, w] + (bias.map { [$0] } ?? [])
            let value = convolve(inputs)
            let r = Arbitrary.tensor([g.n, g.outputChannels, g.oh, g.ow], using: &rng)
            let reference = Self.naiveConvolution(x, w, bias, g, weights: r)
            #expect(value.shape == reference.value.shape, "\(g), \(c): shape \(value.shape), expected \(reference.value.shape)")
            guard value.shape == reference.value.shape else { return }
            let values = Agreement([value], [reference.value])
            #expect(values.holds(tolerance: 1e-10), "\(g), bias \(bias != nil), \(c), values: \(values)")
            let gradients = Agreement(gradient(at: inputs) { p in (r * convolve(p)).sum() }, reference.gradients)
            #expect(gradients.holds(tolerance: 1e-10), "\(g), bias \(bias != nil), \(c), gradients: \(gradients)")
        }
    }
}
