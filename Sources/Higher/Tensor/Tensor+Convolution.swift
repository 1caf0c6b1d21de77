/// Two-dimensional convolution (NCHW) by im2col + GEMM, its transpose, and the three
/// primitives that make it differentiable to any order.
///
/// The convolution `y = C(x, w)` is bilinear, and so are its two adjoints: the input
/// gradient `P(g, w)` (a transposed convolution) and the weight gradient `Q(x, g)`.
/// All three are partial gradients of one trilinear form `⟨C(x, w), g⟩`, so each one's
/// JVP and VJP are written with the other two: the set is closed under differentiation.

/// A pair of non-negative integers for the two spatial axes (height, width): a kernel
/// size, stride, padding or dilation. Write one number for both axes or a two-element
/// array for each.
///
/// ```swift
/// let y = conv2d(x, w, stride: 2, padding: [1, 0])
/// let s = Size2D(height: 3, width: 1)
/// ```
public struct Size2D: Sendable, Hashable, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral,
    CustomStringConvertible {
    /// The extent along the height axis.
    public var height: Int
    /// The extent along the width axis.
    public var width: Int

    /// Both extents.
    ///
    /// ```swift
    /// let p = Size2D(height: 1, width: 2)
    /// ```
    public init(height: Int, width: Int) {
        self.height = height
        self.width = width
    }

    /// The same extent on both axes.
    ///
    /// ```swift
    /// let k = Size2D(3)      // 3 × 3
    /// ```
    public init(_ both: Int) { self.init(height: both, width: both) }

    /// `stride: 2` means 2 on both axes.
    ///
    /// ```swift
    /// let s: Size2D = 2
    /// ```
    public init(integerLiteral value: Int) { self.init(value) }

    /// `padding: [1, 2]` means 1 on the height axis and 2 on the width axis.
    ///
    /// ```swift
    /// let p: Size2D = [1, 2]
    /// ```
    public init(arrayLiteral elements: Int...) {
        precondition(elements.count == 2, "Size2D: expected [height, width], got \(elements)")
        self.init(height: elements[0], width: elements[1])
    }

    /// `[height, width]`, as in error messages.
    ///
    /// ```swift
    /// print(Size2D(height: 1, width: 2))   // [1, 2]
    /// ```
    public var description: String { "[\(height), \(width)]" }
}

/// The 2-D convolution of `input` (`[N, C, H, W]`) with `weight` (`[O, C / groups, kH, kW]`),
/// plus `bias` (`[O]`) if given, exactly like PyTorch's `torch.nn.functional.conv2d`
/// (a cross-correlation: the kernel is not flipped).
///
/// The output has shape `[N, O, H', W']` with
/// `H' = (H + 2·padding − dilation·(kH − 1) − 1) / stride + 1` (rounded down), and the
/// same for the width. Padding is with zeros. With `groups > 1` the channels are split
/// into `groups` independent convolutions (`groups == C` is a depthwise convolution).
/// Differentiable in input, weight and bias, to any order.
///
/// ```swift
/// let x = Tensor.ones([1, 3, 8, 8])
/// let w = Tensor.ones([16, 3, 3, 3])
/// let y = conv2d(x, w, bias: Tensor.zeros([16]), stride: 2, padding: 1)   // [1, 16, 4, 4]
/// ```
public func conv2d(
    _ input: Tensor, _ weight: Tensor, bias: Tensor? = nil,
    stride: Size2D = 1, padding: Size2D = 0, dilation: Size2D = 1, groups: Int = 1
) -> Tensor {
    let geometry = Conv2DGeometry(input: input.shape, weight: weight.shape, stride: stride,
                                  padding: padding, dilation: dilation, groups: groups, op: "conv2d")
    Conv2DGeometry.checkTypes("conv2d", input, weight, bias, channels: geometry.o)
    if input.tracer == nil && weight.tracer == nil && bias?.tracer == nil {
        return geometry.convolve(input, weight, bias: bias)
    }
    let y = Tensor.convolution(input, weight, geometry)
    guard let bias else { return y }
    return y + bias.reshaped([1, geometry.o, 1, 1])
}

/// The transposed 2-D convolution of `input` (`[N, Cin, H, W]`) with `weight`
/// (`[Cin, Cout / groups, kH, kW]`), plus `bias` (`[Cout]`) if given, exactly like
/// PyTorch's `torch.nn.functional.conv_transpose2d`: the adjoint of ``conv2d(_:_:bias:stride:padding:dilation:groups:)``
/// with respect to its input, the usual upsampling layer of decoders.
///
/// The output has shape `[N, Cout, H', W']` with
/// `H' = (H − 1)·stride − 2·padding + dilation·(kH − 1) + outputPadding + 1`;
/// `outputPadding` (smaller than the stride) picks among the input sizes that a strided
/// convolution maps to the same output size. (PyTorch also accepts an output padding
/// smaller than the dilation only; here it must be smaller than the stride.)
///
/// ```swift
/// let z = Tensor.ones([1, 16, 4, 4])
/// let w = Tensor.ones([16, 3, 3, 3])
/// let x = convTranspose2d(z, w, stride: 2, padding: 1, outputPadding: 1)   // [1, 3, 8, 8]
/// ```
public func convTranspose2d(
    _ input: Tensor, _ weight: Tensor, bias: Tensor? = nil,
    stride: Size2D = 1, padding: Size2D = 0, outputPadding: Size2D = 0, dilation: Size2D = 1, groups: Int = 1
) -> Tensor {
    let op = "convTranspose2d"
    precondition(input.rank == 4 && weight.rank == 4,
                 "\(op): input \(input.shape) and weight \(weight.shape) must both have rank 4")
    precondition(groups >= 1 && weight.shape[0] % groups == 0 && input.shape[1] == weight.shape[0],
                 "\(op): input \(input.shape) has \(input.shape[1]) channels; weight \(weight.shape) with groups \(groups) expects \(weight.shape[0])")
    precondition(outputPadding.height >= 0 && outputPadding.width >= 0
                 && outputPadding.height < stride.height && outputPadding.width < stride.width,
                 "\(op): outputPadding \(outputPadding) must be non-negative and smaller than the stride \(stride)")
    let h = (input.shape[2] - 1) * stride.height - 2 * padding.height
        + dilation.height * (weight.shape[2] - 1) + outputPadding.height + 1
    let w = (input.shape[3] - 1) * stride.width - 2 * padding.width
        + dilation.width * (weight.shape[3] - 1) + outputPadding.width + 1
    precondition(h >= 1 && w >= 1, "\(op): input \(input.shape), weight \(weight.shape), stride \(stride), padding \(padding): the output would be empty (\(h) × \(w))")
    let xShape = [input.shape[0], weight.shape[1] * groups, h, w]
    let geometry = Conv2DGeometry(input: xShape, weight: weight.shape, stride: stride,
                                  padding: padding, dilation: dilation, groups: groups, op: op)
    precondition(geometry.oh == input.shape[2] && geometry.ow == input.shape[3],
                 "\(op): input \(input.shape) does not match the geometry (internal error)")
    Conv2DGeometry.checkTypes(op, input, weight, bias, channels: xShape[1])
    let y: Tensor
    if input.tracer == nil && weight.tracer == nil {
        y = geometry.inputGradient(input, weight)
    } else {
        y = Tensor.convolutionInputGradient(input, weight, geometry)
    }
    guard let bias else { return y }
    return y + bias.reshaped([1, xShape[1], 1, 1])
}

extension Tensor {
    /// `C(x, w)`: the convolution without bias, as a primitive.
    static func convolution(_ x: Tensor, _ w: Tensor, _ geo: Conv2DGeometry) -> Tensor {
        if x.tracer == nil && w.tracer == nil { return geo.convolve(x, w, bias: nil) }
        return primitive("conv2d", [x, w], value: { geo.convolve($0[0], $0[1], bias: nil) },
            jvp: { p, t, _ in
                sum([t[0].map { convolution($0, p[1], geo) }, t[1].map { convolution(p[0], $0, geo) }])!
            },
            vjp: { p, _, g in
                [convolutionInputGradient(g, p[1], geo), convolutionWeightGradient(p[0], g, geo)]
            })
    }

    /// `P(g, w)`: the gradient of `⟨C(x, w), g⟩` with respect to `x` (a transposed
    /// convolution), as a primitive.
    static func convolutionInputGradient(_ g: Tensor, _ w: Tensor, _ geo: Conv2DGeometry) -> Tensor {
        if g.tracer == nil && w.tracer == nil { return geo.inputGradient(g, w) }
        return primitive("conv2dInputGradient", [g, w], value: { geo.inputGradient($0[0], $0[1]) },
            jvp: { p, t, _ in
                sum([t[0].map { convolutionInputGradient($0, p[1], geo) },
                     t[1].map { convolutionInputGradient(p[0], $0, geo) }])!
            },
            vjp: { p, _, u in
                [convolution(u, p[1], geo), convolutionWeightGradient(u, p[0], geo)]
            })
    }

    /// `Q(x, g)`: the gradient of `⟨C(x, w), g⟩` with respect to `w`, as a primitive.
    static func convolutionWeightGradient(_ x: Tensor, _ g: Tensor, _ geo: Conv2DGeometry) -> Tensor {
        if x.tracer == nil && g.tracer == nil { return geo.weightGradient(x, g) }
        return primitive("conv2dWeightGradient", [x, g], value: { geo.weightGradient($0[0], $0[1]) },
            jvp: { p, t, _ in
                sum([t[0].map { convolutionWeightGradient($0, p[1], geo) },
                     t[1].map { convolutionWeightGradient(p[0], $0, geo) }])!
            },
            vjp: { p, _, v in
                [convolutionInputGradient(p[1], v, geo), convolution(p[0], v, geo)]
            })
    }
}

/// The sizes of one convolution, checked once, and its three plain kernels.
struct Conv2DGeometry: Sendable {
    let n: Int, c: Int, h: Int, w: Int
    let o: Int, kh: Int, kw: Int
    let groups: Int
    let sh: Int, sw: Int, ph: Int, pw: Int, dh: Int, dw: Int
    let oh: Int, ow: Int

    var cg: Int { c / groups }
    var og: Int { o / groups }
    /// Rows of the im2col matrix of one group: `C/groups · kH · kW`.
    var patch: Int { cg * kh * kw }
    var outPlane: Int { oh * ow }
    var inPlane: Int { h * w }
    var inputShape: [Int] { [n, c, h, w] }
    var weightShape: [Int] { [o, cg, kh, kw] }
    var outputShape: [Int] { [n, o, oh, ow] }
    /// A 1×1 kernel with unit stride and no padding reads the input as its own im2col matrix.
    var isPointwise: Bool { kh == 1 && kw == 1 && sh == 1 && sw == 1 && ph == 0 && pw == 0 }

    init(input x: [Int], weight wt: [Int], stride: Size2D, padding: Size2D, dilation: Size2D,
         groups: Int, op: String) {
        precondition(x.count == 4, "\(op): input \(x) must have shape [N, C, H, W]")
        precondition(wt.count == 4, "\(op): weight \(wt) must have shape [O, C / groups, kH, kW]")
        precondition(groups >= 1, "\(op): groups \(groups) must be at least 1")
        precondition(x[1] >= 1 && wt[0] >= 1, "\(op): input \(x) × weight \(wt): channel counts must be positive")
        precondition(stride.height >= 1 && stride.width >= 1, "\(op): stride \(stride) must be positive")
        precondition(dilation.height >= 1 && dilation.width >= 1, "\(op): dilation \(dilation) must be positive")
        precondition(padding.height >= 0 && padding.width >= 0, "\(op): padding \(padding) must not be negative")
        precondition(x[1] % groups == 0 && wt[0] % groups == 0,
                     "\(op): input \(x) × weight \(wt): groups \(groups) must divide the input channels \(x[1]) and the output channels \(wt[0])")
        precondition(x[1] == wt[1] * groups,
                     "\(op): input \(x) × weight \(wt): the input has \(x[1]) channels, the weight expects \(wt[1] * groups) (\(wt[1]) per group × \(groups) groups)")
        n = x[0]; c = x[1]; h = x[2]; w = x[3]
        o = wt[0]; kh = wt[2]; kw = wt[3]
        self.groups = groups
        sh = stride.height; sw = stride.width
        ph = padding.height; pw = padding.width
        dh = dilation.height; dw = dilation.width
        let spanH = dh * (kh - 1) + 1, spanW = dw * (kw - 1) + 1
        precondition(kh >= 1 && kw >= 1 && h + 2 * ph >= spanH && w + 2 * pw >= spanW,
                     "\(op): input \(x) × weight \(wt): the padded input (\(h + 2 * ph) × \(w + 2 * pw)) is smaller than the dilated kernel (\(spanH) × \(spanW))")
        oh = (h + 2 * ph - spanH) / sh + 1
        ow = (w + 2 * pw - spanW) / sw + 1
    }

    static func checkTypes(_ op: String, _ x: Tensor, _ w: Tensor, _ bias: Tensor?, channels: Int) {
        precondition(x.dtype == w.dtype, "\(op): input \(x.shape) is \(x.dtype), weight \(w.shape) is \(w.dtype)")
        if let bias {
            precondition(bias.shape == [channels], "\(op): bias \(bias.shape) must have shape [\(channels)]")
            precondition(bias.dtype == x.dtype, "\(op): bias is \(bias.dtype), input is \(x.dtype)")
        }
    }

    // MARK: Plain kernels

    func convolve(_ x: Tensor, _ w: Tensor, bias: Tensor?) -> Tensor {
        switch (x.data, w.data) {
        case (.float32(let a), .float32(let b)):
            let bv = bias.map { Float.unwrap($0.data) }
            return Tensor(shape: outputShape, data: .float32(convolve(a, b, bv)))
        case (.float64(let a), .float64(let b)):
            let bv = bias.map { Double.unwrap($0.data) }
            return Tensor(shape: outputShape, data: .float64(convolve(a, b, bv)))
        default:
            preconditionFailure("conv2d: input is \(x.dtype), weight is \(w.dtype)")
        }
    }

    func inputGradient(_ g: Tensor, _ w: Tensor) -> Tensor {
        switch (g.data, w.data) {
        case (.float32(let a), .float32(let b)): return Tensor(shape: inputShape, data: .float32(inputGradient(a, b)))
        case (.float64(let a), .float64(let b)): return Tensor(shape: inputShape, data: .float64(inputGradient(a, b)))
        default: preconditionFailure("conv2d input gradient: dtypes \(g.dtype) and \(w.dtype) differ")
        }
    }

    func weightGradient(_ x: Tensor, _ g: Tensor) -> Tensor {
        switch (x.data, g.data) {
        case (.float32(let a), .float32(let b)): return Tensor(shape: weightShape, data: .float32(weightGradient(a, b)))
        case (.float64(let a), .float64(let b)): return Tensor(shape: weightShape, data: .float64(weightGradient(a, b)))
        default: preconditionFailure("conv2d weight gradient: dtypes \(x.dtype) and \(g.dtype) differ")
        }
    }

    /// Columns per GEMM that the kernels aim for: below it, several samples share one
    /// im2col matrix side by side. Measured in a release build (Float, OpenBLAS, one
    /// thread, 3×3 kernels, 64 → 64 channels, 25 samples): 3×3 images took 0.41 ms
    /// forward and 0.65 ms backward one sample per GEMM, 0.30 and 0.55 ms grouped;
    /// 7×7 and 14×14 images ran about the same either way (80-95 GFLOP/s).
    static let targetColumns = 256

    /// Samples whose columns go into one GEMM.
    var samplesPerProduct: Int { max(1, min(n, Conv2DGeometry.targetColumns / max(outPlane, 1))) }

    /// Whether one sample's input plane can serve as its own im2col matrix.
    var readsInputDirectly: Bool { isPointwise && samplesPerProduct == 1 }

    /// Copies the `og` output-channel rows of group `gi` for samples `b0 ..< b0 + count`
    /// between the tensor layout `[N, O, plane]` and a matrix `[og, count · plane]`.
    @inline(__always)
    private func gatherRows<S>(_ from: UnsafePointer<S>, _ to: UnsafeMutablePointer<S>, b0: Int, count: Int, gi: Int) {
        let cols = count * outPlane
        for j in 0..<count {
            for r in 0..<og {
                (to + r * cols + j * outPlane).update(from: from + ((b0 + j) * o + gi * og + r) * outPlane, count: outPlane)
            }
        }
    }

    /// `y[n, group] = W[group] · im2col(x[n, group])`; the bias is GEMM's `C` operand.
    func convolve<S: TensorScalar>(_ x: [S], _ wt: [S], _ bias: [S]?) -> [S] {
        let total = n * o * outPlane
        let per = samplesPerProduct, direct = readsInputDirectly
        var col = [S](repeating: 0, count: direct ? 0 : patch * per * outPlane)
        var tmp = [S](repeating: 0, count: per > 1 ? og * per * outPlane : 0)
        return x.withUnsafeBufferPointer { px in
            wt.withUnsafeBufferPointer { pw in
                col.withUnsafeMutableBufferPointer { pcol in
                    tmp.withUnsafeMutableBufferPointer { ptmp in
                        makeArray(total) { py in
                            guard total > 0 else { return }
                            let y = py.baseAddress!
                            if let bias {
                                for i in 0..<(n * o) { (y + i * outPlane).update(repeating: bias[i % o], count: outPlane) }
                            }
                            for b0 in stride(from: 0, to: n, by: per) {
                                let count = min(per, n - b0), cols = count * outPlane
                                for gi in 0..<groups {
                                    let weights = pw.baseAddress! + gi * og * patch
                                    let b: UnsafePointer<S>
                                    if direct {
                                        b = px.baseAddress! + (b0 * c + gi * cg) * inPlane
                                    } else {
                                        for j in 0..<count {
                                            im2col(px.baseAddress! + ((b0 + j) * c + gi * cg) * inPlane,
                                                   pcol.baseAddress! + j * outPlane, ld: cols)
                                        }
                                        b = UnsafePointer(pcol.baseAddress!)
                                    }
                                    if count == 1 {
                                        BLAS.gemm(transposeA: false, transposeB: false, m: og, n: cols, k: patch,
                                                  weights, lda: patch, b, ldb: cols, beta: bias == nil ? 0 : 1,
                                                  y + (b0 * o + gi * og) * outPlane, ldc: cols)
                                        continue
                                    }
                                    let t = ptmp.baseAddress!
                                    BLAS.gemm(transposeA: false, transposeB: false, m: og, n: cols, k: patch,
                                              weights, lda: patch, b, ldb: cols, t, ldc: cols)
                                    for j in 0..<count {
                                        for r in 0..<og {
                                            let dst = y + ((b0 + j) * o + gi * og + r) * outPlane
                                            let src = t + r * cols + j * outPlane
                                            if bias == nil {
                                                dst.update(from: src, count: outPlane)
                                            } else {
                                                for q in 0..<outPlane { dst[q] += src[q] }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `dx[n, group] = col2im(W[group]ᵀ · g[n, group])`.
    func inputGradient<S: TensorScalar>(_ g: [S], _ wt: [S]) -> [S] {
        let total = n * c * inPlane
        let per = samplesPerProduct, direct = readsInputDirectly
        var col = [S](repeating: 0, count: direct ? 0 : patch * per * outPlane)
        var tmp = [S](repeating: 0, count: per > 1 ? og * per * outPlane : 0)
        return g.withUnsafeBufferPointer { pg in
            wt.withUnsafeBufferPointer { pw in
                col.withUnsafeMutableBufferPointer { pcol in
                    tmp.withUnsafeMutableBufferPointer { ptmp in
                        makeArray(total) { pdx in
                            guard total > 0 else { return }
                            let dx = pdx.baseAddress!
                            if !direct { dx.update(repeating: 0, count: total) }
                            for b0 in stride(from: 0, to: n, by: per) {
                                let count = min(per, n - b0), cols = count * outPlane
                                for gi in 0..<groups {
                                    let dxg = dx + (b0 * c + gi * cg) * inPlane
                                    let grads: UnsafePointer<S>
                                    if count == 1 {
                                        grads = pg.baseAddress! + (b0 * o + gi * og) * outPlane
                                    } else {
                                        gatherRows(pg.baseAddress!, ptmp.baseAddress!, b0: b0, count: count, gi: gi)
                                        grads = UnsafePointer(ptmp.baseAddress!)
                                    }
                                    let target = direct ? dxg : pcol.baseAddress!
                                    BLAS.gemm(transposeA: true, transposeB: false, m: patch, n: cols, k: og,
                                              pw.baseAddress! + gi * og * patch, lda: patch, grads, ldb: cols,
                                              target, ldc: cols)
                                    if direct { continue }
                                    for j in 0..<count {
                                        col2im(UnsafePointer(pcol.baseAddress! + j * outPlane), ld: cols,
                                               dx + ((b0 + j) * c + gi * cg) * inPlane)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `dW[group] = Σₙ g[n, group] · im2col(x[n, group])ᵀ`.
    func weightGradient<S: TensorScalar>(_ x: [S], _ g: [S]) -> [S] {
        let total = o * patch
        let per = samplesPerProduct, direct = readsInputDirectly
        var col = [S](repeating: 0, count: direct ? 0 : patch * per * outPlane)
        var tmp = [S](repeating: 0, count: per > 1 ? og * per * outPlane : 0)
        return x.withUnsafeBufferPointer { px in
            g.withUnsafeBufferPointer { pg in
                col.withUnsafeMutableBufferPointer { pcol in
                    tmp.withUnsafeMutableBufferPointer { ptmp in
                        makeArray(total) { pdw in
                            guard total > 0 else { return }
                            let dw = pdw.baseAddress!
                            if n == 0 { dw.update(repeating: 0, count: total) }
                            for b0 in stride(from: 0, to: n, by: per) {
                                let count = min(per, n - b0), cols = count * outPlane
                                for gi in 0..<groups {
                                    let b: UnsafePointer<S>
                                    if direct {
                                        b = px.baseAddress! + (b0 * c + gi * cg) * inPlane
                                    } else {
                                        for j in 0..<count {
                                            im2col(px.baseAddress! + ((b0 + j) * c + gi * cg) * inPlane,
                                                   pcol.baseAddress! + j * outPlane, ld: cols)
                                        }
                                        b = UnsafePointer(pcol.baseAddress!)
                                    }
                                    let grads: UnsafePointer<S>
                                    if count == 1 {
                                        grads = pg.baseAddress! + (b0 * o + gi * og) * outPlane
                                    } else {
                                        gatherRows(pg.baseAddress!, ptmp.baseAddress!, b0: b0, count: count, gi: gi)
                                        grads = UnsafePointer(ptmp.baseAddress!)
                                    }
                                    BLAS.gemm(transposeA: false, transposeB: true, m: og, n: patch, k: cols,
                                              grads, lda: cols, b, ldb: cols, beta: b0 == 0 ? 0 : 1,
                                              dw + gi * og * patch, ldc: patch)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    // MARK: im2col

    /// The output columns `lo..<hi` whose input column `ox·sw − pw + j·dw` lies inside the image.
    @inline(__always)
    private func validColumns(_ j: Int) -> (lo: Int, hi: Int) {
        let shift = pw - j * dw                    // ix = ox·sw − shift ≥ 0  ⇔  ox ≥ shift / sw
        let lo = shift <= 0 ? 0 : (shift + sw - 1) / sw
        let last = w - 1 + shift                   // ix ≤ w − 1  ⇔  ox ≤ (w − 1 + shift) / sw
        let hi = last < 0 ? 0 : last / sw + 1
        return (min(lo, ow), max(min(hi, ow), min(lo, ow)))
    }

    /// Writes the patches of one sample's group of channels (`cg` planes) as the rows of
    /// `col` (`patch` rows of `outPlane` values, `ld` apart), zeros where the kernel
    /// reads padding.
    private func im2col<S: TensorScalar>(_ x: UnsafePointer<S>, _ col: UnsafeMutablePointer<S>, ld: Int) {
        var row = col
        for cc in 0..<cg {
            let plane = x + cc * inPlane
            for i in 0..<kh {
                for j in 0..<kw {
                    let (lo, hi) = validColumns(j)
                    let start = lo * sw - pw + j * dw
                    for oy in 0..<oh {
                        let dst = row + oy * ow
                        let iy = oy * sh - ph + i * dh
                        if iy < 0 || iy >= h {
                            dst.update(repeating: 0, count: ow)
                            continue
                        }
                        let src = plane + iy * w + start
                        if lo > 0 { dst.update(repeating: 0, count: lo) }
                        if sw == 1 {
                            (dst + lo).update(from: src, count: hi - lo)
                        } else {
                            for k in 0..<(hi - lo) { dst[lo + k] = src[k * sw] }
                        }
                        if hi < ow { (dst + hi).update(repeating: 0, count: ow - hi) }
                    }
                    row += ld
                }
            }
        }
    }

    /// Adds the patch rows of `col` back onto their image positions (the adjoint of im2col).
    private func col2im<S: TensorScalar>(_ col: UnsafePointer<S>, ld: Int, _ x: UnsafeMutablePointer<S>) {
        var row = col
        for cc in 0..<cg {
            let plane = x + cc * inPlane
            for i in 0..<kh {
                for j in 0..<kw {
                    let (lo, hi) = validColumns(j)
                    let start = lo * sw - pw + j * dw
                    for oy in 0..<oh {
                        let iy = oy * sh - ph + i * dh
                        if iy < 0 || iy >= h { continue }
                        let src = row + oy * ow + lo
                        let dst = plane + iy * w + start
                        for k in 0..<(hi - lo) { dst[k * sw] += src[k] }
                    }
                    row += ld
                }
            }
        }
    }
}
