/// The plain kernels of ``Tensor/normalized(alongAxes:epsilon:)``: per-slice statistics
/// and the two elementwise passes, each a walk over the input's rows.
///
/// A *slice* is the set of elements that share every index outside the normalised axes;
/// its *slot* is its position in the kept layout (the input's shape with those axes set to 1).
struct NormalizationLayout {
    /// The input's shape and the kept layout (the input's shape with the normalised axes set to 1).
    let shape: [Int], kept: [Int]
    /// The number of slices.
    let slots: Int
    /// The number of elements in each slice.
    let sliceSize: Int

    init(shape: [Int], kept: [Int]) {
        self.shape = shape
        self.kept = kept
        slots = Shape.count(kept)
        sliceSize = Shape.count(shape) / Swift.max(slots, 1)
    }

    /// Calls `body(offset, slot, length, stride, slotStride)` for every row of the input:
    /// the kept layout read as broadcast to the input, as the sums walk it.
    @inline(__always)
    func forEachRow(_ body: (Int, Int, Int, Int, Int) -> Void) {
        Shape.forEachRow(broadcasting: shape, kept, to: shape, body)
    }

    /// The mean and the population variance of every slice, in two passes: the mean
    /// first, then the squared deviations from it, which keeps the round-off of a large
    /// mean out of the variance.
    func statistics<S: TensorScalar>(_ x: UnsafeBufferPointer<S>) -> (mean: [S], variance: [Double]) {
        var sums = [Double](repeating: 0, count: slots)
        sums.withUnsafeMutableBufferPointer { acc in
            forEachRow { off, slot, len, stride, slotStride in
                if slotStride == 0 {
                    acc[slot] += Double(Tensor.rowSum(x, off, len, stride))
                } else {
                    for j in 0..<len { acc[slot + j * slotStride] += Double(x[off + j * stride]) }
                }
            }
        }
        let n = Double(Swift.max(sliceSize, 1))
        let mean = sums.map { S($0 / n) }
        var squares = [Double](repeating: 0, count: slots)
        mean.withUnsafeBufferPointer { m in
            squares.withUnsafeMutableBufferPointer { acc in
                forEachRow { off, slot, len, stride, slotStride in
                    if slotStride == 0 {
                        acc[slot] += Double(NormalizationLayout.rowSquaredDeviations(x, off, len, stride, m[slot]))
                    } else {
                        for j in 0..<len {
                            let d = x[off + j * stride] - m[slot + j * slotStride]
                            acc[slot + j * slotStride] += Double(d * d)
                        }
                    }
                }
            }
        }
        return (mean, squares.map { $0 / n })
    }

    /// 1/√(variance + ε) of every slice.
    func inverseStandardDeviation<S: TensorScalar>(_ x: UnsafeBufferPointer<S>, epsilon: Double) -> (mean: [S], inverseStd: [S]) {
        let (mean, variance) = statistics(x)
        return (mean, variance.map { S(1 / ($0 + epsilon).squareRoot()) })
    }

    /// (x − mean) · inverseStd, slice by slice.
    func normalize<S: TensorScalar>(_ x: UnsafeBufferPointer<S>, mean: [S], inverseStd: [S]) -> [S] {
        makeArray(x.count) { y in
            mean.withUnsafeBufferPointer { m in
                inverseStd.withUnsafeBufferPointer { s in
                    forEachRow { off, slot, len, stride, slotStride in
                        if slotStride == 0 && stride == 1 {
                            // Offsets from row pointers: the loop then has no overflow checks and vectorises.
                            let mu = m[slot], scale = s[slot], xr = x.baseAddress! + off, yr = y.baseAddress! + off
                            for j in 0..<len { yr[j] = (xr[j] - mu) * scale }
                        } else if slotStride == 0 {
                            let mu = m[slot], scale = s[slot]
                            for j in 0..<len { y[off + j * stride] = (x[off + j * stride] - mu) * scale }
                        } else {
                            for j in 0..<len {
                                let k = slot + j * slotStride
                                y[off + j * stride] = (x[off + j * stride] - m[k]) * s[k]
                            }
                        }
                    }
                }
            }
        }
    }

    /// s · (g − mean(g) − x̂ · mean(g · x̂)) per slice: the pullback of the normalisation.
    func backward<S: TensorScalar>(
        _ g: UnsafeBufferPointer<S>, _ xhat: UnsafeBufferPointer<S>, _ inverseStd: UnsafeBufferPointer<S>
    ) -> [S] {
        var sumG = [Double](repeating: 0, count: slots), sumGX = [Double](repeating: 0, count: slots)
        sumG.withUnsafeMutableBufferPointer { a in
            sumGX.withUnsafeMutableBufferPointer { b in
                forEachRow { off, slot, len, stride, slotStride in
                    if slotStride == 0 {
                        let (sg, sgx) = NormalizationLayout.rowSums(g, xhat, off, len, stride)
                        a[slot] += Double(sg)
                        b[slot] += Double(sgx)
                    } else {
                        for j in 0..<len {
                            let i = off + j * stride, k = slot + j * slotStride
                            a[k] += Double(g[i])
                            b[k] += Double(g[i] * xhat[i])
                        }
                    }
                }
            }
        }
        let n = Double(Swift.max(sliceSize, 1))
        let meanG = sumG.map { S($0 / n) }, meanGX = sumGX.map { S($0 / n) }
        return makeArray(g.count) { y in
            meanG.withUnsafeBufferPointer { a in
                meanGX.withUnsafeBufferPointer { b in
                    forEachRow { off, slot, len, stride, slotStride in
                        if slotStride == 0 && stride == 1 {
                            let ga = a[slot], gb = b[slot], s = inverseStd[slot]
                            let gr = g.baseAddress! + off, xr = xhat.baseAddress! + off, yr = y.baseAddress! + off
                            for j in 0..<len { yr[j] = s * (gr[j] - ga - xr[j] * gb) }
                        } else if slotStride == 0 {
                            let ga = a[slot], gb = b[slot], s = inverseStd[slot]
                            for j in 0..<len {
                                let i = off + j * stride
                                y[i] = s * (g[i] - ga - xhat[i] * gb)
                            }
                        } else {
                            for j in 0..<len {
                                let i = off + j * stride, k = slot + j * slotStride
                                y[i] = inverseStd[k] * (g[i] - a[k] - xhat[i] * b[k])
                            }
                        }
                    }
                }
            }
        }
    }

    /// Σ (x − m)² over a row, in four running sums.
    @inline(__always)
    static func rowSquaredDeviations<S: TensorScalar>(
        _ x: UnsafeBufferPointer<S>, _ start: Int, _ count: Int, _ stride: Int, _ m: S
    ) -> S {
        var s0: S = 0, s1: S = 0, s2: S = 0, s3: S = 0
        var k = 0, p = start
        if stride == 1 {
            let r = x.baseAddress! + start
            while k + 4 <= count {
                let d0 = r[k] - m, d1 = r[k + 1] - m, d2 = r[k + 2] - m, d3 = r[k + 3] - m
                s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3
                k += 4
            }
            p += k
        }
        while k < count { let d = x[p] - m; s0 += d * d; k += 1; p += stride }
        return (s0 + s1) + (s2 + s3)
    }

    /// (Σ g, Σ g·x̂) over a row.
    @inline(__always)
    static func rowSums<S: TensorScalar>(
        _ g: UnsafeBufferPointer<S>, _ xhat: UnsafeBufferPointer<S>, _ start: Int, _ count: Int, _ stride: Int
    ) -> (S, S) {
        var a0: S = 0, a1: S = 0, b0: S = 0, b1: S = 0
        var k = 0, p = start
        if stride == 1 {
            let gr = g.baseAddress! + start, xr = xhat.baseAddress! + start
            while k + 2 <= count {
                a0 += gr[k]; a1 += gr[k + 1]
                b0 += gr[k] * xr[k]; b1 += gr[k + 1] * xr[k + 1]
                k += 2
            }
            p += k
        }
        while k < count { a0 += g[p]; b0 += g[p] * xhat[p]; k += 1; p += stride }
        return (a0 + a1, b0 + b1)
    }
}
