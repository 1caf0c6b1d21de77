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
        if prefersLoop(S.self, m: m, n: n, k: k, transposeB: transposeB) {
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

    /// Whether the Swift kernels (``loopGemm(transposeA:transposeB:m:n:k:alpha:_:lda:_:ldb:beta:_:ldc:)``)
    /// beat the library call for an `m × k · k × n` product of `S` (`transposeB` says
    /// whether `B` is read transposed).
    ///
    /// Measured in a release build on raw buffers, one thread, OpenBLAS choosing its own
    /// kernels for the core (AVX-512 on the benchmark machine), each product over 64 sets
    /// of operands in turn:
    /// - OpenBLAS costs 0.03-0.09 µs per call before any arithmetic. Products with a side
    ///   of 1 run up to 2.7× faster in Swift (1×10·10×40: 0.37-0.39× OpenBLAS's time,
    ///   40×10·10×1: 0.57-0.60×, 10×40·40×1: 0.63-0.71×, 10×1·1×40: 0.84-1.04×). Products
    ///   of at most 512 multiply-adds are about level (8×8×8: 0.99-1.11×, 4×4×4:
    ///   1.12-1.26×); they stay in Swift as the MAML benchmark measured them when these
    ///   kernels came in, together with the products with a side of 1 (T=8, K=50 5 %
    ///   faster).
    /// - Float `A·B` and `Aᵀ·B` of at most 16,384 multiply-adds with at least three vectors
    ///   of columns run on the row strips. In isolation the 256-bit strips tie with
    ///   OpenBLAS at 10×40·40×40 (1.02×) and 40×10·10×40 (1.08×), whose 40 columns leave
    ///   its 16-wide kernel a partial vector, and make the MAML benchmark's T=8, K=50 4.4 %
    ///   faster, where those are the hidden layer's products; the 512-bit strips of a
    ///   build for an AVX-512 CPU take 0.56× and 0.68× OpenBLAS's time. Where OpenBLAS's
    ///   full-width kernels fit (16×32·32×32: 1.8×, 32×32·32×32: 1.9×, 64³: 2.2× faster
    ///   than the 256-bit strips) and for Double (10×40·40×40: 1.5×) the library is kept;
    ///   so it is for `A·Bᵀ` above 512 multiply-adds, where the dot-product kernel and a
    ///   transpose of `B` followed by the strips both made the benchmark slower (8 % and
    ///   2 % on T=8, K=50).
    /// - A build without fused multiply-add in its target (Swift's default x86-64 target;
    ///   see ``TargetFeatures``) multiplies and adds separately on 128-bit registers: the
    ///   small products stay about level (1×40·… to 8×8×8: 0.46-1.83× OpenBLAS's time,
    ///   sub-0.1 µs either way), the row strips' products take 2.9-4.6× OpenBLAS's time
    ///   and go to the library.
    /// - BLIS costs 2.6-4 µs per call (Debian's build), more than the Swift kernels take
    ///   for any product up to 64×64×64 (2.2-12× slower; 1.2-5.6× without fused
    ///   multiply-add), except a large matrix-vector product (1000×1000·1000×1: BLIS 1.7×
    ///   faster).
    @inline(__always)
    static func prefersLoop<S: TensorScalar>(_: S.Type, m: Int, n: Int, k: Int, transposeB: Bool) -> Bool {
        #if OpenBLAS
        return min(m, n, k) == 1 || m * n * k <= 512
            || (TargetFeatures.fusedMultiplyAdd && S.self == Float.self && !transposeB
                && m >= 2 && n >= 24 && m * n * k <= 16_384)
        #elseif BLIS
        return k == 1 || m * n * k <= (n == 1 ? 4096 : 262_144)
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
}
