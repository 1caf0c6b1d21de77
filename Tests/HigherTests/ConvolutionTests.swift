import Testing
@testable import Higher

/// One convolution configuration: input [N, C, H, W], O output channels, kernel kH × kW.
private struct ConvCase: CustomStringConvertible {
    var input: [Int]
    var out: Int
    var kernel: (Int, Int)
    var stride: (Int, Int) = (1, 1)
    var padding: (Int, Int) = (0, 0)
    var dilation: (Int, Int) = (1, 1)
    var groups = 1

    var weightShape: [Int] { [out, input[1] / groups, kernel.0, kernel.1] }
    var strideSize: Size2D { Size2D(height: stride.0, width: stride.1) }
    var paddingSize: Size2D { Size2D(height: padding.0, width: padding.1) }
    var dilationSize: Size2D { Size2D(height: dilation.0, width: dilation.1) }
    var outH: Int { (input[2] + 2 * padding.0 - dilation.0 * (kernel.0 - 1) - 1) / stride.0 + 1 }
    var outW: Int { (input[3] + 2 * padding.1 - dilation.1 * (kernel.1 - 1) - 1) / stride.1 + 1 }
    var outputShape: [Int] { [input[0], out, outH, outW] }
    var description: String {
        "input \(input) out \(out) kernel \(kernel) stride \(stride) padding \(padding) dilation \(dilation) groups \(groups)"
    }

    func apply(_ x: Tensor, _ w: Tensor, bias: Tensor? = nil) -> Tensor {
        conv2d(x, w, bias: bias, stride: strideSize, padding: paddingSize, dilation: dilationSize, groups: groups)
    }

    /// Visits every (input index, weight index, output index) triple that the
    /// convolution multiplies together: the definition, with plain loops.
    func forEachTerm(_ body: (Int, Int, Int) -> Void) {
        let (n, c, h, w) = (input[0], input[1], input[2], input[3])
        let cg = c / groups, og = out / groups
        for b in 0..<n {
            for oc in 0..<out {
                let g = oc / og
                for oy in 0..<outH {
                    for ox in 0..<outW {
                        let o = ((b * out + oc) * outH + oy) * outW + ox
                        for ic in 0..<cg {
                            for i in 0..<kernel.0 {
                                for j in 0..<kernel.1 {
                                    let iy = oy * stride.0 - padding.0 + i * dilation.0
                                    let ix = ox * stride.1 - padding.1 + j * dilation.1
                                    guard iy >= 0 && iy < h && ix >= 0 && ix < w else { continue }
                                    let xi = ((b * c + g * cg + ic) * h + iy) * w + ix
                                    let wi = ((oc * cg + ic) * kernel.0 + i) * kernel.1 + j
                                    body(xi, wi, o)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    func referenceConv(_ x: [Double], _ w: [Double], bias: [Double]?) -> [Double] {
        var y = [Double](repeating: 0, count: outputShape.reduce(1, *))
        if let bias {
            let plane = outH * outW
            for i in y.indices { y[i] = bias[(i / plane) % out] }
        }
        forEachTerm { xi, wi, o in y[o] += x[xi] * w[wi] }
        return y
    }

    /// The transposed convolution of `g` (shape of the output): the adjoint, by loops.
    func referenceTransposed(_ g: [Double], _ w: [Double]) -> [Double] {
        var x = [Double](repeating: 0, count: input.reduce(1, *))
        forEachTerm { xi, wi, o in x[xi] += g[o] * w[wi] }
        return x
    }

    /// The gradient of `⟨conv(x, w), g⟩` with respect to the weight, by loops.
    func referenceWeightGradient(_ x: [Double], _ g: [Double]) -> [Double] {
        var w = [Double](repeating: 0, count: weightShape.reduce(1, *))
        forEachTerm { xi, wi, o in w[wi] += g[o] * x[xi] }
        return w
    }

    var geometry: Conv2DGeometry {
        Conv2DGeometry(input: input, weight: weightShape, stride: strideSize, padding: paddingSize,
                       dilation: dilationSize, groups: groups, op: "test")
    }
}

private let convCases: [ConvCase] = [
    ConvCase(input: [2, 3, 7, 6], out: 4, kernel: (3, 3)),
    ConvCase(input: [2, 3, 7, 6], out: 4, kernel: (3, 3), stride: (2, 2), padding: (1, 1)),
    ConvCase(input: [1, 2, 8, 9], out: 3, kernel: (3, 2), stride: (2, 1), padding: (0, 2), dilation: (2, 1)),
    ConvCase(input: [2, 3, 5, 5], out: 6, kernel: (3, 3), padding: (1, 1), groups: 3),
    ConvCase(input: [1, 4, 9, 8], out: 6, kernel: (2, 3), stride: (1, 2), padding: (1, 1), dilation: (2, 2), groups: 2),
    ConvCase(input: [2, 4, 5, 4], out: 3, kernel: (1, 1)),
    ConvCase(input: [2, 4, 5, 4], out: 6, kernel: (1, 1), groups: 2),
    ConvCase(input: [1, 2, 6, 7], out: 2, kernel: (1, 1), stride: (2, 3)),
    ConvCase(input: [2, 2, 4, 5], out: 3, kernel: (4, 5)),
    ConvCase(input: [1, 1, 3, 3], out: 1, kernel: (3, 3), stride: (3, 3), padding: (1, 1), dilation: (2, 2)),
    // The GEMM layouts: one sample reading its input plane directly, samples grouped
    // into products with a shorter last group, and one large sample per product.
    ConvCase(input: [1, 4, 5, 4], out: 6, kernel: (1, 1), groups: 2),
    ConvCase(input: [3, 2, 8, 16], out: 3, kernel: (1, 1)),
    ConvCase(input: [3, 2, 8, 16], out: 2, kernel: (3, 1), padding: (1, 0)),
    ConvCase(input: [2, 1, 16, 16], out: 2, kernel: (3, 3), padding: (1, 1)),
    // Large enough that every GEMM goes to the library under both backends.
    ConvCase(input: [2, 8, 6, 6], out: 8, kernel: (3, 3), padding: (1, 1)),
    // Column copies: output rows narrower than input rows, and kernel columns that
    // read only padding.
    ConvCase(input: [1, 3, 12, 13], out: 4, kernel: (3, 3)),
    ConvCase(input: [1, 2, 3, 1], out: 2, kernel: (1, 5), padding: (0, 2)),
]

@Suite struct ConvolutionTests {
    @Test(arguments: [DType.float64, DType.float32])
    func conv2dMatchesLoopReference(dtype: DType) {
        for (i, cs) in convCases.enumerated() {
            let x = LinalgCheck.tensor(cs.input, seed: UInt64(10 * i), dtype: dtype)
            let w = LinalgCheck.tensor(cs.weightShape, seed: UInt64(10 * i + 1), dtype: dtype)
            let b = LinalgCheck.tensor([cs.out], seed: UInt64(10 * i + 2), dtype: dtype)
            let tol = dtype == .float64 ? 1e-12 : 1e-5
            let y = cs.apply(x, w)
            #expect(y.shape == cs.outputShape && y.dtype == dtype, "\(cs)")
            #expect(LinalgCheck.close(y.scalars, cs.referenceConv(x.scalars, w.scalars, bias: nil), rtol: tol, atol: tol), "\(cs)")
            let yb = cs.apply(x, w, bias: b)
            #expect(LinalgCheck.close(yb.scalars, cs.referenceConv(x.scalars, w.scalars, bias: b.scalars), rtol: tol, atol: tol),
                    "\(cs) with bias")
        }
    }

    @Test func knownSmallConvolution() {
        // 3×3 image, 2×2 kernel of ones: each output is the sum of a 2×2 block.
        let x = Tensor.arange(1, 10).reshaped([1, 1, 3, 3])
        let y = conv2d(x, Tensor.ones([1, 1, 2, 2]), bias: Tensor([10]))
        #expect(y.shape == [1, 1, 2, 2] && y.scalars == [22, 26, 34, 38])
    }

    @Test func layoutsCoverEveryKernelPath() {
        let g = convCases.map { Conv2DGeometry(input: $0.input, weight: $0.weightShape, stride: $0.strideSize,
                                               padding: $0.paddingSize, dilation: $0.dilationSize,
                                               groups: $0.groups, op: "test") }
        #expect(g.contains { $0.readsInputDirectly })
        #expect(g.contains { $0.samplesPerProduct > 1 && $0.n % $0.samplesPerProduct != 0 })
        #expect(g.contains { $0.samplesPerProduct == 1 && $0.n > 1 && !$0.isPointwise })
        #expect(g.contains { $0.usesRowCopies && $0.sw > 1 && $0.groups > 1 })
        #expect(g.contains { $0.usesRowCopies && $0.ow != $0.w })
        #expect(g.contains { $0.usesRowCopies && $0.ow == $0.w && $0.sw == 1 })
        #expect(g.contains { !$0.usesRowCopies && !$0.readsInputDirectly && $0.sh == 1 })
        #expect(g.contains { $0.transposedConvolution?.usesRowCopies == true })
        #expect(g.contains { $0.transposedConvolution.map { !$0.usesRowCopies && !$0.readsInputDirectly } == true })
        #expect(g.contains { $0.transposedConvolution == nil && $0.sh == 1 && $0.sw == 1 })
    }

    /// Shapes large enough that the kernels build and multiply the im2col matrix a block of
    /// channels at a time (in every kernel, with groups, dilation, padding that does not
    /// keep the size, and stride 2, whose input gradient goes through col2im), against the
    /// loop references for the value and both gradients.
    @Test func channelBlocksMatchLoopReference() {
        // With whether the input gradient is a (transposed) convolution rather than col2im.
        let cases = [
            (ConvCase(input: [2, 40, 16, 16], out: 48, kernel: (3, 3), padding: (1, 1)), true),
            (ConvCase(input: [2, 40, 12, 12], out: 36, kernel: (3, 3)), false),
            (ConvCase(input: [2, 40, 16, 16], out: 24, kernel: (3, 3), stride: (2, 2), padding: (1, 1)), false),
            (ConvCase(input: [3, 80, 9, 9], out: 60, kernel: (3, 3), padding: (2, 1), dilation: (2, 1), groups: 2), true),
        ]
        for (i, (cs, transposed)) in cases.enumerated() {
            let geo = cs.geometry
            let cols = geo.samplesPerProduct * geo.outPlane
            #expect(geo.channelsPerBlock(cols: cols, m: geo.og, smallFits: true) < geo.cg, "\(cs)")
            #expect(geo.channelsPerBlock(cols: cols, m: geo.og, smallFits: false) < geo.cg, "\(cs)")
            #expect((geo.transposedConvolution != nil) == transposed, "\(cs)")
            if let t = geo.transposedConvolution {
                let tcols = t.samplesPerProduct * t.outPlane
                #expect(t.channelsPerBlock(cols: tcols, m: t.og, smallFits: true) < t.cg, "\(cs)")
            }
            let x = LinalgCheck.tensor(cs.input, seed: UInt64(1000 + i))
            let w = LinalgCheck.tensor(cs.weightShape, seed: UInt64(1100 + i))
            let r = LinalgCheck.tensor(cs.outputShape, seed: UInt64(1200 + i))
            let (xs, ws, rs) = (x.scalars, w.scalars, r.scalars)
            let y = cs.apply(x, w).scalars, yRef = cs.referenceConv(xs, ws, bias: nil)
            let valuesMatch = LinalgCheck.close(y, yRef, rtol: 1e-12, atol: 1e-12)
            #expect(valuesMatch, "\(cs)")
            let g = gradient(at: [x, w]) { v in (cs.apply(v[0], v[1]) * r).sum() }
            let inputGradientMatches = LinalgCheck.close(g[0].scalars, cs.referenceTransposed(rs, ws), rtol: 1e-12, atol: 1e-12)
            #expect(inputGradientMatches, "\(cs)")
            let weightGradientMatches = LinalgCheck.close(g[1].scalars, cs.referenceWeightGradient(xs, rs), rtol: 1e-12, atol: 1e-12)
            #expect(weightGradientMatches, "\(cs)")
            // Float32 goes through the same blocks.
            let y32 = cs.apply(x.cast(to: .float32), w.cast(to: .float32)).scalars
            let float32Matches = LinalgCheck.close(y32, yRef, rtol: 1e-4, atol: 1e-4)
            #expect(float32Matches, "\(cs)")
        }
    }

    @Test func gradientsAndJVPsMatchFiniteDifferences() {
        for (i, cs) in convCases.enumerated() {
            let x = LinalgCheck.tensor(cs.input, seed: UInt64(100 + i)), w = LinalgCheck.tensor(cs.weightShape, seed: UInt64(200 + i))
            let b = LinalgCheck.tensor([cs.out], seed: UInt64(300 + i)), r = LinalgCheck.tensor(cs.outputShape, seed: UInt64(400 + i))
            LinalgCheck.checkDerivatives([x, w, b], seed: UInt64(500 + i)) { v in (cs.apply(v[0], v[1], bias: v[2]) * r).sum() }
        }
    }

    @Test func hessianVectorProductsMatchFiniteDifferences() {
        // Quadratic in the input and in the weight: the JVPs and VJPs of all three primitives.
        for cs in [convCases[1], convCases[4], convCases[5]] {
            let x = LinalgCheck.tensor(cs.input, seed: 601), w = LinalgCheck.tensor(cs.weightShape, seed: 602)
            LinalgCheck.checkHVP(x, seed: 603) { x in
                let y = cs.apply(x, w)
                return (y * y).sum()
            }
            LinalgCheck.checkHVP(w, seed: 604) { w in
                let y = cs.apply(x, w)
                return (y * y).sum()
            }
        }
        // Quartic in the weight, which reaches the second convolution's input too.
        let x = LinalgCheck.tensor([1, 2, 5, 5], seed: 605)
        LinalgCheck.checkHVP(LinalgCheck.tensor([2, 2, 3, 3], seed: 606), seed: 607) { w in
            let h = conv2d(conv2d(x, w, padding: 1), w, stride: 2, padding: 1)
            return (h * h).sum()
        }
        // A small network mixing matmul and conv.
        let m = LinalgCheck.tensor([4, 3], seed: 608)
        LinalgCheck.checkHVP(LinalgCheck.tensor([2, 1, 2, 2], seed: 609), seed: 610) { w in
            let h = conv2d(x, w, padding: 1, groups: 2)                  // [1, 2, 6, 6]
            let p = avgPool2d(h * h, kernelSize: 3).reshaped([2, 4])     // [1, 2, 2, 2] → [2, 4]
            let z = matmul(p, m)
            return (z * z).sum()
        }
    }

    @Test(arguments: [DType.float64, DType.float32])
    func convTransposeIsTheAdjoint(dtype: DType) {
        for (i, cs) in convCases.enumerated() {
            let g = LinalgCheck.tensor(cs.outputShape, seed: UInt64(700 + i), dtype: dtype)
            let w = LinalgCheck.tensor(cs.weightShape, seed: UInt64(800 + i), dtype: dtype)
            // The output padding recovers input sizes that strided convolutions round away.
            let op = Size2D(height: (cs.input[2] + 2 * cs.padding.0 - cs.dilation.0 * (cs.kernel.0 - 1) - 1) % cs.stride.0,
                            width: (cs.input[3] + 2 * cs.padding.1 - cs.dilation.1 * (cs.kernel.1 - 1) - 1) % cs.stride.1)
            let x = convTranspose2d(g, w, stride: cs.strideSize, padding: cs.paddingSize, outputPadding: op,
                                    dilation: cs.dilationSize, groups: cs.groups)
            let tol = dtype == .float64 ? 1e-12 : 1e-5
            #expect(x.shape == cs.input && x.dtype == dtype, "\(cs)")
            #expect(LinalgCheck.close(x.scalars, cs.referenceTransposed(g.scalars, w.scalars), rtol: tol, atol: tol), "\(cs)")
        }
    }

    @Test func convTransposeGradientsAndBias() {
        let cs = convCases[1]
        let g = LinalgCheck.tensor(cs.outputShape, seed: 901), w = LinalgCheck.tensor(cs.weightShape, seed: 902)
        let b = LinalgCheck.tensor([cs.input[1]], seed: 903)
        let op = Size2D(height: 0, width: 1)   // 7 × 6 input at stride 2
        let y = convTranspose2d(g, w, bias: b, stride: 2, padding: 1, outputPadding: op)
        let plane = cs.input[2] * cs.input[3]
        let ref = cs.referenceTransposed(g.scalars, w.scalars).enumerated().map { $0.element + b.scalars[($0.offset / plane) % cs.input[1]] }
        #expect(LinalgCheck.close(y.scalars, ref, rtol: 1e-12, atol: 1e-12))
        let r = LinalgCheck.tensor(cs.input, seed: 904)
        LinalgCheck.checkDerivatives([g, w, b], seed: 905) { v in
            (convTranspose2d(v[0], v[1], bias: v[2], stride: 2, padding: 1, outputPadding: op) * r).sum()
        }
        LinalgCheck.checkHVP(w, seed: 906) { w in
            let x = convTranspose2d(g, w, stride: 2, padding: 1, outputPadding: op)
            return (x * x).sum()
        }
    }

    @Test func channelMismatchStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = conv2d(Tensor.zeros([1, 3, 5, 5]), Tensor.zeros([4, 2, 3, 3]))
        }
        if let message = standardError(of: result) {
            #expect(message.contains("conv2d: input [1, 3, 5, 5] × weight [4, 2, 3, 3]: the input has 3 channels, the weight expects 2"))
        }
    }

    @Test func kernelLargerThanInputStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = conv2d(Tensor.zeros([1, 1, 2, 2]), Tensor.zeros([1, 1, 3, 3]))
        }
        if let message = standardError(of: result) {
            #expect(message.contains("is smaller than the dilated kernel"))
        }
    }
}

/// Pooling references with plain loops over every window.
private func referencePool(_ x: [Double], _ s: [Int], k: (Int, Int), stride: (Int, Int), padding: (Int, Int),
                           max isMax: Bool) -> ([Double], [Int]) {
    let (n, c, h, w) = (s[0], s[1], s[2], s[3])
    let oh = (h + 2 * padding.0 - k.0) / stride.0 + 1, ow = (w + 2 * padding.1 - k.1) / stride.1 + 1
    var out = [Double]()
    for p in 0..<(n * c) {
        for oy in 0..<oh {
            for ox in 0..<ow {
                var best = -Double.infinity, sum = 0.0
                for i in 0..<k.0 {
                    for j in 0..<k.1 {
                        let iy = oy * stride.0 - padding.0 + i, ix = ox * stride.1 - padding.1 + j
                        guard iy >= 0 && iy < h && ix >= 0 && ix < w else { continue }
                        best = max(best, x[(p * h + iy) * w + ix])
                        sum += x[(p * h + iy) * w + ix]
                    }
                }
                out.append(isMax ? best : sum / Double(k.0 * k.1))
            }
        }
    }
    return (out, [n, c, oh, ow])
}

@Suite struct Pooling2DTests {
    static let cases: [([Int], (Int, Int), (Int, Int), (Int, Int))] = [
        ([2, 3, 4, 6], (2, 2), (2, 2), (0, 0)),
        ([1, 2, 7, 5], (3, 3), (2, 2), (1, 1)),      // overlapping windows, padding
        ([2, 1, 5, 8], (2, 4), (1, 3), (1, 2)),
        ([1, 2, 5, 5], (3, 2), (3, 1), (0, 1)),      // rounding down leaves a border
        ([2, 2, 7, 5], (2, 2), (2, 2), (0, 0)),      // the 2×2 fast path with odd sizes
    ]

    @Test(arguments: [DType.float64, DType.float32])
    func valuesMatchLoopReference(dtype: DType) {
        for (i, (s, k, st, p)) in Self.cases.enumerated() {
            let x = LinalgCheck.tensor(s, seed: UInt64(i), dtype: dtype)
            let kernel = Size2D(height: k.0, width: k.1), stride = Size2D(height: st.0, width: st.1)
            let padding = Size2D(height: p.0, width: p.1)
            let (rm, shape) = referencePool(x.scalars, s, k: k, stride: st, padding: p, max: true)
            let m = maxPool2d(x, kernelSize: kernel, stride: stride, padding: padding)
            #expect(m.shape == shape && m.dtype == dtype && m.scalars == rm)
            let (ra, _) = referencePool(x.scalars, s, k: k, stride: st, padding: p, max: false)
            let a = avgPool2d(x, kernelSize: kernel, stride: stride, padding: padding)
            let tol = dtype == .float64 ? 1e-12 : 1e-6
            #expect(a.shape == shape && LinalgCheck.close(a.scalars, ra, rtol: tol, atol: tol))
        }
    }

    @Test func knownValuesAndDefaultStride() {
        let x = Tensor.arange(0, 16).reshaped([1, 1, 4, 4])
        #expect(maxPool2d(x, kernelSize: 2).scalars == [5, 7, 13, 15])
        #expect(avgPool2d(x, kernelSize: 2).scalars == [2.5, 4.5, 10.5, 12.5])
        // Zero padding counts in the average (PyTorch's count_include_pad=True).
        #expect(avgPool2d(Tensor.ones([1, 1, 2, 2]), kernelSize: 2, stride: 1, padding: 1).scalars
                == [0.25, 0.5, 0.25, 0.5, 1, 0.5, 0.25, 0.5, 0.25])
        // −∞ padding never wins.
        #expect(maxPool2d(-Tensor.ones([1, 1, 2, 2]), kernelSize: 2, stride: 1, padding: 1).scalars
                == [Double](repeating: -1, count: 9))
    }

    @Test func gradientsAndJVPsMatchFiniteDifferences() {
        for (i, (s, k, st, p)) in Self.cases.enumerated() {
            let x = LinalgCheck.tensor(s, seed: UInt64(20 + i))
            let kernel = Size2D(height: k.0, width: k.1), stride = Size2D(height: st.0, width: st.1)
            let padding = Size2D(height: p.0, width: p.1)
            let shape = maxPool2d(x, kernelSize: kernel, stride: stride, padding: padding).shape
            let r = LinalgCheck.tensor(shape, seed: UInt64(30 + i))
            // Random data has no ties, so max pooling is differentiable there.
            LinalgCheck.checkDerivatives([x], seed: UInt64(40 + i)) { v in
                (maxPool2d(v[0], kernelSize: kernel, stride: stride, padding: padding) * r).sum()
            }
            LinalgCheck.checkDerivatives([x], seed: UInt64(50 + i)) { v in
                (avgPool2d(v[0], kernelSize: kernel, stride: stride, padding: padding) * r).sum()
            }
        }
    }

    @Test func maxPoolTieGoesToFirstMaximumAndOverlapsAccumulate() {
        let x = Tensor([[1, 3, 3], [3, 0, 2], [1, 2, 2]]).reshaped([1, 1, 3, 3])
        // Non-overlapping 2×2 window with three maxima: only the first (row-major) one.
        let g = gradient(at: x) { maxPool2d($0, kernelSize: 2).sum() }
        #expect(g.scalars == [0, 1, 0, 0, 0, 0, 0, 0, 0])
        // Stride 1: the first maximum of each window is at (0, 1), (0, 1), (1, 0), (1, 2);
        // (0, 1) wins two windows and receives both gradients.
        let h = gradient(at: x) { maxPool2d($0, kernelSize: 2, stride: 1).sum() }
        #expect(h.scalars == [0, 2, 0, 1, 0, 1, 0, 0, 0])
        let d = derivative(at: x, along: Tensor.ones([1, 1, 3, 3])) { maxPool2d($0, kernelSize: 2, stride: 1) }
        #expect(d.scalars == [1, 1, 1, 1])
    }

    @Test func maxPoolPropagatesNaN() {
        let x = Tensor([1, .nan, 5, 2], shape: [1, 1, 2, 2], dtype: .float64)
        #expect(maxPool2d(x, kernelSize: 2).scalars[0].isNaN)
        let g = gradient(at: x) { maxPool2d($0, kernelSize: 2).sum() }
        #expect(g.scalars == [0, 1, 0, 0])
        // The first NaN of a window wins, wherever it is (2×2 fast path and general loop).
        for at in 0..<4 {
            for (stride, padding) in [(2, 0), (1, 0)] as [(Size2D, Size2D)] {
                var v: [Double] = [1, 4, 3, 2]
                v[at] = .nan
                if at < 3 { v[3] = .nan }
                let y = Tensor(v, shape: [1, 1, 2, 2], dtype: .float64)
                let gy = gradient(at: y) { maxPool2d($0, kernelSize: 2, stride: stride, padding: padding).sum() }
                #expect(gy.scalars == (0..<4).map { $0 == at ? 1 : 0 }, "NaN at \(at), stride \(stride)")
            }
        }
    }

    @Test func secondOrderThroughPooling() {
        // The gather/scatter pair (max) and the average pair are closed under differentiation.
        let x = LinalgCheck.tensor([1, 2, 5, 6], seed: 61)
        LinalgCheck.checkHVP(x, seed: 62) { x in
            let m = maxPool2d(x, kernelSize: 3, stride: 2, padding: 1)
            return (m * m * m).sum()
        }
        LinalgCheck.checkHVP(x, seed: 63) { x in
            let a = avgPool2d(x * x, kernelSize: 2, stride: 1)
            return (a * a).sum()
        }
    }

    @Test func globalAveragePoolMeansOverSpace() {
        let x = LinalgCheck.tensor([2, 3, 4, 5], seed: 71)
        let g = globalAveragePool(x)
        #expect(g.shape == [2, 3])
        let v = x.scalars
        let ref = (0..<6).map { p in v[(p * 20)..<(p * 20 + 20)].reduce(0, +) / 20 }
        #expect(LinalgCheck.close(g.scalars, ref, rtol: 1e-12, atol: 1e-12))
        #expect(globalAveragePool(x, keepingDimensions: true).shape == [2, 3, 1, 1])
        let r = LinalgCheck.tensor([2, 3], seed: 72)
        LinalgCheck.checkDerivatives([x], seed: 73) { v in (globalAveragePool(v[0]) * r).sum() }
    }

    @Test func poolingFloat32Gradients() {
        let x = LinalgCheck.tensor([1, 2, 4, 4], seed: 81, dtype: .float32)
        let g = gradient(at: x) { maxPool2d($0, kernelSize: 2).sum() + avgPool2d($0, kernelSize: 2).sum() }
        #expect(g.dtype == .float32)
        let (rm, _) = referencePool(x.scalars, [1, 2, 4, 4], k: (2, 2), stride: (2, 2), padding: (0, 0), max: true)
        // Each element gets 1/4 from the average, plus 1 if it is its window's maximum.
        let maxima = Set(rm)
        let expected = x.scalars.map { maxima.contains($0) ? 1.25 : 0.25 }
        #expect(g.scalars == expected)
    }
}
