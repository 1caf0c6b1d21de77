/// Sums and means: the reductions every other reduction and every broadcast adjoint use.
extension Tensor {
    /// The sum of all elements, as a rank-0 tensor.
    ///
    /// ```swift
    /// Tensor([[1, 2], [3, 4]]).sum()     // 10
    /// ```
    public func sum() -> Tensor {
        if tracer == nil { return sumKernel(keptShape: [Int](repeating: 1, count: rank)).reshapedPlain([]) }
        let from = shape
        return Tensor.primitive("sum", [self], value: { $0[0].sum() },
            jvp: { _, t, _ in t[0]!.sum() },
            backward: .cotangent { g, _ in [g.broadcast(to: from)] })
    }

    /// The sum along `axes` (negative axes count from the end); reduced axes are kept
    /// with extent 1 when `keepingDimensions` is true.
    ///
    /// ```swift
    /// let m = Tensor([[1, 2], [3, 4]])
    /// m.sum(alongAxes: [0])                              // [4, 6]
    /// m.sum(alongAxes: [1], keepingDimensions: true)     // [[3], [7]]
    /// ```
    public func sum(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        var keptShape = shape
        for a in axes { keptShape[Shape.axis(a, rank: rank, "sum")] = 1 }
        var reducedShape = keptShape
        if !keepingDimensions {
            reducedShape.removeAll(keepingCapacity: true)
            for (i, d) in shape.enumerated() where !axes.contains(where: { Shape.axis($0, rank: rank, "sum") == i }) {
                reducedShape.append(d)
            }
        }
        if tracer == nil { return sumKernel(keptShape: keptShape).reshapedPlain(reducedShape) }
        let from = shape, kept = keptShape, outShape = reducedShape
        return Tensor.primitive("sum", [self], value: { $0[0].sumKernel(keptShape: kept).reshapedPlain(outShape) },
            jvp: { _, t, _ in t[0]!.sum(alongAxes: axes, keepingDimensions: keepingDimensions) },
            backward: .cotangent { g, _ in [g.reshaped(kept).broadcast(to: from)] })
    }

    /// The sum along one axis.
    ///
    /// ```swift
    /// Tensor([[1, 2], [3, 4]]).sum(alongAxis: -1)    // [3, 7]
    /// ```
    public func sum(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        sum(alongAxes: [axis], keepingDimensions: keepingDimensions)
    }

    /// The mean of all elements.
    ///
    /// ```swift
    /// Tensor([1, 2, 3, 4]).mean()     // 2.5
    /// ```
    public func mean() -> Tensor { sum() / Double(Swift.max(count, 1)) }

    /// The mean along `axes`.
    ///
    /// ```swift
    /// Tensor([[1, 2], [3, 4]]).mean(alongAxes: [0])    // [2, 3]
    /// ```
    public func mean(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let n = Set(axes.map { Shape.axis($0, rank: rank, "mean") }).reduce(1) { $0 * shape[$1] }
        return sum(alongAxes: axes, keepingDimensions: keepingDimensions) / Double(Swift.max(n, 1))
    }

    /// The mean along one axis.
    ///
    /// ```swift
    /// Tensor([[1, 2], [3, 4]]).mean(alongAxis: 1)    // [1.5, 3.5]
    /// ```
    public func mean(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        mean(alongAxes: [axis], keepingDimensions: keepingDimensions)
    }

    @inline(__always)
    func reshapedPlain(_ s: [Int]) -> Tensor { Tensor(shape: s, data: data) }

    /// Sums a plain tensor into `keptShape` (its shape with reduced axes set to 1).
    func sumKernel(keptShape: [Int]) -> Tensor {
        let n = Shape.count(keptShape)
        let from = shape
        func reduce<S: TensorScalar>(_ a: [S]) -> [S] {
            if n == 1 { return a.withUnsafeBufferPointer { [Tensor.rowSum($0, 0, $0.count, 1)] } }
            var out = [S](repeating: 0, count: n)
            a.withUnsafeBufferPointer { x in
                out.withUnsafeMutableBufferPointer { y in
                    Shape.forEachRow(broadcasting: from, keptShape, to: from) { offIn, offOut, len, ii, io in
                        if io == 0 {
                            y[offOut] += Tensor.rowSum(x, offIn, len, ii)
                        } else if io == 1 && ii == 1 {
                            Tensor.addRow(y.baseAddress! + offOut, x.baseAddress! + offIn, len)
                        } else {
                            for k in 0..<len { y[offOut + k * io] += x[offIn + k * ii] }
                        }
                    }
                }
            }
            return out
        }
        switch data {
        case .float32(let a): return Tensor(shape: keptShape, data: .float32(reduce(a)))
        case .float64(let a): return Tensor(shape: keptShape, data: .float64(reduce(a)))
        }
    }

    /// `y[k] += x[k]` for `k < count`. Eight elements are loaded before any is stored, so
    /// the compiler can use vector instructions without proving that `y` and `x` are apart.
    @inline(__always)
    static func addRow<S: TensorScalar>(_ y: UnsafeMutablePointer<S>, _ x: UnsafePointer<S>, _ count: Int) {
        var k = 0
        while k + 8 <= count {
            let x0 = x[k], x1 = x[k + 1], x2 = x[k + 2], x3 = x[k + 3]
            let x4 = x[k + 4], x5 = x[k + 5], x6 = x[k + 6], x7 = x[k + 7]
            let y0 = y[k], y1 = y[k + 1], y2 = y[k + 2], y3 = y[k + 3]
            let y4 = y[k + 4], y5 = y[k + 5], y6 = y[k + 6], y7 = y[k + 7]
            y[k] = y0 + x0; y[k + 1] = y1 + x1; y[k + 2] = y2 + x2; y[k + 3] = y3 + x3
            y[k + 4] = y4 + x4; y[k + 5] = y5 + x5; y[k + 6] = y6 + x6; y[k + 7] = y7 + x7
            k += 8
        }
        while k < count { y[k] += x[k]; k += 1 }
    }

    /// The sum of `count` elements of `x` from `start`, `stride` apart. Four running sums
    /// let the additions overlap (a single sum waits on each addition in turn).
    @inline(__always)
    static func rowSum<S: TensorScalar>(_ x: UnsafeBufferPointer<S>, _ start: Int, _ count: Int, _ stride: Int) -> S {
        var s0: S = 0, s1: S = 0, s2: S = 0, s3: S = 0
        var k = 0, p = start
        if stride == 1 {
            while k + 4 <= count {
                s0 += x[p]; s1 += x[p + 1]; s2 += x[p + 2]; s3 += x[p + 3]
                k += 4; p += 4
            }
        }
        while k < count { s0 += x[p]; k += 1; p += stride }
        return (s0 + s1) + (s2 + s3)
    }
}
