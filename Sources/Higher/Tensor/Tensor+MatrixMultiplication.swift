/// Matrix products with NumPy `matmul` semantics, through BLAS GEMM.

/// The matrix product of `a` and `b` with NumPy `matmul` semantics.
///
/// - vector · vector (`[k] × [k]`) gives a scalar (shape `[]`);
/// - matrix · vector (`[m, k] × [k]`) gives `[m]`; vector · matrix (`[k] × [k, n]`) gives `[n]`;
/// - matrix · matrix (`[m, k] × [k, n]`) gives `[m, n]`;
/// - with more axes, the leading ones are batch axes, broadcast like NumPy:
///   `[2, 1, m, k] × [3, k, n]` gives `[2, 3, m, n]`.
///
/// Differentiable in both operands, to any order.
///
/// ```swift
/// let a = Tensor([[1, 2], [3, 4]])
/// let b = Tensor([[5], [6]])
/// matmul(a, b)                          // [[17], [39]]
/// matmul(Tensor([1, 2]), Tensor([3, 4])) // 11
/// ```
public func matmul(_ a: Tensor, _ b: Tensor) -> Tensor {
    a.matmul(b)
}

/// The matrix product `op(a) · op(b)`, where `op` transposes the last two axes of an
/// operand whose flag is set. The transposes are passed to BLAS, not copied.
///
/// Both operands need at least two axes when a flag is set; leading axes are batch
/// axes as in ``matmul(_:_:)``. With both flags false this is ``matmul(_:_:)``.
///
/// ```swift
/// let x = Tensor.ones([8, 3])
/// let w = Tensor.ones([5, 3])            // PyTorch's Linear layout [out, in]
/// matmul(x, w, transposeB: true)         // shape [8, 5]: x · wᵀ
/// ```
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    a.matmul(b, transposeA: transposeA, transposeB: transposeB)
}

/// The outer product of two vectors: `[m] ⊗ [n]` gives `[m, n]` with entries `a[i] · b[j]`.
///
/// ```swift
/// outer(Tensor([1, 2]), Tensor([3, 4, 5]))   // [[3, 4, 5], [6, 8, 10]]
/// ```
public func outer(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.rank == 1 && b.rank == 1, "outer: \(a.shape) ⊗ \(b.shape): both operands must be vectors")
    return a.reshaped([a.count, 1]) * b.reshaped([1, b.count])
}

extension Tensor {
    /// The matrix product `self · other` with NumPy `matmul` semantics; see ``matmul(_:_:)``.
    ///
    /// ```swift
    /// let y = Tensor.ones([4, 3]).matmul(Tensor.ones([3, 2]))   // shape [4, 2], all 3
    /// ```
    public func matmul(_ other: Tensor) -> Tensor {
        precondition(rank >= 1 && other.rank >= 1,
                     "matmul: \(shape) × \(other.shape): operands must have at least one axis")
        switch (rank, other.rank) {
        case (1, 1):
            checkInner(count, other.count, other)
            return reshaped([1, count]).matmul(other.reshaped([count, 1]), transposeA: false, transposeB: false)
                .reshaped([])
        case (1, _):
            checkInner(count, other.shape[other.rank - 2], other)
            let r = reshaped([1, count]).matmul(other, transposeA: false, transposeB: false)
            return r.reshaped(Array(r.shape.dropLast(2)) + [r.shape[r.rank - 1]])
        case (_, 1):
            checkInner(shape[rank - 1], other.count, other)
            let r = matmul(other.reshaped([other.count, 1]), transposeA: false, transposeB: false)
            return r.reshaped(Array(r.shape.dropLast()))
        default:
            return matmul(other, transposeA: false, transposeB: false)
        }
    }

    private func checkInner(_ k1: Int, _ k2: Int, _ other: Tensor) {
        precondition(k1 == k2, "matmul: \(shape) × \(other.shape): inner dimensions \(k1) and \(k2) differ")
    }

    /// The matrix product `op(self) · op(other)`; see ``matmul(_:_:transposeA:transposeB:)``.
    ///
    /// ```swift
    /// let a = Tensor.ones([3, 4])
    /// let g = a.matmul(a, transposeA: true)    // aᵀ · a, shape [4, 4]
    /// ```
    public func matmul(_ other: Tensor, transposeA: Bool, transposeB: Bool) -> Tensor {
        if !transposeA && !transposeB && (rank < 2 || other.rank < 2) { return matmul(other) }
        // A batch of matrices times one matrix is one tall product: fewer, larger GEMMs,
        // and the weight gradient comes out already summed over the batch.
        if rank > 2 && other.rank == 2 && !transposeA && dtype == other.dtype
            && shape[rank - 1] > 0 && shape[rank - 1] == other.shape[transposeB ? 1 : 0] {
            let k = shape[rank - 1], n = other.shape[transposeB ? 0 : 1]
            return reshaped([-1, k]).matmul(other, transposeA: false, transposeB: transposeB)
                .reshaped(Array(shape.dropLast()) + [n])
        }
        let geometry = MatmulGeometry(shape, other.shape, transposeA, transposeB, dtype, other.dtype)
        if tracer == nil && other.tracer == nil { return Tensor.matmulKernel(self, other, geometry) }
        return Tensor.primitive("matmul", [self, other],
            value: { Tensor.matmulKernel($0[0], $0[1], geometry) },
            jvp: { x, t, _ in
                Tensor.sum([t[0].map { $0.matmul(x[1], transposeA: transposeA, transposeB: transposeB) },
                            t[1].map { x[0].matmul($0, transposeA: transposeA, transposeB: transposeB) }])!
            },
            backward: .inputs { x, g, need in
                let a = x[0], b = x[1]
                // C = op(A)·op(B): dop(A) = g·op(B)ᵀ, dop(B) = op(A)ᵀ·g, then undo each op.
                var da: Tensor?, db: Tensor?
                switch (transposeA, transposeB) {
                case (false, false):
                    if need[0] { da = g.matmul(b, transposeA: false, transposeB: true) }
                    if need[1] { db = a.matmul(g, transposeA: true, transposeB: false) }
                case (true, false):
                    if need[0] { da = b.matmul(g, transposeA: false, transposeB: true) }
                    if need[1] { db = a.matmul(g, transposeA: false, transposeB: false) }
                case (false, true):
                    if need[0] { da = g.matmul(b, transposeA: false, transposeB: false) }
                    if need[1] { db = g.matmul(a, transposeA: true, transposeB: false) }
                case (true, true):
                    if need[0] { da = b.matmul(g, transposeA: true, transposeB: true) }
                    if need[1] { db = g.matmul(a, transposeA: true, transposeB: true) }
                }
                return [da?.sumToShape(a.shape), db?.sumToShape(b.shape)]
            })
    }

    /// Products of plain tensors: one GEMM per output matrix (``BLAS/gemm`` runs the
    /// Swift kernels for products too small to pay for the library call).
    static func matmulKernel(_ a: Tensor, _ b: Tensor, _ g: MatmulGeometry) -> Tensor {
        switch (a.data, b.data) {
        case (.float32(let x), .float32(let y)):
            return Tensor(shape: g.outShape, data: .float32(g.run(x, y)))
        case (.float64(let x), .float64(let y)):
            return Tensor(shape: g.outShape, data: .float64(g.run(x, y)))
        default:
            preconditionFailure("matmul: dtypes \(a.dtype) and \(b.dtype) differ")
        }
    }
}

/// The sizes and batch layout of one (possibly batched, broadcast) product, checked once.
struct MatmulGeometry: Sendable {
    let m: Int, n: Int, k: Int
    let transposeA: Bool, transposeB: Bool
    let lda: Int, ldb: Int
    let outShape: [Int]
    /// Element offsets of each output matrix's operands (empty when there is one matrix).
    let offsetsA: [Int], offsetsB: [Int]

    init(_ sa: [Int], _ sb: [Int], _ tA: Bool, _ tB: Bool, _ da: DType, _ db: DType) {
        func fail(_ why: String) -> Never {
            let t = (tA ? " (transposed)" : "", tB ? " (transposed)" : "")
            preconditionFailure("matmul: \(sa)\(t.0) × \(sb)\(t.1): \(why)")
        }
        if sa.count < 2 || sb.count < 2 { fail("operands with a transpose flag need at least two axes") }
        if da != db { fail("dtypes \(da) and \(db) differ") }
        let ra = sa.count, rb = sb.count
        m = tA ? sa[ra - 1] : sa[ra - 2]
        let ka = tA ? sa[ra - 2] : sa[ra - 1]
        let kb = tB ? sb[rb - 1] : sb[rb - 2]
        n = tB ? sb[rb - 2] : sb[rb - 1]
        if ka != kb { fail("inner dimensions \(ka) and \(kb) differ") }
        k = ka
        transposeA = tA
        transposeB = tB
        lda = sa[ra - 1]
        ldb = sb[rb - 1]
        // Equal batch axes (a single matrix included), the common case, need no arrays
        // beyond the output shape: small products are dominated by such bookkeeping.
        if ra == rb && sa.prefix(ra - 2).elementsEqual(sb.prefix(rb - 2)) {
            if sa[ra - 2] == m && sa[ra - 1] == n {
                outShape = sa
            } else if sb[rb - 2] == m && sb[rb - 1] == n {
                outShape = sb
            } else {
                var out = sa
                out[ra - 2] = m
                out[ra - 1] = n
                outShape = out
            }
            offsetsA = []
            offsetsB = []
            return
        }
        let batchA = Array(sa.dropLast(2)), batchB = Array(sb.dropLast(2))
        guard let batch = Shape.broadcast(batchA, batchB) else {
            fail("batch dimensions \(batchA) and \(batchB) cannot be broadcast")
        }
        outShape = batch + [m, n]
        // Equal batch axes returned above; one output matrix needs no offsets either.
        if Shape.count(batch) <= 1 {
            offsetsA = []
            offsetsB = []
        } else {
            let stA = Shape.broadcastStrides(batchA, to: batch)
            let stB = Shape.broadcastStrides(batchB, to: batch)
            var oa = [Int](), ob = [Int]()
            oa.reserveCapacity(Shape.count(batch))
            ob.reserveCapacity(Shape.count(batch))
            let sizeA = sa[ra - 2] * sa[ra - 1], sizeB = sb[rb - 2] * sb[rb - 1]
            Shape.forEachRow(batch, stA, stB) { pa, pb, len, ia, ib in
                for i in 0..<len {
                    oa.append((pa + i * ia) * sizeA)
                    ob.append((pb + i * ib) * sizeB)
                }
            }
            offsetsA = oa
            offsetsB = ob
        }
    }

    func run<S: TensorScalar>(_ a: [S], _ b: [S]) -> [S] {
        let size = m * n
        let total = Shape.count(outShape)
        return a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                makeArray(total) { pc in
                    guard total > 0, let c = pc.baseAddress else { return }
                    if k == 0 {
                        c.update(repeating: 0, count: total)
                        return
                    }
                    // Equal batches (or a single matrix): matrices follow one another.
                    let count = offsetsA.isEmpty ? total / size : offsetsA.count
                    let sizeA = m * k, sizeB = k * n
                    for i in 0..<count {
                        let oa = offsetsA.isEmpty ? i * sizeA : offsetsA[i]
                        let ob = offsetsB.isEmpty ? i * sizeB : offsetsB[i]
                        product(pa.baseAddress! + oa, pb.baseAddress! + ob, c + i * size)
                    }
                }
            }
        }
    }

    @inline(__always)
    private func product<S: TensorScalar>(_ a: UnsafePointer<S>, _ b: UnsafePointer<S>, _ c: UnsafeMutablePointer<S>) {
        BLAS.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                  a, lda: lda, b, ldb: ldb, c, ldc: n)
    }
}
