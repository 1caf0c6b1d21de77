/// Reductions beyond sum and mean: variance, max and min, argmax and argmin, and the
/// numerically stable log-sum-exp, softmax and log-softmax.
extension Tensor {
    // MARK: Variance

    /// The variance along `axes`: `Σ (x − mean)² / (n − correction)`, with `n` the number
    /// of elements reduced over.
    ///
    /// The default `correction: 1` is the unbiased sample variance, as `torch.var`
    /// computes by default. Pass `correction: 0` for the population variance (NumPy's
    /// default, and what batch and layer normalisation use). When `n ≤ correction` the
    /// division gives infinity or NaN, as in PyTorch.
    ///
    /// ```swift
    /// let m = Tensor([[1, 2], [3, 6]])
    /// m.variance(alongAxes: [1])                     // [0.5, 4.5]
    /// m.variance(alongAxes: [1], correction: 0)      // [0.25, 2.25]
    /// m.variance(alongAxes: [0, 1], keepingDimensions: true).shape   // [1, 1]
    /// ```
    public func variance(alongAxes axes: [Int], keepingDimensions: Bool = false, correction: Int = 1) -> Tensor {
        let reduced = reductionLayout(axes, "variance", keepingDimensions: keepingDimensions).axes
        let n = reduced.reduce(1) { $0 * shape[$1] }
        let d = self - mean(alongAxes: reduced, keepingDimensions: true)
        return (d * d).sum(alongAxes: reduced, keepingDimensions: keepingDimensions) / Double(n - correction)
    }

    /// The variance along one axis (unbiased by default; see ``variance(alongAxes:keepingDimensions:correction:)``).
    ///
    /// ```swift
    /// Tensor([[1, 2], [3, 6]]).variance(alongAxis: 0)    // [2, 8]
    /// ```
    public func variance(alongAxis axis: Int, keepingDimensions: Bool = false, correction: Int = 1) -> Tensor {
        variance(alongAxes: [axis], keepingDimensions: keepingDimensions, correction: correction)
    }

    /// The variance of all elements, as a rank-0 tensor (unbiased by default; see
    /// ``variance(alongAxes:keepingDimensions:correction:)``).
    ///
    /// ```swift
    /// Tensor([1, 2, 3, 4]).variance()                 // 1.6667
    /// Tensor([1, 2, 3, 4]).variance(correction: 0)    // 1.25
    /// ```
    public func variance(correction: Int = 1) -> Tensor {
        variance(alongAxes: Array(0..<rank), correction: correction)
    }

    /// The standard deviation along `axes`: the square root of
    /// ``variance(alongAxes:keepingDimensions:correction:)``, unbiased (`correction: 1`)
    /// by default as in `torch.std`.
    ///
    /// Where the variance is 0 (a constant slice) the derivative of the square root is
    /// infinite, so the gradient there is NaN, as in PyTorch.
    ///
    /// ```swift
    /// Tensor([[1, 3], [2, 2]]).standardDeviation(alongAxes: [1], correction: 0)   // [1, 0]
    /// ```
    public func standardDeviation(alongAxes axes: [Int], keepingDimensions: Bool = false, correction: Int = 1) -> Tensor {
        variance(alongAxes: axes, keepingDimensions: keepingDimensions, correction: correction).sqrt()
    }

    /// The standard deviation along one axis (unbiased by default).
    ///
    /// ```swift
    /// Tensor([[1, 2], [3, 6]]).standardDeviation(alongAxis: 0)    // [√2, √8]
    /// ```
    public func standardDeviation(alongAxis axis: Int, keepingDimensions: Bool = false, correction: Int = 1) -> Tensor {
        standardDeviation(alongAxes: [axis], keepingDimensions: keepingDimensions, correction: correction)
    }

    /// The standard deviation of all elements (unbiased by default).
    ///
    /// ```swift
    /// Tensor([1, 2, 3, 4]).standardDeviation(correction: 0)    // √1.25
    /// ```
    public func standardDeviation(correction: Int = 1) -> Tensor {
        standardDeviation(alongAxes: Array(0..<rank), correction: correction)
    }

    // MARK: Max and min

    /// The largest element along `axes` (negative axes count from the end); the reduced
    /// axes must not be empty. NaN propagates.
    ///
    /// Where several elements tie for the maximum, the gradient is split evenly among
    /// them (like `torch.amax`): for `[1, 3, 3]` it is `[0, ½, ½]`. This keeps the
    /// derivative of `x.max()` equal for the permutations of `x`.
    ///
    /// ```swift
    /// let m = Tensor([[1, 5], [7, 2]])
    /// m.max(alongAxes: [0])                              // [7, 5]
    /// m.max(alongAxes: [1], keepingDimensions: true)     // [[5], [7]]
    /// ```
    public func max(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        extremum(axes, keepingDimensions, largest: true)
    }

    /// The largest element along one axis (ties share the gradient evenly).
    ///
    /// ```swift
    /// Tensor([[1, 5], [7, 2]]).max(alongAxis: -1)     // [5, 7]
    /// ```
    public func max(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        extremum([axis], keepingDimensions, largest: true)
    }

    /// The largest element, as a rank-0 tensor (ties share the gradient evenly).
    ///
    /// ```swift
    /// Tensor([3, 9, 4]).max()     // 9
    /// ```
    public func max() -> Tensor { extremum(Array(0..<rank), false, largest: true) }

    /// The smallest element along `axes`; the reduced axes must not be empty. NaN
    /// propagates, and ties share the gradient evenly (see ``max(alongAxes:keepingDimensions:)``).
    ///
    /// ```swift
    /// Tensor([[1, 5], [7, 2]]).min(alongAxes: [0])     // [1, 2]
    /// ```
    public func min(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        extremum(axes, keepingDimensions, largest: false)
    }

    /// The smallest element along one axis (ties share the gradient evenly).
    ///
    /// ```swift
    /// Tensor([[1, 5], [7, 2]]).min(alongAxis: 1, keepingDimensions: true)   // [[1], [2]]
    /// ```
    public func min(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        extremum([axis], keepingDimensions, largest: false)
    }

    /// The smallest element, as a rank-0 tensor (ties share the gradient evenly).
    ///
    /// ```swift
    /// Tensor([3, 9, 4]).min()     // 3
    /// ```
    public func min() -> Tensor { extremum(Array(0..<rank), false, largest: false) }

    func extremum(_ axes: [Int], _ keep: Bool, largest: Bool) -> Tensor {
        let op = largest ? "max" : "min"
        let (reduced, kept, outShape) = reductionLayout(axes, op, keepingDimensions: keep)
        for a in reduced {
            precondition(shape[a] > 0, "\(op): cannot reduce over axis \(a) of extent 0 (shape \(shape))")
        }
        if tracer == nil { return extremumKernel(kept, largest).reshapedPlain(outShape) }
        return Tensor.primitive(op, [self], value: { $0[0].extremumKernel(kept, largest).reshapedPlain(outShape) },
            jvp: { x, t, out in
                let (mask, ties) = x[0].extremumMask(out, kept)
                return ((t[0]! * mask).sum(alongAxes: reduced, keepingDimensions: true) / ties).reshaped(outShape)
            },
            backward: .all { x, out, g in
                let (mask, ties) = x[0].extremumMask(out, kept)
                return [(g.reshaped(kept) / ties) * mask]
            })
    }

    func extremumKernel(_ kept: [Int], _ largest: Bool) -> Tensor {
        switch data {
        case .float32(let a):
            let r = largest ? reduceRows(a, kept, -.infinity, MaxReduce()) : reduceRows(a, kept, .infinity, MinReduce())
            return Tensor(shape: kept, data: .float32(r))
        case .float64(let a):
            let r = largest ? reduceRows(a, kept, -.infinity, MaxReduce()) : reduceRows(a, kept, .infinity, MinReduce())
            return Tensor(shape: kept, data: .float64(r))
        }
    }

    /// A constant 0/1 mask of the elements equal to their reduced extremum `out`, and
    /// the number of such elements per reduced slice (in the `kept` shape).
    func extremumMask(_ out: Tensor, _ kept: [Int]) -> (mask: Tensor, ties: Tensor) {
        let (cs, ci, ck) = Shape.coalesce(shape, Shape.strides(shape), keptStrides(kept))
        func build<S: TensorScalar>(_ a: [S], _ m: [S]) -> ([S], [S]) {
            var mask = [S](repeating: 0, count: a.count)
            var ties = [S](repeating: 0, count: m.count)
            a.withUnsafeBufferPointer { x in
                m.withUnsafeBufferPointer { e in
                    mask.withUnsafeMutableBufferPointer { w in
                        ties.withUnsafeMutableBufferPointer { c in
                            Shape.forEachRow(cs, ci, ck) { offIn, offK, len, ii, ik in
                                for j in 0..<len where x[offIn + j * ii] == e[offK + j * ik] {
                                    w[offIn + j * ii] = 1
                                    c[offK + j * ik] += 1
                                }
                            }
                        }
                    }
                }
            }
            return (mask, ties)
        }
        switch (data, out.data) {
        case (.float32(let a), .float32(let m)):
            let (w, c) = build(a, m)
            return (Tensor(shape: shape, data: .float32(w)), Tensor(shape: kept, data: .float32(c)))
        case (.float64(let a), .float64(let m)):
            let (w, c) = build(a, m)
            return (Tensor(shape: shape, data: .float64(w)), Tensor(shape: kept, data: .float64(c)))
        default:
            preconditionFailure("max/min: dtypes \(dtype) and \(out.dtype) differ")
        }
    }

    // The reductions above shadow Swift's global `max`/`min` inside every extension of
    // Tensor (unqualified lookup stops at the first member named `max`). These
    // forwarders keep `max(a, b)` on ordinary comparable values working there.
    @inline(__always) static func max<C: Comparable>(_ a: C, _ b: C) -> C { Swift.max(a, b) }
    @inline(__always) static func min<C: Comparable>(_ a: C, _ b: C) -> C { Swift.min(a, b) }
    @inline(__always) func max<C: Comparable>(_ a: C, _ b: C) -> C { Swift.max(a, b) }
    @inline(__always) func min<C: Comparable>(_ a: C, _ b: C) -> C { Swift.min(a, b) }

    // MARK: Argmax and argmin

    /// The index of the largest element along `axis` for every position of the other
    /// axes, in row-major order of the result shape (this shape without `axis`). Ties go
    /// to the first index, and a NaN counts as the largest. Not differentiable.
    ///
    /// ```swift
    /// Tensor([[1, 5, 2], [7, 0, 7]]).argmax(alongAxis: 1)   // [1, 0]
    /// Tensor([[1, 5, 2], [7, 0, 7]]).argmax(alongAxis: 0)   // [1, 0, 1]
    /// ```
    public func argmax(alongAxis axis: Int) -> [Int] { argExtremum(axis, largest: true) }

    /// The index of the smallest element along `axis` (first on ties, NaN counts as the
    /// smallest). Not differentiable.
    ///
    /// ```swift
    /// Tensor([[1, 5, 2], [7, 0, 7]]).argmin(alongAxis: -1)   // [0, 1]
    /// ```
    public func argmin(alongAxis axis: Int) -> [Int] { argExtremum(axis, largest: false) }

    /// The row-major index of the largest element (first on ties, NaN counts as the
    /// largest). The tensor must not be empty.
    ///
    /// ```swift
    /// Tensor([[1, 5], [7, 2]]).argmax()    // 2
    /// ```
    public func argmax() -> Int { flattened().argExtremum(0, largest: true)[0] }

    /// The row-major index of the smallest element (first on ties, NaN counts as the
    /// smallest). The tensor must not be empty.
    ///
    /// ```swift
    /// Tensor([[1, 5], [7, 2]]).argmin()    // 0
    /// ```
    public func argmin() -> Int { flattened().argExtremum(0, largest: false)[0] }

    func argExtremum(_ axis: Int, largest: Bool) -> [Int] {
        let op = largest ? "argmax" : "argmin"
        precondition(rank > 0, "\(op): a rank-0 tensor has no axis to search")
        let a = Shape.axis(axis, rank: rank, op)
        let (outer, n, inner) = axisSplit(a)
        precondition(n > 0 || outer * inner == 0, "\(op): axis \(axis) of shape \(shape) is empty")
        func search<S: TensorScalar>(_ values: [S]) -> [Int] {
            var index = [Int](repeating: 0, count: outer * inner)
            values.withUnsafeBufferPointer { x in
                for o in 0..<outer {
                    for i in 0..<inner {
                        var best = x[o * n * inner + i], at = 0
                        if best.isNaN { index[o * inner + i] = 0; continue }
                        for j in 1..<Swift.max(n, 1) {
                            let v = x[(o * n + j) * inner + i]
                            if v.isNaN { at = j; break }
                            if largest ? v > best : v < best { best = v; at = j }
                        }
                        index[o * inner + i] = at
                    }
                }
            }
            return index
        }
        switch data {
        case .float32(let v): return search(v)
        case .float64(let v): return search(v)
        }
    }

    // MARK: Log-sum-exp, softmax, log-softmax

    /// `log Σ exp(x)` along `axes`, computed stably by factoring out the maximum, so
    /// large inputs do not overflow. An all `-∞` slice gives `-∞`.
    ///
    /// The gradient is the softmax over the same axes.
    ///
    /// ```swift
    /// Tensor([[0, 0], [1000, 1000]]).logSumExp(alongAxes: [1])   // [0.6931, 1000.6931]
    /// ```
    public func logSumExp(alongAxes axes: [Int], keepingDimensions: Bool = false) -> Tensor {
        let (reduced, kept, outShape) = reductionLayout(axes, "logSumExp", keepingDimensions: keepingDimensions)
        if tracer == nil { return logSumExpKernel(kept).reshapedPlain(outShape) }
        return Tensor.primitive("logSumExp", [self], value: { $0[0].logSumExpKernel(kept).reshapedPlain(outShape) },
            jvp: { x, t, _ in
                (t[0]! * x[0].softmaxPrimitive(reduced, kept)).sum(alongAxes: reduced, keepingDimensions: keepingDimensions)
            },
            backward: .inputs { x, g, _ in [g.reshaped(kept) * x[0].softmaxPrimitive(reduced, kept)] })
    }

    /// `log Σ exp(x)` along one axis (see ``logSumExp(alongAxes:keepingDimensions:)``).
    ///
    /// ```swift
    /// Tensor([1, 2, 3]).logSumExp(alongAxis: 0)    // 3.4076
    /// ```
    public func logSumExp(alongAxis axis: Int, keepingDimensions: Bool = false) -> Tensor {
        logSumExp(alongAxes: [axis], keepingDimensions: keepingDimensions)
    }

    /// `log Σ exp(x)` over all elements, as a rank-0 tensor.
    ///
    /// ```swift
    /// Tensor([0, 0, 0, 0]).logSumExp()    // log 4
    /// ```
    public func logSumExp() -> Tensor { logSumExp(alongAxes: Array(0..<rank)) }

    /// `exp(x) / Σ exp(x)` along `axis` (the last by default), computed stably by
    /// subtracting the maximum first. A slice that is all `-∞` gives NaN, as in PyTorch.
    ///
    /// ```swift
    /// Tensor([[1, 1], [0, 1000]]).softmax()    // [[0.5, 0.5], [0, 1]]
    /// ```
    public func softmax(alongAxis axis: Int = -1) -> Tensor { softmax(alongAxes: [axis]) }

    /// `x − log Σ exp(x)` along `axis` (the last by default): the logarithm of
    /// ``softmax(alongAxis:)``, computed without forming the softmax, so it stays finite
    /// for very negative inputs.
    ///
    /// ```swift
    /// Tensor([0, 0]).logSoftmax()          // [-0.6931, -0.6931]
    /// Tensor([0, -1000]).logSoftmax()      // [0, -1000]
    /// ```
    public func logSoftmax(alongAxis axis: Int = -1) -> Tensor {
        let (reduced, kept, _) = reductionLayout([axis], "logSoftmax", keepingDimensions: true)
        return logSoftmaxPrimitive(reduced, kept)
    }

    /// Softmax over several axes at once (the slices are the combinations of those axes).
    func softmax(alongAxes axes: [Int]) -> Tensor {
        let (reduced, kept, _) = reductionLayout(axes, "softmax", keepingDimensions: true)
        return softmaxPrimitive(reduced, kept)
    }

    func softmaxPrimitive(_ reduced: [Int], _ kept: [Int]) -> Tensor {
        if tracer == nil { return softmaxKernel(kept, log: false) }
        return Tensor.primitive("softmax", [self], value: { $0[0].softmaxKernel(kept, log: false) },
            jvp: { _, t, s in
                let dx = t[0]!
                return s * (dx - (dx * s).sum(alongAxes: reduced, keepingDimensions: true))
            },
            backward: .output { s, g, _ in [s * (g - (g * s).sum(alongAxes: reduced, keepingDimensions: true))] })
    }

    // The rules use softmax(x) where exp(out) would do: the same value, and it keeps
    // this operation's derivatives inside this file's closed set of primitives.
    func logSoftmaxPrimitive(_ reduced: [Int], _ kept: [Int]) -> Tensor {
        if tracer == nil { return softmaxKernel(kept, log: true) }
        return Tensor.primitive("logSoftmax", [self], value: { $0[0].softmaxKernel(kept, log: true) },
            jvp: { x, t, _ in
                let dx = t[0]!
                return dx - (dx * x[0].softmaxPrimitive(reduced, kept)).sum(alongAxes: reduced, keepingDimensions: true)
            },
            backward: .inputs { x, g, _ in
                [g - x[0].softmaxPrimitive(reduced, kept) * g.sum(alongAxes: reduced, keepingDimensions: true)]
            })
    }

    func logSumExpKernel(_ kept: [Int]) -> Tensor {
        let (cs, ci, ck) = Shape.coalesce(shape, Shape.strides(shape), keptStrides(kept))
        switch data {
        case .float32(let a):
            let r = a.withUnsafeBufferPointer { Tensor.logSumExpRows($0, kept, cs, ci, ck) }
            return Tensor(shape: kept, data: .float32(r))
        case .float64(let a):
            let r = a.withUnsafeBufferPointer { Tensor.logSumExpRows($0, kept, cs, ci, ck) }
            return Tensor(shape: kept, data: .float64(r))
        }
    }

    func softmaxKernel(_ kept: [Int], log: Bool) -> Tensor {
        let (cs, ci, ck) = Shape.coalesce(shape, Shape.strides(shape), keptStrides(kept))
        func run<S: TensorScalar>(_ a: [S]) -> [S] {
            a.withUnsafeBufferPointer { x in
                if log {
                    let lse = Tensor.logSumExpRows(x, kept, cs, ci, ck)
                    return makeArray(x.count) { y in
                        lse.withUnsafeBufferPointer { l in
                            Shape.forEachRow(cs, ci, ck) { offIn, offK, len, ii, ik in
                                for j in 0..<len { y[offIn + j * ii] = x[offIn + j * ii] - l[offK + j * ik] }
                            }
                        }
                    }
                }
                let shift = Tensor.maxShift(x, kept, cs, ci, ck)
                var total = [S](repeating: 0, count: shift.count)
                var out = makeArray(x.count) { (y: UnsafeMutableBufferPointer<S>) in
                    shift.withUnsafeBufferPointer { m in
                        total.withUnsafeMutableBufferPointer { s in
                            Shape.forEachRow(cs, ci, ck) { offIn, offK, len, ii, ik in
                                if ik == 0 && ii == 1 {
                                    // Exponentials first, then their sum: a running sum
                                    // across the exp calls would serialise the loop.
                                    let c = m[offK], xp = x.baseAddress! + offIn, yp = y.baseAddress! + offIn
                                    for j in 0..<len { yp[j] = S.exp(xp[j] - c) }
                                    s[offK] += Tensor.sumContiguous(UnsafePointer(yp), len)
                                } else {
                                    for j in 0..<len {
                                        let e = S.exp(x[offIn + j * ii] - m[offK + j * ik])
                                        y[offIn + j * ii] = e
                                        s[offK + j * ik] += e
                                    }
                                }
                            }
                        }
                    }
                }
                let inverse = total.map { 1 / $0 }
                inverse.withUnsafeBufferPointer { r in
                    out.withUnsafeMutableBufferPointer { y in
                        Shape.forEachRow(cs, ci, ck) { offIn, offK, len, ii, ik in
                            if ik == 0 {
                                let c = r[offK]
                                for j in 0..<len { y[offIn + j * ii] *= c }
                            } else {
                                for j in 0..<len { y[offIn + j * ii] *= r[offK + j * ik] }
                            }
                        }
                    }
                }
                return out
            }
        }
        switch data {
        case .float32(let a): return Tensor(shape: shape, data: .float32(run(a)))
        case .float64(let a): return Tensor(shape: shape, data: .float64(run(a)))
        }
    }

    /// `log Σ exp` of every slice, in the `kept` layout, with the maximum factored out.
    static func logSumExpRows<S: TensorScalar>(
        _ x: UnsafeBufferPointer<S>, _ kept: [Int], _ cs: [Int], _ ci: [Int], _ ck: [Int]
    ) -> [S] {
        let shift = maxShift(x, kept, cs, ci, ck)
        var total = [S](repeating: 0, count: shift.count)
        var scratch = [S](repeating: 0, count: Swift.max(cs.last ?? 1, 1))
        shift.withUnsafeBufferPointer { m in
            total.withUnsafeMutableBufferPointer { s in
                scratch.withUnsafeMutableBufferPointer { buffer in
                    Shape.forEachRow(cs, ci, ck) { offIn, offK, len, ii, ik in
                        if ik == 0 {
                            let c = m[offK]
                            for j in 0..<len { buffer[j] = S.exp(x[offIn + j * ii] - c) }
                            s[offK] += sumContiguous(UnsafePointer(buffer.baseAddress!), len)
                        } else {
                            for j in 0..<len { s[offK + j * ik] += S.exp(x[offIn + j * ii] - m[offK + j * ik]) }
                        }
                    }
                }
            }
        }
        for q in 0..<total.count { total[q] = shift[q] + S.log(total[q]) }
        return total
    }

    /// The maximum of every slice, or 0 where it is infinite or NaN: the shift that keeps
    /// `exp` from overflowing, chosen so an all `-∞` slice gives `-∞` and `+∞` gives `+∞`.
    static func maxShift<S: TensorScalar>(
        _ x: UnsafeBufferPointer<S>, _ kept: [Int], _ cs: [Int], _ ci: [Int], _ ck: [Int]
    ) -> [S] {
        var m = reduceRows(x, cs, ci, ck, Shape.count(kept), -.infinity, MaxReduce())
        for q in 0..<m.count where !m[q].isFinite { m[q] = 0 }
        return m
    }

    /// The sum of `n` contiguous elements, in four independent chains.
    @inline(__always)
    static func sumContiguous<S: TensorScalar>(_ p: UnsafePointer<S>, _ n: Int) -> S {
        var a0: S = 0, a1: S = 0, a2: S = 0, a3: S = 0
        var j = 0
        while j + 4 <= n {
            a0 += p[j]; a1 += p[j + 1]; a2 += p[j + 2]; a3 += p[j + 3]
            j += 4
        }
        while j < n { a0 += p[j]; j += 1 }
        return (a0 + a1) + (a2 + a3)
    }

    // MARK: Shared reduction plumbing

    /// The normalised reduction axes (sorted, distinct), the shape with them set to 1,
    /// and the result shape. A rank-0 tensor reduces over nothing, and accepts axis 0 or
    /// -1 for that (as PyTorch does).
    func reductionLayout(_ axes: [Int], _ op: String, keepingDimensions: Bool) -> (axes: [Int], kept: [Int], out: [Int]) {
        if rank == 0 {
            for a in axes where a != 0 && a != -1 {
                preconditionFailure("\(op): axis \(a) is out of range for a tensor of rank 0")
            }
            return ([], [], [])
        }
        let reduced = Set(axes.map { Shape.axis($0, rank: rank, op) }).sorted()
        var kept = shape
        for a in reduced { kept[a] = 1 }
        if keepingDimensions { return (reduced, kept, kept) }
        var out = [Int]()
        for (i, d) in shape.enumerated() where !reduced.contains(i) { out.append(d) }
        return (reduced, kept, out)
    }

    /// Strides of the `kept` layout read from this shape: 0 on the reduced axes.
    func keptStrides(_ kept: [Int]) -> [Int] {
        var s = Shape.strides(kept)
        for i in 0..<rank where kept[i] == 1 && shape[i] != 1 { s[i] = 0 }
        return s
    }

    func reduceRows<S: TensorScalar, K: BinaryKernel>(_ a: [S], _ kept: [Int], _ initial: S, _ combine: K) -> [S] {
        let (cs, ci, ck) = Shape.coalesce(shape, Shape.strides(shape), keptStrides(kept))
        return a.withUnsafeBufferPointer { Tensor.reduceRows($0, cs, ci, ck, Shape.count(kept), initial, combine) }
    }

    /// Folds every element into its slot of the kept layout with `combine`, whose
    /// identity is `initial` (max and min only: the contiguous case folds in four
    /// independent chains, which reorders the operations).
    static func reduceRows<S: TensorScalar, K: BinaryKernel>(
        _ x: UnsafeBufferPointer<S>, _ cs: [Int], _ ci: [Int], _ ck: [Int], _ n: Int, _ initial: S, _ combine: K
    ) -> [S] {
        var out = [S](repeating: initial, count: n)
        out.withUnsafeMutableBufferPointer { y in
            Shape.forEachRow(cs, ci, ck) { offIn, offOut, len, ii, io in
                if io == 0 && ii == 1 {
                    let p = x.baseAddress! + offIn
                    var a0 = y[offOut], a1 = initial, a2 = initial, a3 = initial
                    var j = 0
                    while j + 4 <= len {
                        a0 = combine(a0, p[j]); a1 = combine(a1, p[j + 1])
                        a2 = combine(a2, p[j + 2]); a3 = combine(a3, p[j + 3])
                        j += 4
                    }
                    while j < len { a0 = combine(a0, p[j]); j += 1 }
                    y[offOut] = combine(combine(a0, a1), combine(a2, a3))
                } else if io == 0 {
                    var acc = y[offOut]
                    for j in 0..<len { acc = combine(acc, x[offIn + j * ii]) }
                    y[offOut] = acc
                } else if io == 1 && ii == 1 {
                    let p = x.baseAddress! + offIn, q = y.baseAddress! + offOut
                    for j in 0..<len { q[j] = combine(q[j], p[j]) }
                } else {
                    for j in 0..<len { y[offOut + j * io] = combine(y[offOut + j * io], x[offIn + j * ii]) }
                }
            }
        }
        return out
    }
}

/// The larger of the two, or NaN once either is NaN.
private struct MaxReduce: BinaryKernel {
    @inline(__always) func callAsFunction<S: TensorScalar>(_ acc: S, _ x: S) -> S { x > acc || x != x ? x : acc }
}

/// The smaller of the two, or NaN once either is NaN.
private struct MinReduce: BinaryKernel {
    @inline(__always) func callAsFunction<S: TensorScalar>(_ acc: S, _ x: S) -> S { x < acc || x != x ? x : acc }
}
