/// The Swift GEMM: small products (where a library call costs more than the arithmetic)
/// and every product of a build with no BLAS trait.
///
/// Two register-blocked kernels on 256-bit vectors (`SIMD8<Float>`, `SIMD4<Double>`) cover
/// the transpose cases: ``BLAS/rowKernel`` when the rows of `op(B)` are contiguous
/// (`A·B`, `Aᵀ·B`) and ``BLAS/dotKernel`` when its columns are (`A·Bᵀ`, and a one-column
/// `B`). Each output element is accumulated in a register over the whole of `k` and
/// written once, so `C` is read only when `beta ≠ 0`; the operands are read where they
/// lie, never packed. Their multiply-adds are fused where the build's target CPU has the
/// instruction and a multiply and an add elsewhere (`relaxedAddingProduct`).
extension BLAS {
    /// `C = alpha · op(A) · op(B) + beta · C` in Swift (row-major; `beta == 0` overwrites,
    /// even NaN, as in BLAS).
    ///
    /// ```swift
    /// // C (2×2) = A (2×3) · Bᵀ, with B stored 2×3
    /// BLAS.loopGemm(transposeA: false, transposeB: true, m: 2, n: 2, k: 3, alpha: 1,
    ///               a, lda: 3, b, ldb: 3, beta: 0, c, ldc: 2)
    /// ```
    static func loopGemm<S: TensorScalar>(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: S, _ a: UnsafePointer<S>, lda: Int, _ b: UnsafePointer<S>, ldb: Int,
        beta: S, _ c: UnsafeMutablePointer<S>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 { return scale(c, m: m, n: n, ldc: ldc, by: beta) }
        if S.self == Float.self {
            loopGemm(SIMD8<Float>.self, transposeA, transposeB, m, n, k, Float(alpha), cast(a), lda,
                     cast(b), ldb, Float(beta), cast(c), ldc)
        } else {
            loopGemm(SIMD4<Double>.self, transposeA, transposeB, m, n, k, Double(alpha), cast(a), lda,
                     cast(b), ldb, Double(beta), cast(c), ldc)
        }
    }

    @inline(__always)
    private static func cast<S, T>(_ p: UnsafePointer<S>) -> UnsafePointer<T> {
        UnsafeRawPointer(p).assumingMemoryBound(to: T.self)
    }

    @inline(__always)
    private static func cast<S, T>(_ p: UnsafeMutablePointer<S>) -> UnsafeMutablePointer<T> {
        UnsafeMutableRawPointer(p).assumingMemoryBound(to: T.self)
    }

    /// Picks the kernel for the transpose case.
    private static func loopGemm<V: SIMD>(
        _ v: V.Type, _ transposeA: Bool, _ transposeB: Bool, _ m: Int, _ n: Int, _ k: Int,
        _ alpha: V.Scalar, _ a: UnsafePointer<V.Scalar>, _ lda: Int, _ b: UnsafePointer<V.Scalar>, _ ldb: Int,
        _ beta: V.Scalar, _ c: UnsafeMutablePointer<V.Scalar>, _ ldc: Int
    ) where V.Scalar: BinaryFloatingPoint {
        // With k == 1 a transposed B (stored n×1) holds the same row as an untransposed one.
        let rowsOfB = !transposeB || (k == 1 && ldb == 1)
        let ldb = transposeB && rowsOfB ? n : ldb
        switch (rowsOfB, transposeA) {
        case (true, false) where n == 1 && ldb == 1:
            // A·b: one dot product per row of A.
            dotKernel(v, m: m, n: 1, k: k, alpha: alpha, a, lda: lda, b, ldb: k, beta: beta, c, ldc: ldc)
        case (true, true) where n == 1 && ldb == 1 && ldc == 1:
            // Aᵀ·b as the row bᵀ·A: runs along the contiguous rows of A.
            rowKernel(v, m: 1, n: m, k: k, alpha: alpha, b, rowStride: 0, depthStride: 1,
                      a, ldb: lda, beta: beta, c, ldc: m)
        case (true, _):
            rowKernel(v, m: m, n: n, k: k, alpha: alpha, a, rowStride: transposeA ? 1 : lda,
                      depthStride: transposeA ? lda : 1, b, ldb: ldb, beta: beta, c, ldc: ldc)
        case (false, false):
            dotKernel(v, m: m, n: n, k: k, alpha: alpha, a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
        case (false, true):
            // Aᵀ·Bᵀ: neither kernel reads both operands along k, so B is transposed first.
            withUnsafeTemporaryAllocation(of: V.Scalar.self, capacity: k * n) { buffer in
                let bt = buffer.baseAddress!
                for j in 0..<n {
                    for p in 0..<k { bt[p * n + j] = b[j * ldb + p] }
                }
                rowKernel(v, m: m, n: n, k: k, alpha: alpha, a, rowStride: 1, depthStride: lda,
                          UnsafePointer(bt), ldb: n, beta: beta, c, ldc: ldc)
            }
        }
    }

    /// `C = alpha · A·B + beta · C` with `A[i, p] = a[i·rowStride + p·depthStride]` and the
    /// rows of `B` contiguous. Columns run in strips of three to five vectors over pairs of
    /// rows (``BLAS/rowPairStrip``) while at least three vectors remain; the last one or
    /// two vectors and the odd columns run in blocks of four rows (``BLAS/rowBlocks``). In
    /// a build for an AVX-512 CPU, Float products first run 512-bit strips
    /// (``BLAS/wideRowStrips(m:n:k:alpha:_:rowStride:depthStride:_:ldb:beta:_:ldc:)``) on
    /// all but their last few columns.
    static func rowKernel<V: SIMD>(
        _ v: V.Type, m: Int, n: Int, k: Int, alpha: V.Scalar,
        _ a: UnsafePointer<V.Scalar>, rowStride: Int, depthStride: Int,
        _ b: UnsafePointer<V.Scalar>, ldb: Int,
        beta: V.Scalar, _ c: UnsafeMutablePointer<V.Scalar>, ldc: Int
    ) where V.Scalar: BinaryFloatingPoint {
        let w = V.scalarCount
        var j = 0
        if TargetFeatures.avx512 && V.self == SIMD8<Float>.self && m >= 2 {
            j = wideRowStrips(m: m, n: n, k: k, alpha: unsafeBitCast(alpha, to: Float.self), cast(a), rowStride: rowStride,
                              depthStride: depthStride, cast(b), ldb: ldb, beta: unsafeBitCast(beta, to: Float.self), cast(c), ldc: ldc)
        }
        if m >= 2 {
            while n - j >= 3 * w {
                // Five vectors when they fit, else the three or four left.
                let vectors = min(5, (n - j) / w)
                switch vectors {
                case 5: rowPairStrip(v, vectors: 5, m: m, k: k, alpha: alpha, a, rowStride: rowStride,
                                     depthStride: depthStride, b + j, ldb: ldb, beta: beta, c + j, ldc: ldc)
                case 4: rowPairStrip(v, vectors: 4, m: m, k: k, alpha: alpha, a, rowStride: rowStride,
                                     depthStride: depthStride, b + j, ldb: ldb, beta: beta, c + j, ldc: ldc)
                default: rowPairStrip(v, vectors: 3, m: m, k: k, alpha: alpha, a, rowStride: rowStride,
                                      depthStride: depthStride, b + j, ldb: ldb, beta: beta, c + j, ldc: ldc)
                }
                j += vectors * w
            }
        }
        if j < n {
            rowBlocks(v, m: m, n: n - j, k: k, alpha: alpha, a, rowStride: rowStride, depthStride: depthStride,
                      b + j, ldb: ldb, beta: beta, c + j, ldc: ldc)
        }
    }

    /// One strip of `vectors` (3 to 5) column vectors of ``BLAS/rowKernel`` over every row:
    /// two rows at a time keep `2 × vectors` accumulators in registers while `p` runs
    /// over `k`, each step two broadcasts of `A` and one load of `B` per vector, so the
    /// multiply-adds outnumber the loads two to one. An odd last row runs as a pair with
    /// itself (computed twice, written once).
    ///
    /// Always inlined with a constant `vectors`: the accumulators it does not use, and
    /// the branches on it, compile away.
    @inline(__always)
    private static func rowPairStrip<V: SIMD>(
        _ v: V.Type, vectors: Int, m: Int, k: Int, alpha: V.Scalar,
        _ a: UnsafePointer<V.Scalar>, rowStride: Int, depthStride: Int,
        _ b: UnsafePointer<V.Scalar>, ldb: Int,
        beta: V.Scalar, _ c: UnsafeMutablePointer<V.Scalar>, ldc: Int
    ) where V.Scalar: BinaryFloatingPoint {
        let w = V.scalarCount
        var i = 0
        while i < m {
            let pair = m - i >= 2
            let a0 = a + i * rowStride, a1 = pair ? a0 + rowStride : a0
            var x0 = V(), x1 = V(), x2 = V(), x3 = V(), x4 = V()
            var y0 = V(), y1 = V(), y2 = V(), y3 = V(), y4 = V()
            var bp = b, o = 0
            for _ in 0..<k {
                let s = V(repeating: a0[o]), t = V(repeating: a1[o])
                var u: V = load(bp)
                x0 = x0.relaxedAddingProduct(s, u); y0 = y0.relaxedAddingProduct(t, u)
                u = load(bp + w)
                x1 = x1.relaxedAddingProduct(s, u); y1 = y1.relaxedAddingProduct(t, u)
                u = load(bp + 2 * w)
                x2 = x2.relaxedAddingProduct(s, u); y2 = y2.relaxedAddingProduct(t, u)
                if vectors > 3 {
                    u = load(bp + 3 * w)
                    x3 = x3.relaxedAddingProduct(s, u); y3 = y3.relaxedAddingProduct(t, u)
                }
                if vectors > 4 {
                    u = load(bp + 4 * w)
                    x4 = x4.relaxedAddingProduct(s, u); y4 = y4.relaxedAddingProduct(t, u)
                }
                bp += ldb
                o &+= depthStride
            }
            let c0 = c + i * ldc
            write(x0, c0, alpha, beta); write(x1, c0 + w, alpha, beta); write(x2, c0 + 2 * w, alpha, beta)
            if vectors > 3 { write(x3, c0 + 3 * w, alpha, beta) }
            if vectors > 4 { write(x4, c0 + 4 * w, alpha, beta) }
            if pair {
                let c1 = c0 + ldc
                write(y0, c1, alpha, beta); write(y1, c1 + w, alpha, beta); write(y2, c1 + 2 * w, alpha, beta)
                if vectors > 3 { write(y3, c1 + 3 * w, alpha, beta) }
                if vectors > 4 { write(y4, c1 + 4 * w, alpha, beta) }
            }
            i += pair ? 2 : 1
        }
    }

    /// ``BLAS/rowKernel`` for the columns its strips leave (fewer than three vectors) and
    /// for a single row: blocks of four rows of `C` by two vectors of columns stay in
    /// registers while `p` runs over `k`, each step one vector load of `B` per column
    /// vector and one broadcast of `A` per row. A last block of two or three rows repeats
    /// its last row (computed, not written); a single last row runs on its own.
    private static func rowBlocks<V: SIMD>(
        _ v: V.Type, m: Int, n: Int, k: Int, alpha: V.Scalar,
        _ a: UnsafePointer<V.Scalar>, rowStride: Int, depthStride: Int,
        _ b: UnsafePointer<V.Scalar>, ldb: Int,
        beta: V.Scalar, _ c: UnsafeMutablePointer<V.Scalar>, ldc: Int
    ) where V.Scalar: BinaryFloatingPoint {
        let w = V.scalarCount
        var i = 0
        while m - i >= 2 {
            let rows = min(4, m - i)
            let a0 = a + i * rowStride, a1 = a0 + rowStride
            let a2 = rows > 2 ? a1 + rowStride : a1, a3 = rows > 3 ? a2 + rowStride : a2
            let c0 = c + i * ldc, c1 = c0 + ldc, c2 = c1 + ldc, c3 = c2 + ldc
            var j = 0
            while j + 2 * w <= n {
                var x0 = V(), x1 = V(), x2 = V(), x3 = V(), y0 = V(), y1 = V(), y2 = V(), y3 = V()
                var bp = b + j, o = 0
                for _ in 0..<k {
                    let u: V = load(bp), t: V = load(bp + w)
                    let s0 = V(repeating: a0[o]), s1 = V(repeating: a1[o])
                    let s2 = V(repeating: a2[o]), s3 = V(repeating: a3[o])
                    x0 = x0.relaxedAddingProduct(s0, u); y0 = y0.relaxedAddingProduct(s0, t)
                    x1 = x1.relaxedAddingProduct(s1, u); y1 = y1.relaxedAddingProduct(s1, t)
                    x2 = x2.relaxedAddingProduct(s2, u); y2 = y2.relaxedAddingProduct(s2, t)
                    x3 = x3.relaxedAddingProduct(s3, u); y3 = y3.relaxedAddingProduct(s3, t)
                    bp += ldb
                    o &+= depthStride
                }
                write(x0, c0 + j, alpha, beta); write(y0, c0 + j + w, alpha, beta)
                write(x1, c1 + j, alpha, beta); write(y1, c1 + j + w, alpha, beta)
                if rows > 2 { write(x2, c2 + j, alpha, beta); write(y2, c2 + j + w, alpha, beta) }
                if rows > 3 { write(x3, c3 + j, alpha, beta); write(y3, c3 + j + w, alpha, beta) }
                j += 2 * w
            }
            while j + w <= n {
                var x0 = V(), x1 = V(), x2 = V(), x3 = V()
                var bp = b + j, o = 0
                for _ in 0..<k {
                    let u: V = load(bp)
                    x0 = x0.relaxedAddingProduct(V(repeating: a0[o]), u)
                    x1 = x1.relaxedAddingProduct(V(repeating: a1[o]), u)
                    x2 = x2.relaxedAddingProduct(V(repeating: a2[o]), u)
                    x3 = x3.relaxedAddingProduct(V(repeating: a3[o]), u)
                    bp += ldb
                    o &+= depthStride
                }
                write(x0, c0 + j, alpha, beta); write(x1, c1 + j, alpha, beta)
                if rows > 2 { write(x2, c2 + j, alpha, beta) }
                if rows > 3 { write(x3, c3 + j, alpha, beta) }
                j += w
            }
            while j < n {
                var x0 = V.Scalar.zero, x1 = V.Scalar.zero, x2 = V.Scalar.zero, x3 = V.Scalar.zero
                var bp = b + j, o = 0
                for _ in 0..<k {
                    let u = bp.pointee
                    x0 += a0[o] * u; x1 += a1[o] * u; x2 += a2[o] * u; x3 += a3[o] * u
                    bp += ldb
                    o &+= depthStride
                }
                write(x0, c0 + j, alpha, beta); write(x1, c1 + j, alpha, beta)
                if rows > 2 { write(x2, c2 + j, alpha, beta) }
                if rows > 3 { write(x3, c3 + j, alpha, beta) }
                j += 1
            }
            i += rows
        }
        if i < m { rowKernelSingleRow(v, n: n, k: k, alpha: alpha, a + i * rowStride, depthStride: depthStride,
                                      b, ldb: ldb, beta: beta, c + i * ldc) }
    }

    /// One row of ``BLAS/rowBlocks``: four column vectors at a time, so four independent
    /// accumulations hide the latency of each multiply-add.
    private static func rowKernelSingleRow<V: SIMD>(
        _ v: V.Type, n: Int, k: Int, alpha: V.Scalar, _ a: UnsafePointer<V.Scalar>, depthStride: Int,
        _ b: UnsafePointer<V.Scalar>, ldb: Int, beta: V.Scalar, _ c: UnsafeMutablePointer<V.Scalar>
    ) where V.Scalar: BinaryFloatingPoint {
        let w = V.scalarCount
        var j = 0
        while j + 4 * w <= n {
            var x0 = V(), x1 = V(), x2 = V(), x3 = V()
            var bp = b + j, o = 0
            for _ in 0..<k {
                let s = V(repeating: a[o])
                x0 = x0.relaxedAddingProduct(s, load(bp)); x1 = x1.relaxedAddingProduct(s, load(bp + w))
                x2 = x2.relaxedAddingProduct(s, load(bp + 2 * w)); x3 = x3.relaxedAddingProduct(s, load(bp + 3 * w))
                bp += ldb
                o &+= depthStride
            }
            write(x0, c + j, alpha, beta); write(x1, c + j + w, alpha, beta)
            write(x2, c + j + 2 * w, alpha, beta); write(x3, c + j + 3 * w, alpha, beta)
            j += 4 * w
        }
        while j + w <= n {
            var x = V()
            var bp = b + j, o = 0
            for _ in 0..<k {
                x = x.relaxedAddingProduct(V(repeating: a[o]), load(bp))
                bp += ldb
                o &+= depthStride
            }
            write(x, c + j, alpha, beta)
            j += w
        }
        while j < n {
            var x = V.Scalar.zero
            var bp = b + j, o = 0
            for _ in 0..<k {
                x += a[o] * bp.pointee
                bp += ldb
                o &+= depthStride
            }
            write(x, c + j, alpha, beta)
            j += 1
        }
    }

    /// `C = alpha · A·Bᵀ + beta · C` with the rows of `A` (`m × k`) and of `B` (`n × k`)
    /// contiguous: blocks of two rows of `A` by four rows of `B` accumulate their eight dot
    /// products in vectors along `k`, summed across lanes once at the end.
    static func dotKernel<V: SIMD>(
        _ v: V.Type, m: Int, n: Int, k: Int, alpha: V.Scalar,
        _ a: UnsafePointer<V.Scalar>, lda: Int, _ b: UnsafePointer<V.Scalar>, ldb: Int,
        beta: V.Scalar, _ c: UnsafeMutablePointer<V.Scalar>, ldc: Int
    ) where V.Scalar: BinaryFloatingPoint {
        let w = V.scalarCount
        let vectorK = k - k % w
        var i = 0
        while i < m {
            // A last odd row runs as its own pair; its second half is computed and dropped.
            let pair = m - i >= 2
            let a0 = a + i * lda, a1 = pair ? a0 + lda : a0
            let c0 = c + i * ldc, c1 = c0 + ldc
            var j = 0
            while j + 4 <= n {
                let b0 = b + j * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb
                var x0 = V(), x1 = V(), x2 = V(), x3 = V(), y0 = V(), y1 = V(), y2 = V(), y3 = V()
                var p = 0
                while p < vectorK {
                    let u: V = load(a0 + p), t: V = load(a1 + p)
                    let q0: V = load(b0 + p), q1: V = load(b1 + p), q2: V = load(b2 + p), q3: V = load(b3 + p)
                    x0 = x0.relaxedAddingProduct(u, q0); y0 = y0.relaxedAddingProduct(t, q0)
                    x1 = x1.relaxedAddingProduct(u, q1); y1 = y1.relaxedAddingProduct(t, q1)
                    x2 = x2.relaxedAddingProduct(u, q2); y2 = y2.relaxedAddingProduct(t, q2)
                    x3 = x3.relaxedAddingProduct(u, q3); y3 = y3.relaxedAddingProduct(t, q3)
                    p += w
                }
                var s0 = x0.sum(), s1 = x1.sum(), s2 = x2.sum(), s3 = x3.sum()
                var r0 = y0.sum(), r1 = y1.sum(), r2 = y2.sum(), r3 = y3.sum()
                while p < k {
                    let u = a0[p], t = a1[p]
                    s0 += u * b0[p]; s1 += u * b1[p]; s2 += u * b2[p]; s3 += u * b3[p]
                    r0 += t * b0[p]; r1 += t * b1[p]; r2 += t * b2[p]; r3 += t * b3[p]
                    p += 1
                }
                write(s0, c0 + j, alpha, beta); write(s1, c0 + j + 1, alpha, beta)
                write(s2, c0 + j + 2, alpha, beta); write(s3, c0 + j + 3, alpha, beta)
                if pair {
                    write(r0, c1 + j, alpha, beta); write(r1, c1 + j + 1, alpha, beta)
                    write(r2, c1 + j + 2, alpha, beta); write(r3, c1 + j + 3, alpha, beta)
                }
                j += 4
            }
            while j < n {
                let bj = b + j * ldb
                write(dot(v, a0, bj, k), c0 + j, alpha, beta)
                if pair { write(dot(v, a1, bj, k), c1 + j, alpha, beta) }
                j += 1
            }
            i += pair ? 2 : 1
        }
    }

    /// The dot product of `k` contiguous elements of `x` and `y`.
    @inline(__always)
    private static func dot<V: SIMD>(_ v: V.Type, _ x: UnsafePointer<V.Scalar>, _ y: UnsafePointer<V.Scalar>,
                                     _ k: Int) -> V.Scalar where V.Scalar: BinaryFloatingPoint {
        let w = V.scalarCount
        var acc = V(), p = 0
        while p + w <= k {
            acc = acc.relaxedAddingProduct(load(x + p), load(y + p) as V)
            p += w
        }
        var s = acc.sum()
        while p < k {
            s += x[p] * y[p]
            p += 1
        }
        return s
    }

    @inline(__always)
    static func load<V: SIMD>(_ p: UnsafePointer<V.Scalar>) -> V {
        UnsafeRawPointer(p).loadUnaligned(as: V.self)
    }

    /// Stores `alpha · acc + beta · C` (`beta == 0` overwrites).
    @inline(__always)
    static func write<V: SIMD>(_ acc: V, _ c: UnsafeMutablePointer<V.Scalar>, _ alpha: V.Scalar,
                                       _ beta: V.Scalar) where V.Scalar: FloatingPoint {
        let scaled = acc * alpha
        let value = beta == 0 ? scaled : scaled.relaxedAddingProduct(load(UnsafePointer(c)), V(repeating: beta))
        UnsafeMutableRawPointer(c).storeBytes(of: value, as: V.self)
    }

    @inline(__always)
    private static func write<S: FloatingPoint>(_ acc: S, _ c: UnsafeMutablePointer<S>, _ alpha: S, _ beta: S) {
        c.pointee = beta == 0 ? alpha * acc : alpha * acc + beta * c.pointee
    }
}
