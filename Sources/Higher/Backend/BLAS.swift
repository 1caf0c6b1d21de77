#if OpenBLAS
import COpenBLAS
#elseif BLIS
import CBLIS
#endif

/// The BLAS library that Higher's matrix products and convolutions run on, chosen when
/// the package is built: OpenBLAS by default, BLIS with the package trait `BLIS`
/// (`swift build --traits BLIS`), or a plain Swift loop when neither trait is enabled.
///
/// Higher runs BLAS on **one thread**: meta-learning parallelises over tasks, and
/// BLAS threads competing with task threads only slow both down. The count is set
/// once, before the first product. Call ``setThreadCount(_:)`` to let one large
/// product use more cores.
///
/// ```swift
/// print(BLASBackend.name)          // "OpenBLAS"
/// BLASBackend.setThreadCount(2)    // large single products may use two threads
/// ```
public enum BLASBackend {
    /// The name of the library in use: `"OpenBLAS"`, `"BLIS"` or `"Swift"` (the loop
    /// used when the package is built with neither trait).
    ///
    /// ```swift
    /// if BLASBackend.name == "Swift" { print("no BLAS: products will be slow") }
    /// ```
    public static var name: String {
        #if OpenBLAS
        return "OpenBLAS"
        #elseif BLIS
        return "BLIS"
        #else
        return "Swift"
        #endif
    }

    /// Sets how many threads the BLAS library may use for one product (at least 1).
    ///
    /// Higher sets 1 before its first product; this call overrides that for the whole
    /// process. With the Swift fallback it does nothing.
    ///
    /// ```swift
    /// BLASBackend.setThreadCount(4)
    /// ```
    public static func setThreadCount(_ count: Int) {
        precondition(count >= 1, "BLASBackend.setThreadCount: thread count \(count) must be at least 1")
        BLAS.ensureConfigured()
        BLAS.setThreads(count)
    }
}

/// Row-major GEMM for the tensor kernels: `C = alpha · op(A) · op(B) + beta · C`,
/// with `op(A)` of shape `m × k` and `op(B)` of shape `k × n`.
enum BLAS {
    /// Runs once, thread-safely (a global `static let` is initialised through
    /// `swift_once`), before the first product: a BLAS library otherwise starts as many
    /// threads as cores, which fights the task-level parallelism.
    private static let configured: Bool = {
        setThreads(1)
        return true
    }()

    @inline(__always)
    static func ensureConfigured() { _ = configured }

    static func setThreads(_ count: Int) {
        #if OpenBLAS
        openblas_set_num_threads(Int32(count))
        #elseif BLIS
        bli_thread_set_num_threads(dim_t(count))
        #endif
    }

    #if OpenBLAS
    typealias Index = blasint
    #elseif BLIS
    typealias Index = f77_int
    #endif

    /// `C = alpha · op(A) · op(B) + beta · C` for Float or Double (row-major).
    /// `lda`, `ldb`, `ldc` are the row strides of A, B, C as stored.
    @inline(__always)
    static func gemm<S: TensorScalar>(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: S = 1, _ a: UnsafePointer<S>, lda: Int, _ b: UnsafePointer<S>, ldb: Int,
        beta: S = 0, _ c: UnsafeMutablePointer<S>, ldc: Int
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 {
            scale(c, m: m, n: n, ldc: ldc, by: beta)
            return
        }
        #if OpenBLAS || BLIS
        if prefersLoop(m: m, n: n, k: k) {
            loopGemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                     alpha: alpha, a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
            return
        }
        ensureConfigured()
        let ta = transposeA ? CblasTrans : CblasNoTrans
        let tb = transposeB ? CblasTrans : CblasNoTrans
        if S.self == Float.self {
            cblas_sgemm(CblasRowMajor, ta, tb, Index(m), Index(n), Index(k), Float(alpha),
                        UnsafeRawPointer(a).assumingMemoryBound(to: Float.self), Index(lda),
                        UnsafeRawPointer(b).assumingMemoryBound(to: Float.self), Index(ldb),
                        Float(beta), UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), Index(ldc))
        } else {
            cblas_dgemm(CblasRowMajor, ta, tb, Index(m), Index(n), Index(k), Double(alpha),
                        UnsafeRawPointer(a).assumingMemoryBound(to: Double.self), Index(lda),
                        UnsafeRawPointer(b).assumingMemoryBound(to: Double.self), Index(ldb),
                        Double(beta), UnsafeMutableRawPointer(c).assumingMemoryBound(to: Double.self), Index(ldc))
        }
        #else
        loopGemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                 alpha: alpha, a, lda: lda, b, ldb: ldb, beta: beta, c, ldc: ldc)
        #endif
    }

    /// Whether the Swift loop beats the library call for an `m × k · k × n` product.
    ///
    /// Measured in release builds through `matmul` (Float and Double, one thread, all
    /// four transpose cases; ratios are loop time / library time):
    /// - OpenBLAS costs about 0.2 µs per call: the loop wins up to about 64
    ///   multiply-adds (2×2×2: 0.76-0.81, 4×4×4: 0.85-0.94, 5×5×5: 0.90-1.00,
    ///   8×8×8: 1.04-1.30), and at 40×40·40×10 OpenBLAS is 3.2-5.9 times faster
    ///   (Float: 0.69 µs against 4.0 µs).
    /// - BLIS costs about 2.6 µs per call for matrices (its vector cases are fast):
    ///   the loop wins while `m·k ≤ 1024` and `m·n·k ≤ 32768` (16×16×16: 0.19-0.27,
    ///   32×32×32: 0.63-0.94, 10×40·40×40: 0.33-0.51); beyond, BLIS wins
    ///   (48×48×48: 1.08-1.27, 64×64·64×8: 0.73-1.69, 100×100·100×4: 0.86-2.3).
    /// - A single output column (`n == 1`) is a matrix-vector product, which both
    ///   libraries run faster than the loop (40×1·1×1: 1.0-1.3, 40×40·40×1 with BLIS:
    ///   4-11).
    @inline(__always)
    static func prefersLoop(m: Int, n: Int, k: Int) -> Bool {
        #if OpenBLAS
        return n > 1 && m * n * k <= 64
        #elseif BLIS
        return n > 1 && m * k <= 1024 && m * n * k <= 32768
        #else
        return true
        #endif
    }

    /// `C *= beta` (BLAS semantics: beta == 0 overwrites, even NaN).
    static func scale<S: TensorScalar>(_ c: UnsafeMutablePointer<S>, m: Int, n: Int, ldc: Int, by beta: S) {
        for i in 0..<m {
            let row = c + i * ldc
            if beta == 0 {
                row.update(repeating: 0, count: n)
            } else if beta != 1 {
                for j in 0..<n { row[j] *= beta }
            }
        }
    }

    /// A plain Swift GEMM, used for small products (where it beats the library call)
    /// and when no BLAS trait is enabled. The innermost loop always runs along a
    /// contiguous row of `C` and of `B` (a transposed `B` is first copied to a
    /// temporary), which the compiler vectorises; dot-product orders would not be.
    static func loopGemm<S: TensorScalar>(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int,
        alpha: S, _ a: UnsafePointer<S>, lda: Int, _ b: UnsafePointer<S>, ldb: Int,
        beta: S, _ c: UnsafeMutablePointer<S>, ldc: Int
    ) {
        if transposeB {
            withUnsafeTemporaryAllocation(of: S.self, capacity: k * n) { buffer in
                let bt = buffer.baseAddress!
                for j in 0..<n {
                    let row = b + j * ldb
                    for p in 0..<k { bt[p * n + j] = row[p] }
                }
                loopGemm(transposeA: transposeA, transposeB: false, m: m, n: n, k: k,
                         alpha: alpha, a, lda: lda, UnsafePointer(bt), ldb: n, beta: beta, c, ldc: ldc)
            }
            return
        }
        scale(c, m: m, n: n, ldc: ldc, by: beta)
        if transposeA {
            for p in 0..<k {
                let ap = a + p * lda, bp = b + p * ldb
                for i in 0..<m {
                    let s = alpha * ap[i], ci = c + i * ldc
                    for j in 0..<n { ci[j] += s * bp[j] }
                }
            }
        } else {
            for i in 0..<m {
                let ci = c + i * ldc, ai = a + i * lda
                for p in 0..<k {
                    let s = alpha * ai[p], bp = b + p * ldb
                    for j in 0..<n { ci[j] += s * bp[j] }
                }
            }
        }
    }
}
