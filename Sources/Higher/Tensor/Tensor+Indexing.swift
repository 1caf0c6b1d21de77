/// Slicing, index selection along an axis and constant padding, with the strided copy
/// kernels that the shape operations share.
///
/// The linear operations come in adjoint pairs, each a primitive whose backward rule is
/// the other one: slice ↔ pad, gather ↔ scatter-add, element gather ↔ element
/// scatter-add. Their derivatives of every order therefore stay inside this set.
extension Tensor {
    // MARK: Slicing

    /// The sub-tensor covering `ranges`: one half-open range per leading axis; axes
    /// without a range are kept whole.
    ///
    /// Bounds must satisfy `0 ≤ lowerBound ≤ upperBound ≤ extent` (no negative indices).
    /// The gradient pads the incoming cotangent with zeros back to this tensor's shape.
    ///
    /// ```swift
    /// let m = Tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
    /// m.sliced([1..<3, 0..<2])     // [[4, 5], [7, 8]]
    /// ```
    public func sliced(_ ranges: [Range<Int>]) -> Tensor {
        precondition(ranges.count <= rank,
                     "slice: \(ranges.count) ranges for a tensor of shape \(shape)")
        var lower = [Int](repeating: 0, count: rank)
        var upper = shape
        for (i, r) in ranges.enumerated() {
            precondition(r.lowerBound >= 0 && r.upperBound <= shape[i],
                         "slice: range \(r) is out of bounds for axis \(i) of extent \(shape[i]) (shape \(shape))")
            lower[i] = r.lowerBound
            upper[i] = r.upperBound
        }
        return slicedBox(lower, upper)
    }

    /// The elements whose index along `axis` lies in `range` (negative axes count from
    /// the end; the range itself must lie within `0...extent`).
    ///
    /// ```swift
    /// let m = Tensor([[1, 2, 3], [4, 5, 6]])
    /// m.sliced(alongAxis: 1, 1..<3)     // [[2, 3], [5, 6]]
    /// m.sliced(alongAxis: -2, 0..<1)    // [[1, 2, 3]]
    /// ```
    public func sliced(alongAxis axis: Int, _ range: Range<Int>) -> Tensor {
        precondition(rank > 0, "slice: a rank-0 tensor has no axis to slice")
        let a = Shape.axis(axis, rank: rank, "slice")
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[a],
                     "slice: range \(range) is out of bounds for axis \(axis) of extent \(shape[a]) (shape \(shape))")
        var lower = [Int](repeating: 0, count: rank)
        var upper = shape
        lower[a] = range.lowerBound
        upper[a] = range.upperBound
        return slicedBox(lower, upper)
    }

    /// The slice at `index` along the first axis, with that axis removed (negative
    /// indices count from the end).
    ///
    /// ```swift
    /// let m = Tensor([[1, 2], [3, 4]])
    /// m[1]       // [3, 4]
    /// m[-1][0]   // 3, a rank-0 tensor
    /// ```
    public subscript(index: Int) -> Tensor {
        precondition(rank > 0, "subscript: a rank-0 tensor cannot be indexed (index \(index))")
        let i = index < 0 ? index + shape[0] : index
        precondition(i >= 0 && i < shape[0],
                     "subscript: index \(index) is out of range for axis 0 of extent \(shape[0]) (shape \(shape))")
        return sliced(alongAxis: 0, i..<(i + 1)).reshaped(Array(shape.dropFirst()))
    }

    /// The slices along the first axis whose indices lie in `range`; the axis is kept.
    ///
    /// ```swift
    /// let t = Tensor([1, 2, 3, 4, 5])
    /// t[1..<3]     // [2, 3]
    /// t[2...]      // [3, 4, 5]
    /// t[..<2]      // [1, 2]
    /// ```
    public subscript<R: RangeExpression>(range: R) -> Tensor where R.Bound == Int {
        precondition(rank > 0, "subscript: a rank-0 tensor cannot be sliced")
        return sliced(alongAxis: 0, range.relative(to: 0..<shape[0]))
    }

    /// The slice between per-axis bounds, as a primitive whose adjoint is zero padding.
    func slicedBox(_ lower: [Int], _ upper: [Int]) -> Tensor {
        if upper == shape && lower.allSatisfy({ $0 == 0 }) { return self }
        if tracer == nil { return sliceKernel(lower, upper) }
        let from = shape
        return Tensor.primitive("slice", [self], value: { $0[0].sliceKernel(lower, upper) },
            jvp: { _, t, _ in t[0]!.slicedBox(lower, upper) },
            backward: .cotangent { g, _ in
                [g.paddedBox(before: lower, after: (0..<from.count).map { from[$0] - upper[$0] }, value: 0)]
            })
    }

    func sliceKernel(_ lower: [Int], _ upper: [Int]) -> Tensor {
        let outShape = (0..<rank).map { upper[$0] - lower[$0] }
        let st = Shape.strides(shape)
        var offset = 0
        for i in 0..<rank { offset += lower[i] * st[i] }
        return stridedCopy(shape: outShape, strides: st, offset: offset)
    }

    // MARK: Padding

    /// This tensor surrounded by `value`: `paddings[i]` elements before and after it on
    /// axis `i`, one pair per axis.
    ///
    /// The gradient is the slice of the cotangent that covers the original elements;
    /// the padding value is a constant.
    ///
    /// ```swift
    /// let v = Tensor([1, 2])
    /// v.padded([(before: 1, after: 2)])              // [0, 1, 2, 0, 0]
    /// Tensor([[1]]).padded([(1, 0), (0, 1)], value: 9)  // [[9, 9], [1, 9]]
    /// ```
    public func padded(_ paddings: [(before: Int, after: Int)], value: Double = 0) -> Tensor {
        precondition(paddings.count == rank,
                     "pad: \(paddings.count) padding pairs for a tensor of shape \(shape) (one per axis)")
        precondition(paddings.allSatisfy { $0.before >= 0 && $0.after >= 0 },
                     "pad: negative padding \(paddings.map { [$0.before, $0.after] }) for shape \(shape)")
        return paddedBox(before: paddings.map(\.before), after: paddings.map(\.after), value: value)
    }

    /// This tensor padded with `value` on one axis only.
    ///
    /// ```swift
    /// Tensor([[1, 2]]).padded(alongAxis: -1, before: 1, after: 0)   // [[0, 1, 2]]
    /// ```
    public func padded(alongAxis axis: Int, before: Int, after: Int, value: Double = 0) -> Tensor {
        precondition(rank > 0, "pad: a rank-0 tensor has no axis to pad")
        let a = Shape.axis(axis, rank: rank, "pad")
        precondition(before >= 0 && after >= 0, "pad: negative padding (\(before), \(after)) on axis \(axis) of shape \(shape)")
        var b = [Int](repeating: 0, count: rank)
        var e = b
        b[a] = before
        e[a] = after
        return paddedBox(before: b, after: e, value: value)
    }

    /// Constant padding as a primitive whose adjoint is a slice.
    func paddedBox(before: [Int], after: [Int], value: Double) -> Tensor {
        if before.allSatisfy({ $0 == 0 }) && after.allSatisfy({ $0 == 0 }) { return self }
        if tracer == nil { return padKernel(before, after, value) }
        let from = shape
        return Tensor.primitive("pad", [self], value: { $0[0].padKernel(before, after, value) },
            jvp: { _, t, _ in t[0]!.paddedBox(before: before, after: after, value: 0) },
            backward: .cotangent { g, _ in [g.slicedBox(before, (0..<from.count).map { before[$0] + from[$0] })] })
    }

    func padKernel(_ before: [Int], _ after: [Int], _ value: Double) -> Tensor {
        let outShape = (0..<rank).map { shape[$0] + before[$0] + after[$0] }
        let outStrides = Shape.strides(outShape)
        var offset = 0
        for i in 0..<rank { offset += before[i] * outStrides[i] }
        let (cs, ci, co) = Shape.coalesce(shape, Shape.strides(shape), outStrides)
        func pad<S: TensorScalar>(_ a: [S]) -> [S] {
            var out = [S](repeating: S(value), count: Shape.count(outShape))
            a.withUnsafeBufferPointer { x in
                out.withUnsafeMutableBufferPointer { y in
                    Shape.forEachRow(cs, ci, co) { offIn, offOut, len, ii, io in
                        var p = offIn, q = offset + offOut
                        for _ in 0..<len { y[q] = x[p]; p += ii; q += io }
                    }
                }
            }
            return out
        }
        switch data {
        case .float32(let a): return Tensor(shape: outShape, data: .float32(pad(a)))
        case .float64(let a): return Tensor(shape: outShape, data: .float64(pad(a)))
        }
    }

    // MARK: Index selection

    /// The slices at `indices` along `axis`, in that order and with repeats allowed
    /// (PyTorch's `index_select`, NumPy's `take`). Negative indices count from the end.
    ///
    /// The result has extent `indices.count` on `axis`. The gradient adds each slice of
    /// the cotangent back at its index (``scatteringAdd(atIndices:alongAxis:extent:)``),
    /// so a repeated index receives the sum of its cotangents.
    ///
    /// ```swift
    /// let m = Tensor([[1, 2], [3, 4], [5, 6]])
    /// m.gathering(atIndices: [2, 0, 2])                 // [[5, 6], [1, 2], [5, 6]]
    /// m.gathering(atIndices: [-1], alongAxis: 1)        // [[2], [4], [6]]
    /// ```
    public func gathering(atIndices indices: [Int], alongAxis axis: Int = 0) -> Tensor {
        precondition(rank > 0, "gather: a rank-0 tensor has no axis to index")
        let a = Shape.axis(axis, rank: rank, "gather")
        let n = shape[a]
        let idx = indices.map { i -> Int in
            let j = i < 0 ? i + n : i
            precondition(j >= 0 && j < n,
                         "gather: index \(i) is out of range for axis \(axis) of extent \(n) (shape \(shape))")
            return j
        }
        return gatherPrimitive(idx, a)
    }

    /// A tensor of zeros with extent `extent` on `axis` (this tensor's extents
    /// elsewhere), into which slice `k` of this tensor along `axis` is added at index
    /// `indices[k]`: PyTorch's `index_add` into zeros, the adjoint of
    /// ``gathering(atIndices:alongAxis:)``. Repeated indices accumulate.
    ///
    /// ```swift
    /// let rows = Tensor([[1, 1], [2, 2], [3, 3]])
    /// rows.scatteringAdd(atIndices: [0, 2, 0], extent: 3)   // [[4, 4], [0, 0], [2, 2]]
    /// ```
    public func scatteringAdd(atIndices indices: [Int], alongAxis axis: Int = 0, extent: Int) -> Tensor {
        precondition(rank > 0, "scatterAdd: a rank-0 tensor has no axis to scatter along")
        let a = Shape.axis(axis, rank: rank, "scatterAdd")
        precondition(indices.count == shape[a],
                     "scatterAdd: \(indices.count) indices for extent \(shape[a]) on axis \(axis) (shape \(shape))")
        precondition(extent >= 0, "scatterAdd: negative extent \(extent)")
        let idx = indices.map { i -> Int in
            let j = i < 0 ? i + extent : i
            precondition(j >= 0 && j < extent,
                         "scatterAdd: index \(i) is out of range for extent \(extent) on axis \(axis)")
            return j
        }
        return scatterAddPrimitive(idx, a, extent)
    }

    func gatherPrimitive(_ idx: [Int], _ a: Int) -> Tensor {
        if tracer == nil { return gatherKernel(idx, a) }
        let n = shape[a]
        return Tensor.primitive("gather", [self], value: { $0[0].gatherKernel(idx, a) },
            jvp: { _, t, _ in t[0]!.gatherPrimitive(idx, a) },
            backward: .cotangent { g, _ in [g.scatterAddPrimitive(idx, a, n)] })
    }

    func scatterAddPrimitive(_ idx: [Int], _ a: Int, _ extent: Int) -> Tensor {
        if tracer == nil { return scatterAddKernel(idx, a, extent) }
        return Tensor.primitive("scatterAdd", [self], value: { $0[0].scatterAddKernel(idx, a, extent) },
            jvp: { _, t, _ in t[0]!.scatterAddPrimitive(idx, a, extent) },
            backward: .cotangent { g, _ in [g.gatherPrimitive(idx, a)] })
    }

    /// `(outer, extent, inner)`: the element counts before, on and after axis `a`.
    @inline(__always)
    func axisSplit(_ a: Int) -> (outer: Int, extent: Int, inner: Int) {
        (Shape.count(Array(shape[..<a])), shape[a], Shape.count(Array(shape[(a + 1)...])))
    }

    func gatherKernel(_ idx: [Int], _ a: Int) -> Tensor {
        let (outer, n, inner) = axisSplit(a)
        var outShape = shape
        outShape[a] = idx.count
        let k = idx.count
        func gather<S: TensorScalar>(_ src: [S]) -> [S] {
            src.withUnsafeBufferPointer { x in
                makeArray(outer * k * inner) { y in
                    guard let xb = x.baseAddress, let yb = y.baseAddress else { return }
                    for o in 0..<outer {
                        for (j, i) in idx.enumerated() {
                            (yb + (o * k + j) * inner).initialize(from: xb + (o * n + i) * inner, count: inner)
                        }
                    }
                }
            }
        }
        switch data {
        case .float32(let s): return Tensor(shape: outShape, data: .float32(gather(s)))
        case .float64(let s): return Tensor(shape: outShape, data: .float64(gather(s)))
        }
    }

    func scatterAddKernel(_ idx: [Int], _ a: Int, _ extent: Int) -> Tensor {
        let (outer, k, inner) = axisSplit(a)
        var outShape = shape
        outShape[a] = extent
        func scatter<S: TensorScalar>(_ src: [S]) -> [S] {
            var out = [S](repeating: 0, count: outer * extent * inner)
            src.withUnsafeBufferPointer { x in
                out.withUnsafeMutableBufferPointer { y in
                    for o in 0..<outer {
                        for (j, i) in idx.enumerated() {
                            let p = (o * k + j) * inner, q = (o * extent + i) * inner
                            for e in 0..<inner { y[q + e] += x[p + e] }
                        }
                    }
                }
            }
            return out
        }
        switch data {
        case .float32(let s): return Tensor(shape: outShape, data: .float32(scatter(s)))
        case .float64(let s): return Tensor(shape: outShape, data: .float64(scatter(s)))
        }
    }

    // MARK: Element-wise index selection

    /// For every position, the element along `axis` at the index given for that
    /// position (NumPy's `take_along_axis`, PyTorch's `gather`).
    ///
    /// `indices` is read as a row-major tensor with this tensor's shape except for an
    /// extent `k` on `axis`, where `k = indices.count / (elements per slice of axis)`.
    /// The typical use picks one entry per row (`k == 1`), such as the log-probability of
    /// each example's label. Negative indices count from the end. When this tensor has
    /// no rows (an extent 0 off `axis`), `k` is taken as 1.
    ///
    /// ```swift
    /// let logits = Tensor([[1, 2, 3], [4, 5, 6]])
    /// logits.gatheringElements(atIndices: [2, 0], alongAxis: 1)   // [[3], [4]]
    /// ```
    public func gatheringElements(atIndices indices: [Int], alongAxis axis: Int) -> Tensor {
        precondition(rank > 0, "gatherElements: a rank-0 tensor has no axis to index")
        let a = Shape.axis(axis, rank: rank, "gatherElements")
        let (outer, n, inner) = axisSplit(a)
        let rows = outer * inner
        let k = rows == 0 ? 1 : indices.count / rows
        precondition(rows == 0 ? indices.isEmpty : indices.count == k * rows,
                     "gatherElements: \(indices.count) indices do not fill \(rows) rows along axis \(axis) of shape \(shape)")
        let idx = indices.map { i -> Int in
            let j = i < 0 ? i + n : i
            precondition(j >= 0 && j < n,
                         "gatherElements: index \(i) is out of range for axis \(axis) of extent \(n) (shape \(shape))")
            return j
        }
        return gatherElementsPrimitive(idx, a, k)
    }

    /// A tensor of zeros with extent `extent` on `axis`, into which each element of this
    /// tensor is added at the index given for its position along `axis`: the adjoint of
    /// ``gatheringElements(atIndices:alongAxis:)`` (PyTorch's `scatter_add` into zeros).
    /// `indices` has one entry per element of this tensor, in row-major order.
    ///
    /// ```swift
    /// Tensor([[1], [2]]).scatteringAddElements(atIndices: [2, 0], alongAxis: 1, extent: 3)
    /// // [[0, 0, 1], [2, 0, 0]]
    /// ```
    public func scatteringAddElements(atIndices indices: [Int], alongAxis axis: Int, extent: Int) -> Tensor {
        precondition(rank > 0, "scatterAddElements: a rank-0 tensor has no axis to scatter along")
        let a = Shape.axis(axis, rank: rank, "scatterAddElements")
        precondition(indices.count == count,
                     "scatterAddElements: \(indices.count) indices for \(count) elements (shape \(shape))")
        precondition(extent >= 0, "scatterAddElements: negative extent \(extent)")
        let idx = indices.map { i -> Int in
            let j = i < 0 ? i + extent : i
            precondition(j >= 0 && j < extent,
                         "scatterAddElements: index \(i) is out of range for extent \(extent) on axis \(axis)")
            return j
        }
        return scatterAddElementsPrimitive(idx, a, extent)
    }

    func gatherElementsPrimitive(_ idx: [Int], _ a: Int, _ k: Int) -> Tensor {
        if tracer == nil { return gatherElementsKernel(idx, a, k) }
        let n = shape[a]
        return Tensor.primitive("gatherElements", [self], value: { $0[0].gatherElementsKernel(idx, a, k) },
            jvp: { _, t, _ in t[0]!.gatherElementsPrimitive(idx, a, k) },
            backward: .cotangent { g, _ in [g.scatterAddElementsPrimitive(idx, a, n)] })
    }

    func scatterAddElementsPrimitive(_ idx: [Int], _ a: Int, _ extent: Int) -> Tensor {
        if tracer == nil { return scatterAddElementsKernel(idx, a, extent) }
        let k = shape[a]
        return Tensor.primitive("scatterAddElements", [self],
            value: { $0[0].scatterAddElementsKernel(idx, a, extent) },
            jvp: { _, t, _ in t[0]!.scatterAddElementsPrimitive(idx, a, extent) },
            backward: .cotangent { g, _ in [g.gatherElementsPrimitive(idx, a, k)] })
    }

    func gatherElementsKernel(_ idx: [Int], _ a: Int, _ k: Int) -> Tensor {
        let (outer, n, inner) = axisSplit(a)
        var outShape = shape
        outShape[a] = k
        func gather<S: TensorScalar>(_ src: [S]) -> [S] {
            src.withUnsafeBufferPointer { x in
                idx.withUnsafeBufferPointer { ix in
                    makeArray(outer * k * inner) { y in
                        for o in 0..<outer {
                            for j in 0..<k {
                                let q = (o * k + j) * inner
                                for e in 0..<inner { y[q + e] = x[(o * n + ix[q + e]) * inner + e] }
                            }
                        }
                    }
                }
            }
        }
        switch data {
        case .float32(let s): return Tensor(shape: outShape, data: .float32(gather(s)))
        case .float64(let s): return Tensor(shape: outShape, data: .float64(gather(s)))
        }
    }

    func scatterAddElementsKernel(_ idx: [Int], _ a: Int, _ extent: Int) -> Tensor {
        let (outer, k, inner) = axisSplit(a)
        var outShape = shape
        outShape[a] = extent
        func scatter<S: TensorScalar>(_ src: [S]) -> [S] {
            var out = [S](repeating: 0, count: outer * extent * inner)
            src.withUnsafeBufferPointer { x in
                idx.withUnsafeBufferPointer { ix in
                    out.withUnsafeMutableBufferPointer { y in
                        for o in 0..<outer {
                            for j in 0..<k {
                                let p = (o * k + j) * inner
                                for e in 0..<inner { y[(o * extent + ix[p + e]) * inner + e] += x[p + e] }
                            }
                        }
                    }
                }
            }
            return out
        }
        switch data {
        case .float32(let s): return Tensor(shape: outShape, data: .float32(scatter(s)))
        case .float64(let s): return Tensor(shape: outShape, data: .float64(scatter(s)))
        }
    }

    // MARK: Strided copy

    /// A contiguous copy of the elements at `offset + Σ index[i] · strides[i]` for every
    /// index of `shape`: the kernel behind slicing and permuting axes.
    func stridedCopy(shape outShape: [Int], strides: [Int], offset: Int) -> Tensor {
        switch data {
        case .float32(let a):
            return Tensor(shape: outShape, data: .float32(Tensor.stridedCopy(a, outShape, strides, offset)))
        case .float64(let a):
            return Tensor(shape: outShape, data: .float64(Tensor.stridedCopy(a, outShape, strides, offset)))
        }
    }

    static func stridedCopy<S: TensorScalar>(_ a: [S], _ shape: [Int], _ strides: [Int], _ offset: Int) -> [S] {
        let n = Shape.count(shape)
        if n == 0 { return [] }
        let (cs, ci, co) = Shape.coalesce(shape, strides, Shape.strides(shape))
        if cs.count <= 1 && (ci.first ?? 1) == 1 { return Array(a[offset..<(offset + n)]) }
        return a.withUnsafeBufferPointer { x in
            makeArray(n) { y in
                let r = cs.count
                if r >= 2 && ci[r - 1] != 1, let q = ci.firstIndex(of: 1) {
                    // Reading the inner axis with a large stride (a transpose): copy in
                    // small square tiles so that both sides stay in cache. 8 measured best
                    // on power-of-two strides, where larger tiles thrash the cache sets.
                    let tile = 8
                    var outer = cs
                    outer[q] = 1
                    outer[r - 1] = 1
                    let nq = cs[q], nl = cs[r - 1], sl = ci[r - 1], oq = co[q]
                    Shape.forEachRow(outer, ci, co) { offIn, offOut, _, _, _ in
                        var i0 = 0
                        while i0 < nq {
                            let i1 = Swift.min(i0 + tile, nq)
                            var j0 = 0
                            while j0 < nl {
                                let j1 = Swift.min(j0 + tile, nl)
                                for i in i0..<i1 {
                                    let src = offset + offIn + i, dst = offOut + i * oq
                                    for j in j0..<j1 { y[dst + j] = x[src + j * sl] }
                                }
                                j0 = j1
                            }
                            i0 = i1
                        }
                    }
                } else {
                    Shape.forEachRow(cs, ci, co) { offIn, offOut, len, ii, _ in
                        if ii == 1 {
                            (y.baseAddress! + offOut).initialize(from: x.baseAddress! + offset + offIn, count: len)
                        } else {
                            var p = offset + offIn
                            for k in 0..<len { y[offOut + k] = x[p]; p += ii }
                        }
                    }
                }
            }
        }
    }
}

extension Shape {
    /// Drops extent-1 axes and merges neighbouring axes that are contiguous in both
    /// layouts, so strided loops run over as few, as long rows as possible.
    static func coalesce(_ shape: [Int], _ a: [Int], _ b: [Int]) -> (shape: [Int], a: [Int], b: [Int]) {
        var s = [Int](), sa = [Int](), sb = [Int]()
        s.reserveCapacity(shape.count)
        sa.reserveCapacity(shape.count)
        sb.reserveCapacity(shape.count)
        for i in 0..<shape.count where shape[i] != 1 {
            if let last = s.indices.last, sa[last] == a[i] &* shape[i], sb[last] == b[i] &* shape[i] {
                s[last] &*= shape[i]
                sa[last] = a[i]
                sb[last] = b[i]
            } else {
                s.append(shape[i])
                sa.append(a[i])
                sb.append(b[i])
            }
        }
        return (s, sa, sb)
    }
}
