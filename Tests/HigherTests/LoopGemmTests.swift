import Testing
@testable import Higher

/// The Swift GEMM kernels (small products, and every product without a BLAS trait)
/// against a plain triple loop in Double.
@Suite struct LoopGemmTests {
    /// Sizes that reach every block of both kernels in both vector widths (8 Floats, 4
    /// Doubles): row-pair strips of five, four and three vectors, one after another and
    /// with an odd last row; then four-row blocks with and without a padded last block, a
    /// single last row, two-vector, one-vector and scalar column tails; depths below, at
    /// and above one vector. Built for a CPU with AVX-512 (`make test-kernels`), the same
    /// sizes reach every 512-bit strip: three, two and one 16-wide vectors, with and
    /// without an 8-wide one after them, alone and after a three-vector strip. Built for
    /// the default target, for `haswell` and for `native`, they check the separate and
    /// the fused multiply-adds.
    static let sizes: [(m: Int, n: Int, k: Int)] = {
        var s: [(Int, Int, Int)] = []
        for m in [1, 2, 3, 4, 5, 10] {
            for n in [1, 3, 8, 17, 24, 35, 40, 57, 70, 88] {
                for k in [1, 3, 9, 40] { s.append((m, n, k)) }
            }
        }
        return s
    }()

    /// Runs `loopGemm` in `S` on the seeded operands and returns `C`. `pad` widens every
    /// leading dimension beyond the stored rows, so the kernels must honour the strides.
    static func run<S: TensorScalar>(_: S.Type, _ tA: Bool, _ tB: Bool, _ m: Int, _ n: Int, _ k: Int,
                                     alpha: Double, beta: Double, pad: Int, c0: [Double]) -> [Double] {
        let (ra, ca) = tA ? (k, m) : (m, k), (rb, cb) = tB ? (n, k) : (k, n)
        let lda = ca + pad, ldb = cb + pad, ldc = n + pad
        let a = LinalgCheck.values(ra * lda, seed: 61).map { S($0) }
        let b = LinalgCheck.values(rb * ldb, seed: 62).map { S($0) }
        var c = c0.map { S($0) }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    BLAS.loopGemm(transposeA: tA, transposeB: tB, m: m, n: n, k: k, alpha: S(alpha),
                                  pa.baseAddress!, lda: lda, pb.baseAddress!, ldb: ldb,
                                  beta: S(beta), pc.baseAddress!, ldc: ldc)
                }
            }
        }
        return c.map { Double($0) }
    }

    /// `alpha · op(A)·op(B) + beta · C0` by the definition (rounded operands as in `S`).
    static func reference<S: TensorScalar>(_: S.Type, _ tA: Bool, _ tB: Bool, _ m: Int, _ n: Int, _ k: Int,
                                           alpha: Double, beta: Double, pad: Int, c0: [Double]) -> [Double] {
        let (ra, ca) = tA ? (k, m) : (m, k), (rb, cb) = tB ? (n, k) : (k, n)
        let lda = ca + pad, ldb = cb + pad, ldc = n + pad
        let a = LinalgCheck.values(ra * lda, seed: 61).map { Double(S($0)) }
        let b = LinalgCheck.values(rb * ldb, seed: 62).map { Double(S($0)) }
        var c = c0.map { Double(S($0)) }
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k { s += (tA ? a[p * lda + i] : a[i * lda + p]) * (tB ? b[j * ldb + p] : b[p * ldb + j]) }
                c[i * ldc + j] = alpha * s + (beta == 0 ? 0 : beta * c[i * ldc + j])
            }
        }
        return c
    }

    static func check<S: TensorScalar>(_ type: S.Type, tolerance: Double, pad: Int) {
        for (tA, tB) in [(false, false), (true, false), (false, true), (true, true)] {
            for (m, n, k) in sizes {
                for (alpha, beta) in [(1.0, 0.0), (2.0, 0.5)] {
                    // beta == 0 must overwrite C, NaN included (BLAS semantics).
                    let c0 = LinalgCheck.values(m * (n + pad), seed: 63).map { beta == 0 ? .nan : $0 }
                    let got = run(type, tA, tB, m, n, k, alpha: alpha, beta: beta, pad: pad, c0: c0)
                    let want = reference(type, tA, tB, m, n, k, alpha: alpha, beta: beta, pad: pad, c0: c0)
                    // Only the m × n block is written; the padding keeps its values.
                    let written = (0..<m).flatMap { i in (0..<n).map { i * (n + pad) + $0 } }
                    let bad = written.first { abs(got[$0] - want[$0]) > tolerance * Double(k) || got[$0].isNaN }
                    #expect(bad == nil, "\(S.self) \(tA ? "Aᵀ" : "A")·\(tB ? "Bᵀ" : "B") \(m)×\(n)×\(k) α=\(alpha) β=\(beta) pad=\(pad): C[\(bad ?? 0)] = \(bad.map { got[$0] } ?? 0), expected \(bad.map { want[$0] } ?? 0)")
                    let padding = Set(0..<c0.count).subtracting(written)
                    #expect(padding.allSatisfy { got[$0].isNaN ? c0[$0].isNaN : got[$0] == Double(S(c0[$0])) })
                }
            }
        }
    }

    @Test func doubleKernelsMatchTheDefinition() {
        Self.check(Double.self, tolerance: 1e-15, pad: 0)
    }

    @Test func floatKernelsMatchTheDefinition() {
        Self.check(Float.self, tolerance: 1e-6, pad: 0)
    }

    @Test func kernelsHonourLeadingDimensions() {
        Self.check(Double.self, tolerance: 1e-15, pad: 3)
        Self.check(Float.self, tolerance: 1e-6, pad: 2)
    }

    @Test func emptyDepthScalesC() {
        var c: [Double] = [1, 2, 3, 4]
        let a: [Double] = [], b: [Double] = []
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    BLAS.loopGemm(transposeA: false, transposeB: false, m: 2, n: 2, k: 0, alpha: 1,
                                  pa.baseAddress ?? UnsafePointer(bitPattern: 8)!, lda: 0,
                                  pb.baseAddress ?? UnsafePointer(bitPattern: 8)!, ldb: 2,
                                  beta: 0.5, pc.baseAddress!, ldc: 2)
                }
            }
        }
        #expect(c == [0.5, 1, 1.5, 2])
    }
}
