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
    ///
    /// ```swift
    /// Size2D(height: 3, width: 1).height    // 3
    /// ```
    public var height: Int
    /// The extent along the width axis.
    ///
    /// ```swift
    /// Size2D(height: 3, width: 1).width    // 1
    /// ```
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
            backward: .inputs { p, g, need in
                [need[0] ? convolutionInputGradient(g, p[1], geo) : nil,
                 need[1] ? convolutionWeightGradient(p[0], g, geo) : nil]
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
            backward: .inputs { p, u, need in
                [need[0] ? convolution(u, p[1], geo) : nil, need[1] ? convolutionWeightGradient(u, p[0], geo) : nil]
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
            backward: .inputs { p, v, need in
                [need[0] ? convolutionInputGradient(p[1], v, geo) : nil, need[1] ? convolution(p[0], v, geo) : nil]
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

    /// OpenBLAS's small-matrix kernels (AVX-512 builds) run products of at most 10⁶
    /// multiply-adds without packing either operand: `[64, 72] · [72, 196]` blocks reached
    /// 260 GFLOP/s where the whole `[64, 576] · [576, 196]` product ran at 210.
    static let smallProduct = 1_000_000
    /// The fewest im2col rows per block when blocks cannot be that small: shorter inner
    /// dimensions spend more time rereading the product than multiplying.
    static let minimumBlockRows = 128
    /// The im2col block size otherwise, in scalars (128 KB of Float).
    static let blockScalars = 32_768

    /// Input channels (of one group) per im2col block. The im2col matrix is built and
    /// multiplied a block of channels at a time: the block stays in cache between the two,
    /// and the scratch memory stays small, which matters because large fresh allocations
    /// come back zeroed page by page from the kernel (about 1.6 µs per 4 KB page here).
    /// `m` is the other dimension of the product when the block is `B` of an
    /// `og × cols` output (`smallFits`), where blocks of up to `10⁶ / (m · cols)` rows
    /// run on the small-matrix kernels; sizes are balanced so the last block is not tiny.
    func channelsPerBlock(cols: Int, m: Int, smallFits: Bool, rowsPerChannel: Int? = nil) -> Int {
        let perChannel = rowsPerChannel ?? kh * kw
        let small = smallFits ? Conv2DGeometry.smallProduct / max(m * cols, 1) : 0
        let rows = small >= 32 ? small
            : max(Conv2DGeometry.minimumBlockRows, Conv2DGeometry.blockScalars / max(cols, 1))
        let most = max(1, min(cg, rows / perChannel))
        let blocks = (cg + most - 1) / most
        return (cg + blocks - 1) / blocks
    }

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

    /// `y[n, group] = Σ_blocks W[group, block] · im2col(x[n, group, block])`; the bias is
    /// GEMM's `C` operand.
    func convolve<S: TensorScalar>(_ x: [S], _ wt: [S], _ bias: [S]?) -> [S] {
        if usesRowCopies {
            return convolveByRows(x, wt.withUnsafeBufferPointer { rowCopyWeights($0, flipped: false) }, bias)
        }
        let total = n * o * outPlane
        let per = samplesPerProduct, direct = readsInputDirectly, k2 = kh * kw
        let maxCols = per * outPlane
        let cpc = direct ? cg : channelsPerBlock(cols: maxCols, m: og, smallFits: true)
        return x.withUnsafeBufferPointer { px in
            wt.withUnsafeBufferPointer { pw in
                withScratch(of: S.self, direct ? 0 : cpc * k2 * maxCols) { col in
                    withScratch(of: S.self, per > 1 ? og * maxCols : 0) { t in
                        makeArray(total) { py in
                            guard total > 0 else { return }
                            let y = py.baseAddress!, xs = px.baseAddress!
                            if let bias {
                                for i in 0..<(n * o) { (y + i * outPlane).update(repeating: bias[i % o], count: outPlane) }
                            }
                            for b0 in stride(from: 0, to: n, by: per) {
                                let count = min(per, n - b0), cols = count * outPlane
                                for gi in 0..<groups {
                                    let weights = pw.baseAddress! + gi * og * patch
                                    let yg = y + (b0 * o + gi * og) * outPlane
                                    // One sample writes its rows of y in place (adding to the bias);
                                    // several go through `t`, laid out sample after sample.
                                    let target = count == 1 ? yg : t
                                    let beta0: S = count == 1 && bias != nil ? 1 : 0
                                    if direct {
                                        BLAS.gemm(transposeA: false, transposeB: false, m: og, n: cols, k: patch,
                                                  weights, lda: patch, xs + (b0 * c + gi * cg) * inPlane, ldb: cols,
                                                  beta: beta0, target, ldc: cols)
                                    } else {
                                        for c0 in stride(from: 0, to: cg, by: cpc) {
                                            let cc = min(cpc, cg - c0)
                                            for j in 0..<count {
                                                im2col(xs + ((b0 + j) * c + gi * cg + c0) * inPlane, channels: cc,
                                                       col + j * outPlane, ld: cols)
                                            }
                                            BLAS.gemm(transposeA: false, transposeB: false, m: og, n: cols, k: cc * k2,
                                                      weights + c0 * k2, lda: patch, col, ldb: cols,
                                                      beta: c0 == 0 ? beta0 : 1, target, ldc: cols)
                                        }
                                    }
                                    if count == 1 { continue }
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

    /// With unit stride, `P(g, w)` is itself a convolution: of `g` with the kernel flipped
    /// in both spatial axes and transposed in channels, padded by `dilation·(k − 1) − padding`.
    /// Its im2col is a few copies, where col2im adds every patch value back one by one.
    /// It is used when it does the same multiplications as col2im's product (the input
    /// plane is no larger than the output plane, as with "same" padding; a valid
    /// convolution's transpose would also multiply its padding) and its im2col
    /// (`O/groups · kH · kW` rows) is at most twice col2im's (`C/groups · kH · kW`).
    /// Measured (Float, OpenBLAS, one thread, 8 samples of 14×14, forward + backward):
    /// 64 → 64 channels 3×3 1.69 against 1.87 ms, 64 → 32 1.26 against 1.38, 32 → 64
    /// 1.34 against 1.40, 16 → 64 0.91 against 0.89; 5×5 without padding 4.9 against 3.9.
    var transposedConvolution: Conv2DGeometry? {
        let qh = dh * (kh - 1) - ph, qw = dw * (kw - 1) - pw
        guard sh == 1 && sw == 1 && qh >= 0 && qw >= 0 && og <= 2 * cg
                && 8 * inPlane <= 9 * outPlane else { return nil }
        return Conv2DGeometry(input: [n, o, oh, ow], weight: [c, og, kh, kw], stride: 1,
                              padding: Size2D(height: qh, width: qw), dilation: Size2D(height: dh, width: dw),
                              groups: groups, op: "conv2d input gradient")
    }

    /// `dx[n, group] = Σ_blocks col2im(W[group, block]ᵀ · g[n, group])`, or the
    /// transposed convolution.
    func inputGradient<S: TensorScalar>(_ g: [S], _ wt: [S]) -> [S] {
        let k2 = kh * kw
        if let transposed = transposedConvolution {
            if transposed.usesRowCopies {
                return transposed.convolveByRows(g, wt.withUnsafeBufferPointer { transposed.rowCopyWeights($0, flipped: true) }, nil)
            }
            let flipped: [S] = wt.withUnsafeBufferPointer { pw in
                makeArray(wt.count) { pf in
                    guard let src = pw.baseAddress, let dst = pf.baseAddress else { return }
                    for gi in 0..<groups {
                        for r in 0..<og {
                            for cc in 0..<cg {
                                let from = src + ((gi * og + r) * cg + cc) * k2
                                let to = dst + ((gi * cg + cc) * og + r) * k2
                                // Flipping both axes reverses the row-major kernel index.
                                for q in 0..<k2 { to[k2 - 1 - q] = from[q] }
                            }
                        }
                    }
                }
            }
            return transposed.convolve(g, flipped, nil)
        }
        let total = n * c * inPlane
        let per = samplesPerProduct, direct = readsInputDirectly
        let maxCols = per * outPlane
        let cpc = direct ? cg : channelsPerBlock(cols: maxCols, m: og, smallFits: false)
        return g.withUnsafeBufferPointer { pg in
            wt.withUnsafeBufferPointer { pw in
                withScratch(of: S.self, direct ? 0 : cpc * k2 * maxCols) { col in
                    withScratch(of: S.self, per > 1 ? og * maxCols : 0) { t in
                        makeArray(total) { pdx in
                            guard total > 0 else { return }
                            let dx = pdx.baseAddress!
                            if !direct { dx.update(repeating: 0, count: total) }
                            for b0 in stride(from: 0, to: n, by: per) {
                                let count = min(per, n - b0), cols = count * outPlane
                                for gi in 0..<groups {
                                    let weights = pw.baseAddress! + gi * og * patch
                                    let grads: UnsafePointer<S>
                                    if count == 1 {
                                        grads = pg.baseAddress! + (b0 * o + gi * og) * outPlane
                                    } else {
                                        gatherRows(pg.baseAddress!, t, b0: b0, count: count, gi: gi)
                                        grads = UnsafePointer(t)
                                    }
                                    if direct {
                                        BLAS.gemm(transposeA: true, transposeB: false, m: patch, n: cols, k: og,
                                                  weights, lda: patch, grads, ldb: cols,
                                                  dx + (b0 * c + gi * cg) * inPlane, ldc: cols)
                                        continue
                                    }
                                    for c0 in stride(from: 0, to: cg, by: cpc) {
                                        let cc = min(cpc, cg - c0)
                                        BLAS.gemm(transposeA: true, transposeB: false, m: cc * k2, n: cols, k: og,
                                                  weights + c0 * k2, lda: patch, grads, ldb: cols, col, ldc: cols)
                                        for j in 0..<count {
                                            col2im(UnsafePointer(col + j * outPlane), ld: cols,
                                                   dx + ((b0 + j) * c + gi * cg + c0) * inPlane, channels: cc)
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

    /// `dW[group, block]ᵀ = Σₙ im2col(x[n, group, block]) · g[n, group]ᵀ`: this orientation
    /// of the product ran at 236 GFLOP/s against 199 for `g · im2colᵀ` (OpenBLAS, 64 → 64
    /// channels, 3×3, 14×14); each block's sum is transposed into `dW` once.
    func weightGradient<S: TensorScalar>(_ x: [S], _ g: [S]) -> [S] {
        let total = o * patch
        let per = samplesPerProduct, direct = readsInputDirectly, k2 = kh * kw
        let maxCols = per * outPlane
        let cpc = direct ? cg : channelsPerBlock(cols: maxCols, m: og, smallFits: false)
        let blockRows = cpc * k2
        return x.withUnsafeBufferPointer { px in
            g.withUnsafeBufferPointer { pg in
                withScratch(of: S.self, direct ? 0 : blockRows * maxCols + blockRows * og) { col in
                    withScratch(of: S.self, per > 1 ? og * maxCols : 0) { t in
                        makeArray(total) { pdw in
                            guard total > 0 else { return }
                            let dw = pdw.baseAddress!, xs = px.baseAddress!, gs = pg.baseAddress!
                            if n == 0 {
                                dw.update(repeating: 0, count: total)
                                return
                            }
                            if direct {
                                for b0 in 0..<n {
                                    for gi in 0..<groups {
                                        BLAS.gemm(transposeA: false, transposeB: true, m: og, n: patch, k: outPlane,
                                                  gs + (b0 * o + gi * og) * outPlane, lda: outPlane,
                                                  xs + (b0 * c + gi * cg) * inPlane, ldb: outPlane,
                                                  beta: b0 == 0 ? 0 : 1, dw + gi * og * patch, ldc: patch)
                                    }
                                }
                                return
                            }
                            let sums = col + blockRows * maxCols
                            for gi in 0..<groups {
                                for c0 in stride(from: 0, to: cg, by: cpc) {
                                    let cc = min(cpc, cg - c0), rows = cc * k2
                                    for b0 in stride(from: 0, to: n, by: per) {
                                        let count = min(per, n - b0), cols = count * outPlane
                                        for j in 0..<count {
                                            im2col(xs + ((b0 + j) * c + gi * cg + c0) * inPlane, channels: cc,
                                                   col + j * outPlane, ld: cols)
                                        }
                                        let grads: UnsafePointer<S>
                                        if count == 1 {
                                            grads = gs + (b0 * o + gi * og) * outPlane
                                        } else {
                                            gatherRows(gs, t, b0: b0, count: count, gi: gi)
                                            grads = UnsafePointer(t)
                                        }
                                        BLAS.gemm(transposeA: false, transposeB: true, m: rows, n: og, k: cols,
                                                  col, lda: cols, grads, ldb: cols, beta: b0 == 0 ? 0 : 1, sums, ldc: og)
                                    }
                                    let dwb = dw + gi * og * patch + c0 * k2
                                    for q in 0..<rows {
                                        let src = sums + q * og
                                        for r in 0..<og { dwb[r * patch + q] = src[r] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Uninitialised scratch memory (every kernel writes before it reads): zero-filling
    /// fresh arrays cost about a tenth of a convolution's time.
    @inline(__always)
    private func withScratch<S, R>(of type: S.Type, _ count: Int, _ body: (UnsafeMutablePointer<S>) -> R) -> R {
        withUnsafeTemporaryAllocation(of: S.self, capacity: max(count, 1)) { body($0.baseAddress!) }
    }

    // MARK: Row copies

    /// Whether the forward kernel multiplies views of column copies instead of an im2col
    /// matrix (unit vertical stride, one sample per product).
    ///
    /// With unit vertical stride, im2col row `(c, i, j)` (channel, kernel row, kernel
    /// column) is row `(c, 0, j)` moved on by `i·dh` image rows. So one copy per `(c, j)` of
    /// the zero-padded image (`H + 2·ph` rows of `W'` columns, column `ox` holding input
    /// column `ox·sw − pw + j·dw`) serves every kernel row: kernel row `i` is the matrix of
    /// `C/groups · kW` rows `(c, j)`, one copy apart, that starts `i·dh` rows into the
    /// copies. That writes `kH` times less than im2col, for `kH` products instead of one.
    /// Measured (Float, OpenBLAS, one thread, forward + backward, whose input gradient
    /// takes this path too): 8 samples, 64 → 64 channels, 3×3, 14×14: 1.62 against 1.66 ms;
    /// 5 samples, 32 → 32 channels, 84×84: 19.0 against 20.7 ms.
    var usesRowCopies: Bool { sh == 1 && samplesPerProduct == 1 && !readsInputDirectly }

    /// Rows of one column copy: `H + 2·ph` with unit vertical stride.
    private var copyRows: Int { oh + (kh - 1) * dh }

    /// The weights rearranged for ``convolveByRows(_:_:_:)``: `[groups, kH, O/groups, C/groups, kW]`,
    /// so that kernel row `i` of a group is an `O/groups × (C/groups · kW)` matrix matching
    /// the copies' `(c, j)` rows. With `flipped`, `weights` are those of the convolution this
    /// geometry transposes (`[C, O/groups, kH, kW]` here being `[O, C/groups, kH, kW]` there),
    /// flipped in both spatial axes on the way.
    func rowCopyWeights<S: TensorScalar>(_ weights: UnsafeBufferPointer<S>, flipped: Bool) -> [S] {
        let k2 = kh * kw, rowLength = cg * kw
        return makeArray(weights.count) { out in
            guard let src = weights.baseAddress, let dst = out.baseAddress else { return }
            for gi in 0..<groups {
                for i in 0..<kh {
                    for r in 0..<og {
                        let row = dst + ((gi * kh + i) * og + r) * rowLength
                        for q in 0..<cg {
                            if flipped {
                                let from = src + ((gi * cg + q) * og + r) * k2 + (kh - 1 - i) * kw + kw - 1
                                for j in 0..<kw { row[q * kw + j] = from[-j] }
                            } else {
                                let from = src + ((gi * og + r) * cg + q) * k2 + i * kw
                                for j in 0..<kw { row[q * kw + j] = from[j] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// `y[n, group] = Σ_blocks Σᵢ W[group, row i, block] · copies(x[n, group, block]) from row i·dh`.
    func convolveByRows<S: TensorScalar>(_ x: [S], _ wr: [S], _ bias: [S]?) -> [S] {
        let total = n * o * outPlane, plane = copyRows * ow, rowLength = cg * kw
        let cpc = channelsPerBlock(cols: outPlane, m: og, smallFits: true, rowsPerChannel: kw)
        return x.withUnsafeBufferPointer { px in
            wr.withUnsafeBufferPointer { pw in
                withScratch(of: S.self, cpc * kw * plane) { copies in
                    makeArray(total) { py in
                        guard total > 0 else { return }
                        let y = py.baseAddress!, xs = px.baseAddress!, weights = pw.baseAddress!
                        if let bias {
                            for i in 0..<(n * o) { (y + i * outPlane).update(repeating: bias[i % o], count: outPlane) }
                        }
                        let beta0: S = bias == nil ? 0 : 1
                        for b in 0..<n {
                            for gi in 0..<groups {
                                let yg = y + (b * o + gi * og) * outPlane
                                for c0 in stride(from: 0, to: cg, by: cpc) {
                                    let cc = min(cpc, cg - c0)
                                    columnCopies(xs + (b * c + gi * cg + c0) * inPlane, channels: cc, copies)
                                    for i in 0..<kh {
                                        BLAS.gemm(transposeA: false, transposeB: false, m: og, n: outPlane, k: cc * kw,
                                                  weights + (gi * kh + i) * og * rowLength + c0 * kw, lda: rowLength,
                                                  copies + i * dh * ow, ldb: plane,
                                                  beta: c0 == 0 && i == 0 ? beta0 : 1, yg, ldc: outPlane)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Writes, for `channels` consecutive input planes, the `kW` column copies of
    /// ``usesRowCopies``: laid out `[channel, j, H + 2·ph, W']`, zeros for padding.
    private func columnCopies<S: TensorScalar>(_ x: UnsafePointer<S>, channels: Int, _ out: UnsafeMutablePointer<S>) {
        let hp = copyRows, plane = hp * ow
        let rlo = ph, rhi = ph + h            // copy rows holding image rows
        let contiguous = sw == 1 && ow == w
        for j in 0..<kw {
            let (lo, hi) = validColumns(j)
            let start = lo * sw - pw + j * dw
            for cc in 0..<channels {
                let src = x + cc * inPlane, dst = out + (cc * kw + j) * plane
                if rlo > 0 { dst.update(repeating: 0, count: rlo * ow) }
                if rhi < hp { (dst + rhi * ow).update(repeating: 0, count: (hp - rhi) * ow) }
                if hi <= lo {
                    (dst + rlo * ow).update(repeating: 0, count: (rhi - rlo) * ow)
                } else if contiguous {
                    // As in im2col: one copy from the first valid value to the last.
                    let first = rlo * ow + lo, last = (rhi - 1) * ow + hi
                    (dst + first).update(from: src + first - ph * w + j * dw - pw, count: last - first)
                    for k in 0..<lo { for r in rlo..<rhi { dst[r * ow + k] = 0 } }
                    for k in hi..<ow { for r in rlo..<rhi { dst[r * ow + k] = 0 } }
                } else {
                    for r in rlo..<rhi {
                        stridedCopy(dst + r * ow + lo, src + (r - ph) * w + start, count: hi - lo, step: sw)
                    }
                    for k in 0..<lo { for r in rlo..<rhi { dst[r * ow + k] = 0 } }
                    for k in hi..<ow { for r in rlo..<rhi { dst[r * ow + k] = 0 } }
                }
            }
        }
    }

    // MARK: im2col

    /// `dst[k] = src[k · step]` for `k < count`: a copy for step 1; constant steps let the
    /// compiler vectorise the common strided case.
    @inline(__always)
    private func stridedCopy<S>(_ dst: UnsafeMutablePointer<S>, _ src: UnsafePointer<S>, count: Int, step: Int) {
        switch step {
        case 1: dst.update(from: src, count: count)
        case 2: for k in 0..<count { dst[k] = src[2 * k] }
        default: for k in 0..<count { dst[k] = src[k * step] }
        }
    }

    /// The output columns `lo..<hi` whose input column `ox·sw − pw + j·dw` lies inside the image.
    @inline(__always)
    private func validColumns(_ j: Int) -> (lo: Int, hi: Int) {
        let shift = pw - j * dw                    // ix = ox·sw − shift ≥ 0  ⇔  ox ≥ shift / sw
        let lo = shift <= 0 ? 0 : (shift + sw - 1) / sw
        let last = w - 1 + shift                   // ix ≤ w − 1  ⇔  ox ≤ (w − 1 + shift) / sw
        let hi = last < 0 ? 0 : last / sw + 1
        return (min(lo, ow), max(min(hi, ow), min(lo, ow)))
    }

    /// The output rows `lo..<hi` whose input row `oy·sh − ph + i·dh` lies inside the image.
    @inline(__always)
    private func validRows(_ i: Int) -> (lo: Int, hi: Int) {
        let shift = ph - i * dh
        let lo = shift <= 0 ? 0 : (shift + sh - 1) / sh
        let last = h - 1 + shift
        let hi = last < 0 ? 0 : last / sh + 1
        return (min(lo, oh), max(min(hi, oh), min(lo, oh)))
    }

    /// Writes the patches of `channels` consecutive input planes as the rows of `col`
    /// (`channels · kH · kW` rows of `outPlane` values, `ld` apart), zeros where the
    /// kernel reads padding.
    ///
    /// With unit strides and output rows as wide as input rows (a "same" convolution such
    /// as 3×3 with padding 1), output `oy·ow + ox` reads input `oy·w + ox` plus a constant,
    /// so one copy fills all of a row's valid image rows; the values it wraps around the
    /// row ends are then overwritten with zeros.
    private func im2col<S: TensorScalar>(_ x: UnsafePointer<S>, channels: Int, _ col: UnsafeMutablePointer<S>, ld: Int) {
        let runs = sh == 1 && sw == 1 && ow == w
        // Kernel position outermost: its valid ranges (divisions) are worked out once.
        for i in 0..<kh {
            let (ylo, yhi) = validRows(i)
            for j in 0..<kw {
                let (lo, hi) = validColumns(j)
                let rowOffset = i * kw + j, k2 = kh * kw
                for cc in 0..<channels {
                    let plane = x + cc * inPlane, row = col + (cc * k2 + rowOffset) * ld
                    if ylo > 0 { row.update(repeating: 0, count: ylo * ow) }
                    if yhi < oh { (row + yhi * ow).update(repeating: 0, count: (oh - yhi) * ow) }
                    guard yhi > ylo else { continue }
                    if hi <= lo {
                        (row + ylo * ow).update(repeating: 0, count: (yhi - ylo) * ow)
                    } else if runs {
                        // From the first valid element to the last one: never outside the plane.
                        let first = ylo * ow + lo, last = (yhi - 1) * ow + hi
                        (row + first).update(from: plane + first + (i * dh - ph) * w + j * dw - pw, count: last - first)
                        // Column by column: a loop along a row would become a `memset` call
                        // per row for one or two values.
                        for k in 0..<lo { for oy in ylo..<yhi { row[oy * ow + k] = 0 } }
                        for k in hi..<ow { for oy in ylo..<yhi { row[oy * ow + k] = 0 } }
                    } else {
                        let start = lo * sw - pw + j * dw
                        for oy in ylo..<yhi {
                            stridedCopy(row + oy * ow + lo, plane + (oy * sh - ph + i * dh) * w + start,
                                        count: hi - lo, step: sw)
                        }
                        for k in 0..<lo { for oy in ylo..<yhi { row[oy * ow + k] = 0 } }
                        for k in hi..<ow { for oy in ylo..<yhi { row[oy * ow + k] = 0 } }
                    }
                }
            }
        }
    }

    /// Adds the patch rows of `col` for `channels` consecutive planes back onto their image
    /// positions (the adjoint of im2col).
    private func col2im<S: TensorScalar>(_ col: UnsafePointer<S>, ld: Int, _ x: UnsafeMutablePointer<S>, channels: Int) {
        var row = col
        for cc in 0..<channels {
            let plane = x + cc * inPlane
            for i in 0..<kh {
                let (ylo, yhi) = validRows(i)
                for j in 0..<kw {
                    let (lo, hi) = validColumns(j)
                    let start = lo * sw - pw + j * dw
                    for oy in ylo..<yhi {
                        let src = row + oy * ow + lo
                        let dst = plane + (oy * sh - ph + i * dh) * w + start
                        let count = hi - lo
                        // Constant steps let the compiler vectorise the common cases.
                        switch sw {
                        case 1: for k in 0..<count { dst[k] += src[k] }
                        case 2: for k in 0..<count { dst[2 * k] += src[k] }
                        default: for k in 0..<count { dst[k * sw] += src[k] }
                        }
                    }
                    row += ld
                }
            }
        }
    }
}
