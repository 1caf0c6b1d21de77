/// Max, average and global average pooling over the spatial axes of `[N, C, H, W]`
/// tensors, with the gather/scatter pair that makes max pooling differentiable to any order.

/// Max pooling over `kernelSize` windows of each channel of `input` (`[N, C, H, W]`),
/// like PyTorch's `torch.nn.functional.max_pool2d` (no dilation, rounding down).
///
/// `stride` defaults to `kernelSize`. `padding` (at most half the kernel) pads with
/// −∞, so padding never wins. The output has shape `[N, C, H', W']` with
/// `H' = (H + 2·padding − kH) / stride + 1`.
///
/// Derivatives: the gradient of each output goes to the position of its window's
/// maximum. At a tie (a non-differentiable point) it goes to the **first** maximal
/// element in row-major window order, as in PyTorch; a NaN in a window is its maximum.
/// Where windows overlap, an element that is the maximum of several windows receives
/// the sum of their gradients.
///
/// ```swift
/// let x = Tensor.arange(0, 16).reshaped([1, 1, 4, 4])
/// maxPool2d(x, kernelSize: 2)          // [[[[5, 7], [13, 15]]]]
/// ```
public func maxPool2d(_ input: Tensor, kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0) -> Tensor {
    let geo = Pool2DGeometry(input.shape, kernelSize, stride ?? kernelSize, padding, "maxPool2d")
    if input.tracer == nil { return geo.maxPool(input, indices: false).values }
    // Which element wins is decided on the values; the derivative is then that of a
    // fixed gather, which is linear.
    let indices = geo.maxPool(input.detached(), indices: true).indices
    return input.gatherFlat(indices, shape: geo.outputShape)
}

/// Average pooling over `kernelSize` windows of each channel of `input` (`[N, C, H, W]`),
/// like PyTorch's `torch.nn.functional.avg_pool2d` with its defaults: zero padding counts
/// in the average (`count_include_pad=True`), sizes round down.
///
/// `stride` defaults to `kernelSize`; `padding` is at most half the kernel. Linear, so
/// differentiable everywhere, to any order.
///
/// ```swift
/// let x = Tensor.arange(0, 16).reshaped([1, 1, 4, 4])
/// avgPool2d(x, kernelSize: 2)          // [[[[2.5, 4.5], [10.5, 12.5]]]]
/// ```
public func avgPool2d(_ input: Tensor, kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0) -> Tensor {
    let geo = Pool2DGeometry(input.shape, kernelSize, stride ?? kernelSize, padding, "avgPool2d")
    return Tensor.averagePool(input, geo)
}

/// The mean over the spatial axes of `input` (`[N, C, H, W]`): shape `[N, C]`, or
/// `[N, C, 1, 1]` when `keepingDimensions` is true (PyTorch's `adaptive_avg_pool2d(x, 1)`).
///
/// ```swift
/// let x = Tensor.ones([2, 3, 4, 4])
/// globalAveragePool(x)                            // shape [2, 3], all 1
/// globalAveragePool(x, keepingDimensions: true)   // shape [2, 3, 1, 1]
/// ```
public func globalAveragePool(_ input: Tensor, keepingDimensions: Bool = false) -> Tensor {
    precondition(input.rank == 4, "globalAveragePool: input \(input.shape) must have shape [N, C, H, W]")
    return input.mean(alongAxes: [2, 3], keepingDimensions: keepingDimensions)
}

extension Tensor {
    /// `out[i] = self[indices[i]]` over the flat elements, with `out` of `shape`: a
    /// linear primitive whose adjoint is ``scatterAddFlat(_:shape:)``.
    func gatherFlat(_ indices: [Int], shape: [Int]) -> Tensor {
        let from = self.shape
        return Tensor.primitive("gatherFlat", [self], value: { $0[0].flatGatherKernel(indices, shape) },
            jvp: { _, t, _ in t[0]!.gatherFlat(indices, shape: shape) },
            backward: .cotangent { g, _ in [g.scatterAddFlat(indices, shape: from)] })
    }

    /// `out[indices[i]] += self[i]` into zeros of `shape`: the adjoint of
    /// ``gatherFlat(_:shape:)``, whose VJP is that gather.
    func scatterAddFlat(_ indices: [Int], shape: [Int]) -> Tensor {
        let from = self.shape
        return Tensor.primitive("scatterAddFlat", [self], value: { $0[0].flatScatterAddKernel(indices, shape) },
            jvp: { _, t, _ in t[0]!.scatterAddFlat(indices, shape: shape) },
            backward: .cotangent { g, _ in [g.gatherFlat(indices, shape: from)] })
    }

    func flatGatherKernel(_ indices: [Int], _ shape: [Int]) -> Tensor {
        func run<S: TensorScalar>(_ a: [S]) -> [S] {
            a.withUnsafeBufferPointer { x in
                indices.withUnsafeBufferPointer { idx in
                    makeArray(idx.count) { y in for i in 0..<idx.count { y[i] = x[idx[i]] } }
                }
            }
        }
        switch data {
        case .float32(let a): return Tensor(shape: shape, data: .float32(run(a)))
        case .float64(let a): return Tensor(shape: shape, data: .float64(run(a)))
        }
    }

    func flatScatterAddKernel(_ indices: [Int], _ shape: [Int]) -> Tensor {
        func run<S: TensorScalar>(_ a: [S]) -> [S] {
            var out = [S](repeating: 0, count: Shape.count(shape))
            a.withUnsafeBufferPointer { x in
                indices.withUnsafeBufferPointer { idx in
                    out.withUnsafeMutableBufferPointer { y in for i in 0..<idx.count { y[idx[i]] += x[i] } }
                }
            }
            return out
        }
        switch data {
        case .float32(let a): return Tensor(shape: shape, data: .float32(run(a)))
        case .float64(let a): return Tensor(shape: shape, data: .float64(run(a)))
        }
    }

    /// Average pooling as a linear primitive; its adjoint spreads each output's cotangent
    /// evenly over its window and is a primitive too, so the pair is closed.
    static func averagePool(_ x: Tensor, _ geo: Pool2DGeometry) -> Tensor {
        if x.tracer == nil { return geo.averagePool(x) }
        return primitive("avgPool2d", [x], value: { geo.averagePool($0[0]) },
                         jvp: { _, t, _ in averagePool(t[0]!, geo) },
                         backward: .cotangent { g, _ in [averagePoolAdjoint(g, geo)] })
    }

    static func averagePoolAdjoint(_ g: Tensor, _ geo: Pool2DGeometry) -> Tensor {
        if g.tracer == nil { return geo.averagePoolAdjoint(g) }
        return primitive("avgPool2dAdjoint", [g], value: { geo.averagePoolAdjoint($0[0]) },
                         jvp: { _, t, _ in averagePoolAdjoint(t[0]!, geo) },
                         backward: .cotangent { u, _ in [averagePool(u, geo)] })
    }
}

/// The sizes of one pooling, checked once, and its plain kernels.
struct Pool2DGeometry: Sendable {
    let n: Int, c: Int, h: Int, w: Int
    let kh: Int, kw: Int, sh: Int, sw: Int, ph: Int, pw: Int
    let oh: Int, ow: Int

    var inputShape: [Int] { [n, c, h, w] }
    var outputShape: [Int] { [n, c, oh, ow] }

    init(_ x: [Int], _ kernel: Size2D, _ stride: Size2D, _ padding: Size2D, _ op: String) {
        precondition(x.count == 4, "\(op): input \(x) must have shape [N, C, H, W]")
        precondition(kernel.height >= 1 && kernel.width >= 1, "\(op): kernel size \(kernel) must be positive")
        precondition(stride.height >= 1 && stride.width >= 1, "\(op): stride \(stride) must be positive")
        precondition(padding.height >= 0 && padding.width >= 0
                     && 2 * padding.height <= kernel.height && 2 * padding.width <= kernel.width,
                     "\(op): padding \(padding) must be between 0 and half the kernel size \(kernel)")
        precondition(x[2] + 2 * padding.height >= kernel.height && x[3] + 2 * padding.width >= kernel.width,
                     "\(op): input \(x) with padding \(padding) is smaller than the kernel \(kernel)")
        n = x[0]; c = x[1]; h = x[2]; w = x[3]
        kh = kernel.height; kw = kernel.width
        sh = stride.height; sw = stride.width
        ph = padding.height; pw = padding.width
        oh = (h + 2 * ph - kh) / sh + 1
        ow = (w + 2 * pw - kw) / sw + 1
    }

    /// Calls `body(plane, outputIndex, rows, columns)` for every window, clipped to the image.
    @inline(__always)
    private func forEachWindow(_ body: (Int, Int, Range<Int>, Range<Int>) -> Void) {
        var out = 0
        for plane in 0..<(n * c) {
            for oy in 0..<oh {
                let y0 = oy * sh - ph
                let rows = max(y0, 0)..<min(y0 + kh, h)
                for ox in 0..<ow {
                    let x0 = ox * sw - pw
                    body(plane, out, rows, max(x0, 0)..<min(x0 + kw, w))
                    out += 1
                }
            }
        }
    }

    func maxPool(_ x: Tensor, indices wantIndices: Bool) -> (values: Tensor, indices: [Int]) {
        func run<S: TensorScalar>(_ a: [S]) -> ([S], [Int]) {
            let count = n * c * oh * ow
            var indices = [Int](repeating: 0, count: wantIndices ? count : 0)
            let values: [S] = a.withUnsafeBufferPointer { px in
                indices.withUnsafeMutableBufferPointer { pidx in
                    makeArray(count) { py in
                        if kh == 2 && kw == 2 && sh == 2 && sw == 2 && ph == 0 && pw == 0 {
                            maxPool2x2(px, py, pidx, wantIndices)
                            return
                        }
                        forEachWindow { plane, out, rows, cols in
                            let base = plane * h * w
                            var best = -S.infinity
                            var at = base + rows.lowerBound * w + cols.lowerBound
                            search: for iy in rows {
                                for ix in cols {
                                    let i = base + iy * w + ix
                                    let v = px[i]
                                    if v > best || v.isNaN {
                                        best = v
                                        at = i
                                        if v.isNaN { break search }
                                    }
                                }
                            }
                            py[out] = best
                            if wantIndices { pidx[out] = at }
                        }
                    }
                }
            }
            return (values, indices)
        }
        switch x.data {
        case .float32(let a):
            let (v, i) = run(a)
            return (Tensor(shape: outputShape, data: .float32(v)), i)
        case .float64(let a):
            let (v, i) = run(a)
            return (Tensor(shape: outputShape, data: .float64(v)), i)
        }
    }

    /// The common 2×2, stride-2, unpadded case without the general window walk; the same
    /// choices as the general loop (first maximum in row-major order, NaN wins).
    ///
    /// Each window is a tree of selections: the two pairs of a window's rows, then the two
    /// winners. That is two dependent steps instead of three, without branches (which
    /// element wins is data-dependent, so a branch on it is mispredicted half the time),
    /// and the values-only loop has no index bookkeeping, so it vectorises.
    @inline(__always)
    private func maxPool2x2<S: TensorScalar>(_ px: UnsafeBufferPointer<S>, _ py: UnsafeMutableBufferPointer<S>,
                                             _ pidx: UnsafeMutableBufferPointer<Int>, _ wantIndices: Bool) {
        var out = 0
        for plane in 0..<(n * c) {
            let base = plane * h * w
            for oy in 0..<oh {
                // Offsets from row pointers, with wrapping arithmetic: no overflow checks in the loops.
                let top = base + 2 * oy * w, bottom = top + w
                let t = px.baseAddress! + top, b = px.baseAddress! + bottom, y = py.baseAddress! + out
                if wantIndices {
                    let at = pidx.baseAddress! + out
                    for ox in 0..<ow {
                        let i = 2 &* ox
                        let (v1, k1) = Pool2DGeometry.firstMax(t[i], top &+ i, t[i &+ 1], top &+ i &+ 1)
                        let (v2, k2) = Pool2DGeometry.firstMax(b[i], bottom &+ i, b[i &+ 1], bottom &+ i &+ 1)
                        let (v, k) = Pool2DGeometry.firstMax(v1, k1, v2, k2)
                        y[ox] = v
                        at[ox] = k
                    }
                } else {
                    for ox in 0..<ow {
                        let i = 2 &* ox
                        y[ox] = Pool2DGeometry.firstMax(Pool2DGeometry.firstMax(t[i], t[i &+ 1]),
                                                        Pool2DGeometry.firstMax(b[i], b[i &+ 1]))
                    }
                }
                out += ow
            }
        }
    }

    /// The larger of `a` and its successor `b`: `b` only when it is strictly larger or NaN,
    /// and never past a NaN `a`.
    @inline(__always)
    static func firstMax<S: TensorScalar>(_ a: S, _ b: S) -> S {
        (b > a || b != b) && a == a ? b : a
    }

    /// ``firstMax(_:_:)`` with the winner's index.
    @inline(__always)
    static func firstMax<S: TensorScalar>(_ a: S, _ i: Int, _ b: S, _ j: Int) -> (S, Int) {
        let bWins = (b > a || b != b) && a == a
        return (bWins ? b : a, bWins ? j : i)
    }

    func averagePool(_ x: Tensor) -> Tensor {
        let scale = 1 / Double(kh * kw)
        func run<S: TensorScalar>(_ a: [S]) -> [S] {
            let s = S(scale)
            return a.withUnsafeBufferPointer { px in
                makeArray(n * c * oh * ow) { py in
                    forEachWindow { plane, out, rows, cols in
                        let base = plane * h * w
                        var acc: S = 0
                        for iy in rows { for ix in cols { acc += px[base + iy * w + ix] } }
                        py[out] = acc * s
                    }
                }
            }
        }
        switch x.data {
        case .float32(let a): return Tensor(shape: outputShape, data: .float32(run(a)))
        case .float64(let a): return Tensor(shape: outputShape, data: .float64(run(a)))
        }
    }

    func averagePoolAdjoint(_ g: Tensor) -> Tensor {
        let scale = 1 / Double(kh * kw)
        func run<S: TensorScalar>(_ a: [S]) -> [S] {
            let s = S(scale)
            var out = [S](repeating: 0, count: n * c * h * w)
            a.withUnsafeBufferPointer { pg in
                out.withUnsafeMutableBufferPointer { px in
                    forEachWindow { plane, o, rows, cols in
                        let base = plane * h * w
                        let v = pg[o] * s
                        for iy in rows { for ix in cols { px[base + iy * w + ix] += v } }
                    }
                }
            }
            return out
        }
        switch g.data {
        case .float32(let a): return Tensor(shape: inputShape, data: .float32(run(a)))
        case .float64(let a): return Tensor(shape: inputShape, data: .float64(run(a)))
        }
    }
}
