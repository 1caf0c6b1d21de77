/// 512-bit strips for the Swift GEMM's Float `A·B` and `Aᵀ·B`, which run in builds for a
/// CPU with AVX-512 (`-Xswiftc -target-cpu -Xswiftc native` on such a host, as `make`
/// passes to its programs there; see ``TargetFeatures``). On a 256-bit target the same
/// code would split every vector in two and run out of registers, so ``BLAS/rowKernel``
/// calls it only when ``TargetFeatures/avx512`` holds, and it folds away elsewhere.
extension BLAS {
    /// Runs the columns of `C = alpha · A·B + beta · C` that 512-bit strips cover (up to
    /// three 16-wide vectors, the last strip possibly ending in an 8-wide one) on blocks
    /// of four rows, and returns how many columns it covered; ``BLAS/rowKernel`` runs the
    /// rest (fewer than 16). Layout as in ``BLAS/rowKernel``; `m ≥ 2`.
    ///
    /// ```swift
    /// // C (10×40) = A (10×40) · B (40×40): strips of 16 + 16 + 8 columns
    /// let done = BLAS.wideRowStrips(m: 10, n: 40, k: 40, alpha: 1, a, rowStride: 40, depthStride: 1,
    ///                               b, ldb: 40, beta: 0, c, ldc: 40)    // 40
    /// ```
    static func wideRowStrips(
        m: Int, n: Int, k: Int, alpha: Float, _ a: UnsafePointer<Float>, rowStride: Int, depthStride: Int,
        _ b: UnsafePointer<Float>, ldb: Int, beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int
    ) -> Int {
        var j = 0
        func strip(_ wide: Int, _ half: Bool) {
            // Constant arguments at every call: each call inlines to its own kernel.
            switch (wide, half) {
            case (3, _): wideStrip(wide: 3, half: false, m: m, k: k, alpha: alpha, a, rowStride: rowStride,
                                   depthStride: depthStride, b + j, ldb: ldb, beta: beta, c + j, ldc: ldc)
            case (2, true): wideStrip(wide: 2, half: true, m: m, k: k, alpha: alpha, a, rowStride: rowStride,
                                      depthStride: depthStride, b + j, ldb: ldb, beta: beta, c + j, ldc: ldc)
            case (2, false): wideStrip(wide: 2, half: false, m: m, k: k, alpha: alpha, a, rowStride: rowStride,
                                       depthStride: depthStride, b + j, ldb: ldb, beta: beta, c + j, ldc: ldc)
            case (1, true): wideStrip(wide: 1, half: true, m: m, k: k, alpha: alpha, a, rowStride: rowStride,
                                      depthStride: depthStride, b + j, ldb: ldb, beta: beta, c + j, ldc: ldc)
            default: wideStrip(wide: 1, half: false, m: m, k: k, alpha: alpha, a, rowStride: rowStride,
                               depthStride: depthStride, b + j, ldb: ldb, beta: beta, c + j, ldc: ldc)
            }
            j += wide * 16 + (half ? 8 : 0)
        }
        while n - j >= 48 { strip(3, false) }
        switch n - j {
        case 40...: strip(2, true)
        case 32...: strip(2, false)
        case 24...: strip(1, true)
        case 16...: strip(1, false)
        default: break
        }
        return j
    }

    /// One strip of `wide` 16-wide column vectors (1 to 3), then an 8-wide one when
    /// `half`, over every row: four rows at a time keep up to twelve accumulators in
    /// registers while `p` runs over `k`, each step one load of `B` per vector and one
    /// broadcast of `A` per row. A last block of one to three rows repeats its last row
    /// (computed, not written).
    @inline(__always)
    private static func wideStrip(
        wide: Int, half: Bool, m: Int, k: Int, alpha: Float, _ a: UnsafePointer<Float>, rowStride: Int,
        depthStride: Int, _ b: UnsafePointer<Float>, ldb: Int, beta: Float, _ c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        typealias W = SIMD16<Float>
        typealias H = SIMD8<Float>
        var i = 0
        while i < m {
            let rows = min(4, m - i)
            let a0 = a + i * rowStride, a1 = rows > 1 ? a0 + rowStride : a0
            let a2 = rows > 2 ? a1 + rowStride : a1, a3 = rows > 3 ? a2 + rowStride : a2
            var x0 = W(), x1 = W(), x2 = W(), xh = H(), y0 = W(), y1 = W(), y2 = W(), yh = H()
            var z0 = W(), z1 = W(), z2 = W(), zh = H(), q0 = W(), q1 = W(), q2 = W(), qh = H()
            var bp = b, o = 0
            for _ in 0..<k {
                let s0 = a0[o], s1 = a1[o], s2 = a2[o], s3 = a3[o]
                var u: W = load(bp)
                x0 = x0.relaxedAddingProduct(W(repeating: s0), u); y0 = y0.relaxedAddingProduct(W(repeating: s1), u)
                z0 = z0.relaxedAddingProduct(W(repeating: s2), u); q0 = q0.relaxedAddingProduct(W(repeating: s3), u)
                if wide > 1 {
                    u = load(bp + 16)
                    x1 = x1.relaxedAddingProduct(W(repeating: s0), u); y1 = y1.relaxedAddingProduct(W(repeating: s1), u)
                    z1 = z1.relaxedAddingProduct(W(repeating: s2), u); q1 = q1.relaxedAddingProduct(W(repeating: s3), u)
                }
                if wide > 2 {
                    u = load(bp + 32)
                    x2 = x2.relaxedAddingProduct(W(repeating: s0), u); y2 = y2.relaxedAddingProduct(W(repeating: s1), u)
                    z2 = z2.relaxedAddingProduct(W(repeating: s2), u); q2 = q2.relaxedAddingProduct(W(repeating: s3), u)
                }
                if half {
                    let t: H = load(bp + 16 * wide)
                    xh = xh.relaxedAddingProduct(H(repeating: s0), t); yh = yh.relaxedAddingProduct(H(repeating: s1), t)
                    zh = zh.relaxedAddingProduct(H(repeating: s2), t); qh = qh.relaxedAddingProduct(H(repeating: s3), t)
                }
                bp += ldb
                o &+= depthStride
            }
            func row(_ r: Int, _ v0: W, _ v1: W, _ v2: W, _ vh: H) {
                let cr = c + (i + r) * ldc
                write(v0, cr, alpha, beta)
                if wide > 1 { write(v1, cr + 16, alpha, beta) }
                if wide > 2 { write(v2, cr + 32, alpha, beta) }
                if half { write(vh, cr + 16 * wide, alpha, beta) }
            }
            row(0, x0, x1, x2, xh)
            if rows > 1 { row(1, y0, y1, y2, yh) }
            if rows > 2 { row(2, z0, z1, z2, zh) }
            if rows > 3 { row(3, q0, q1, q2, qh) }
            i += rows
        }
    }
}
