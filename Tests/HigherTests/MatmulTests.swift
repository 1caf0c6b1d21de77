import Testing
@testable import Higher

/// Helpers shared by the matmul and convolution tests: seeded data, finite differences
/// in Float64 and tolerant comparison.
enum LinalgCheck {
    /// Deterministic values in [-1, 1] (an LCG, so the tests need no random API).
    static func values(_ count: Int, seed: UInt64) -> [Double] {
        var state = seed &* 6364136223846793005 &+ 1442695040888963407
        return (0..<count).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53) * 2 - 1
        }
    }

    static func tensor(_ shape: [Int], seed: UInt64, dtype: DType = .float64) -> Tensor {
        Tensor(values(Shape.count(shape), seed: seed), shape: shape, dtype: dtype)
    }

    static func close(_ a: [Double], _ b: [Double], rtol: Double = 1e-6, atol: Double = 1e-7) -> Bool {
        guard a.count == b.count else { return false }
        let scale = b.map { abs($0) }.max() ?? 0
        return zip(a, b).allSatisfy { abs($0 - $1) <= atol + rtol * Swift.max(abs($1), scale) }
    }

    /// The central-difference gradient of the scalar function `f` at `x`.
    static func numericGradient(at x: Tensor, eps: Double = 1e-6, _ f: (Tensor) -> Tensor) -> [Double] {
        let v = x.scalars
        return (0..<v.count).map { i in
            var p = v, m = v
            p[i] += eps
            m[i] -= eps
            let fp = f(Tensor(p, shape: x.shape)).item, fm = f(Tensor(m, shape: x.shape)).item
            return (fp - fm) / (2 * eps)
        }
    }

    /// The central-difference directional derivative of `f` at `x` along `v`.
    static func numericDerivative(at x: [Tensor], along v: [Tensor], eps: Double = 1e-6,
                                  _ f: ([Tensor]) -> Tensor) -> [Double] {
        let plus = zip(x, v).map { $0 + $1 * eps }, minus = zip(x, v).map { $0 - $1 * eps }
        return zip(f(plus).scalars, f(minus).scalars).map { ($0 - $1) / (2 * eps) }
    }

    /// Checks the gradient (reverse mode) and a JVP (forward mode) of the scalar
    /// function `f` of several tensors against central finite differences.
    static func checkDerivatives(_ x: [Tensor], seed: UInt64, _ f: @escaping ([Tensor]) -> Tensor,
                                 sourceLocation: SourceLocation = #_sourceLocation) {
        let g = gradient(at: x, of: f)
        for i in x.indices {
            let numeric = numericGradient(at: x[i]) { xi in
                var y = x
                y[i] = xi
                return f(y)
            }
            #expect(g[i].shape == x[i].shape, sourceLocation: sourceLocation)
            #expect(close(g[i].scalars, numeric), "input \(i): \(g[i].scalars) vs \(numeric)",
                    sourceLocation: sourceLocation)
        }
        let v = x.enumerated().map { tensor($0.element.shape, seed: seed &+ UInt64($0.offset)) }
        let (_, d) = jvp(at: x, along: v, of: f)
        let numeric = numericDerivative(at: x, along: v, f)
        #expect(close(d.scalars, numeric), "jvp: \(d.scalars) vs \(numeric)", sourceLocation: sourceLocation)
    }

    /// Checks the Hessian-vector product of `f` (forward-over-reverse) and its
    /// reverse-over-reverse counterpart against finite differences of the gradient.
    static func checkHVP(_ x: Tensor, seed: UInt64, _ f: @escaping (Tensor) -> Tensor,
                         sourceLocation: SourceLocation = #_sourceLocation) {
        let v = tensor(x.shape, seed: seed)
        let hv = hessianVectorProduct(at: x, along: v, of: f)
        let eps = 1e-5
        let gp = gradient(at: x + v * eps, of: f), gm = gradient(at: x - v * eps, of: f)
        let numeric = zip(gp.scalars, gm.scalars).map { ($0 - $1) / (2 * eps) }
        #expect(close(hv.scalars, numeric, rtol: 1e-6, atol: 1e-6), "hvp: \(hv.scalars) vs \(numeric)",
                sourceLocation: sourceLocation)
        let rr = gradient(at: x) { y in (gradient(at: y, of: f) * v).sum() }
        #expect(close(rr.scalars, numeric, rtol: 1e-6, atol: 1e-6), "reverse-over-reverse: \(rr.scalars) vs \(numeric)",
                sourceLocation: sourceLocation)
    }
}

/// NumPy `matmul` written with plain loops in Double: the reference for every case.
private func referenceMatmul(_ a: [Double], _ sa: [Int], _ b: [Double], _ sb: [Int]) -> ([Double], [Int]) {
    var sa = sa, sb = sb
    let vecA = sa.count == 1, vecB = sb.count == 1
    if vecA { sa = [1] + sa }
    if vecB { sb = sb + [1] }
    let m = sa[sa.count - 2], k = sa[sa.count - 1], n = sb[sb.count - 1]
    let ba = Array(sa.dropLast(2)), bb = Array(sb.dropLast(2))
    let r = max(ba.count, bb.count)
    let pa = [Int](repeating: 1, count: r - ba.count) + ba, pb = [Int](repeating: 1, count: r - bb.count) + bb
    let batch = zip(pa, pb).map { max($0, $1) }
    let count = batch.reduce(1, *)
    var out = [Double](repeating: 0, count: count * m * n)
    for flat in 0..<count {
        var rest = flat, ia = 0, ib = 0, strideA = 1, strideB = 1
        for d in stride(from: r - 1, through: 0, by: -1) {
            let i = rest % batch[d]
            rest /= batch[d]
            ia += (pa[d] == 1 ? 0 : i) * strideA
            ib += (pb[d] == 1 ? 0 : i) * strideB
            strideA *= pa[d]
            strideB *= pb[d]
        }
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k { s += a[ia * m * k + i * k + p] * b[ib * k * n + p * n + j] }
                out[flat * m * n + i * n + j] = s
            }
        }
    }
    var shape = batch
    if !vecA { shape.append(m) }
    if !vecB { shape.append(n) }
    return (out, shape)
}

/// The last two axes swapped, with loops.
private func referenceTranspose(_ a: [Double], _ s: [Int]) -> ([Double], [Int]) {
    let r = s[s.count - 2], c = s[s.count - 1], count = a.count / max(r * c, 1)
    var out = a
    for b in 0..<count { for i in 0..<r { for j in 0..<c { out[b * r * c + j * r + i] = a[b * r * c + i * c + j] } } }
    return (out, Array(s.dropLast(2)) + [c, r])
}

@Suite struct MatmulTests {
    /// Every NumPy case, plus tiny (hand loop) and larger (BLAS) sizes and broadcast batches.
    static let cases: [([Int], [Int])] = [
        ([3], [3]), ([2, 3], [3]), ([3], [3, 4]), ([2, 3], [3, 4]), ([7, 9], [9, 11]),
        ([2, 2], [2, 2]), ([1, 5], [5, 1]), ([2, 3, 4], [4, 5]), ([3, 4], [2, 4, 5]),
        ([2, 1, 3, 4], [5, 4, 2]), ([1, 3, 4], [2, 4, 5]), ([4], [2, 4, 3]), ([2, 3, 4], [4]),
        ([2, 3, 6, 5], [2, 3, 5, 7]), ([3, 1, 2, 2], [1, 4, 2, 2]),
        ([33, 40], [40, 30]),   // past the small-product limits of both backends
    ]

    @Test(arguments: [DType.float64, DType.float32])
    func valuesMatchLoopReference(dtype: DType) {
        for (i, (sa, sb)) in Self.cases.enumerated() {
            let a = LinalgCheck.tensor(sa, seed: UInt64(2 * i), dtype: dtype)
            let b = LinalgCheck.tensor(sb, seed: UInt64(2 * i + 1), dtype: dtype)
            let (ref, shape) = referenceMatmul(a.scalars, sa, b.scalars, sb)
            let c = matmul(a, b)
            #expect(c.shape == shape, "\(sa) × \(sb)")
            #expect(c.dtype == dtype)
            let tol = dtype == .float64 ? 1e-12 : 1e-5
            #expect(LinalgCheck.close(c.scalars, ref, rtol: tol, atol: tol), "\(sa) × \(sb)")
            #expect(a.matmul(b).scalars == c.scalars)
        }
    }

    @Test(arguments: [DType.float64, DType.float32])
    func transposeFlagsMatchExplicitTransposes(dtype: DType) {
        // Sizes on both sides of the small-product limit, with and without batches.
        for (m, k, n, batchA, batchB) in [(2, 3, 2, [Int](), [Int]()), (6, 7, 5, [], []), (3, 4, 5, [2], [2]),
                                          (4, 5, 6, [2, 1], [3]), (3, 2, 4, [2], [])] {
            for tA in [false, true] {
                for tB in [false, true] {
                    let sa = batchA + (tA ? [k, m] : [m, k]), sb = batchB + (tB ? [n, k] : [k, n])
                    let a = LinalgCheck.tensor(sa, seed: 11, dtype: dtype), b = LinalgCheck.tensor(sb, seed: 12, dtype: dtype)
                    let (ra, rsa) = tA ? referenceTranspose(a.scalars, sa) : (a.scalars, sa)
                    let (rb, rsb) = tB ? referenceTranspose(b.scalars, sb) : (b.scalars, sb)
                    let (ref, shape) = referenceMatmul(ra, rsa, rb, rsb)
                    let c = matmul(a, b, transposeA: tA, transposeB: tB)
                    let tol = dtype == .float64 ? 1e-12 : 1e-5
                    #expect(c.shape == shape)
                    #expect(LinalgCheck.close(c.scalars, ref, rtol: tol, atol: tol), "\(sa)ᵀ\(tA) × \(sb)ᵀ\(tB)")
                }
            }
        }
    }

    @Test func emptyInnerDimensionGivesZeros() {
        let c = matmul(Tensor.zeros([2, 0]), Tensor.zeros([0, 3]))
        #expect(c.shape == [2, 3] && c.scalars == [Double](repeating: 0, count: 6))
        let e = matmul(Tensor.zeros([0, 4]), Tensor.ones([4, 3]))
        #expect(e.shape == [0, 3] && e.count == 0)
        let f = matmul(Tensor.zeros([2, 3, 0]), Tensor.zeros([0, 4]))
        #expect(f.shape == [2, 3, 4] && f.scalars == [Double](repeating: 0, count: 24))
        let g = gradient(at: Tensor.ones([2, 0])) { matmul($0, Tensor.ones([0, 3])).sum() }
        #expect(g.shape == [2, 0])
        // Without flags, the flagged form accepts vectors too.
        #expect(matmul(Tensor([1, 2]), Tensor([3, 4]), transposeA: false, transposeB: false).item == 11)
    }

    @Test func gradientsAndJVPsMatchFiniteDifferences() {
        for (i, (sa, sb)) in Self.cases.enumerated() {
            let a = LinalgCheck.tensor(sa, seed: UInt64(100 + i)), b = LinalgCheck.tensor(sb, seed: UInt64(200 + i))
            let outShape = matmul(a, b).shape
            let weight = LinalgCheck.tensor(outShape, seed: UInt64(300 + i))
            LinalgCheck.checkDerivatives([a, b], seed: UInt64(400 + i)) { x in (matmul(x[0], x[1]) * weight).sum() }
        }
    }

    @Test func transposedGradientsMatchFiniteDifferences() {
        for (m, k, n, batchA, batchB) in [(2, 3, 2, [Int](), [Int]()), (5, 6, 4, [], []), (3, 4, 2, [2, 1], [3]),
                                          (3, 2, 4, [2], []), (34, 33, 3, [], [])] {
            for tA in [false, true] {
                for tB in [false, true] {
                    let sa = batchA + (tA ? [k, m] : [m, k]), sb = batchB + (tB ? [n, k] : [k, n])
                    let a = LinalgCheck.tensor(sa, seed: 21), b = LinalgCheck.tensor(sb, seed: 22)
                    let w = LinalgCheck.tensor(matmul(a, b, transposeA: tA, transposeB: tB).shape, seed: 23)
                    LinalgCheck.checkDerivatives([a, b], seed: 24) { x in
                        (matmul(x[0], x[1], transposeA: tA, transposeB: tB) * w).sum()
                    }
                }
            }
        }
    }

    @Test func hessianVectorProductsMatchFiniteDifferences() {
        let b = LinalgCheck.tensor([4, 3], seed: 31)
        // f(A) = Σ (A·B)², quadratic in A, through the BLAS path.
        LinalgCheck.checkHVP(LinalgCheck.tensor([5, 4], seed: 32), seed: 33) { a in
            let y = matmul(a, b)
            return (y * y).sum()
        }
        // Quartic in A with every transpose flag: Σ (AᵀA) ⊙ (AAᵀ) ⊙ (AᵀAᵀ).
        for n in [2, 5] {
            LinalgCheck.checkHVP(LinalgCheck.tensor([n, n], seed: 34), seed: 35) { a in
                (matmul(a, a, transposeA: true, transposeB: false) * matmul(a, a, transposeA: false, transposeB: true)
                    * matmul(a, a, transposeA: true, transposeB: true)).sum()
            }
        }
        // Batched with a broadcast batch axis, and vector · matrix.
        let v = LinalgCheck.tensor([3], seed: 36)
        LinalgCheck.checkHVP(LinalgCheck.tensor([2, 3, 3], seed: 37), seed: 38) { a in
            let y = matmul(matmul(a, a), a)
            return (matmul(v, y) * matmul(v, y)).sum()
        }
    }

    @Test func outerProduct() {
        let c = outer(Tensor([1, 2]), Tensor([3, 4, 5]))
        #expect(c.shape == [2, 3] && c.scalars == [3, 4, 5, 6, 8, 10])
        LinalgCheck.checkDerivatives([Tensor([1, 2]), Tensor([3, 4, 5])], seed: 41) { x in
            let o = outer(x[0], x[1])
            return (o * o).sum()
        }
    }

    @Test func innerDimensionMismatchStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([3, 4]).matmul(Tensor.zeros([5, 2]))
        }
        if let message = standardError(of: result) {
            #expect(message.contains("matmul: [3, 4] × [5, 2]: inner dimensions 4 and 5 differ"))
        }
    }

    @Test func batchMismatchStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = matmul(Tensor.zeros([2, 3, 4]), Tensor.zeros([3, 4, 5]))
        }
        if let message = standardError(of: result) {
            #expect(message.contains("matmul: [2, 3, 4] × [3, 4, 5]: batch dimensions [2] and [3] cannot be broadcast"))
        }
    }

    @Test func backendIsTheConfiguredOne() {
        #if OpenBLAS
        #expect(BLASBackend.name == "OpenBLAS")
        #elseif BLIS
        #expect(BLASBackend.name == "BLIS")
        #else
        #expect(BLASBackend.name == "Swift")
        #endif
        BLASBackend.setThreadCount(1)
        let a = LinalgCheck.tensor([64, 64], seed: 51)
        let (ref, _) = referenceMatmul(a.scalars, [64, 64], a.scalars, [64, 64])
        #expect(LinalgCheck.close(matmul(a, a).scalars, ref, rtol: 1e-12, atol: 1e-12))
    }

    @Test func concurrentProductsAgreeWithSerialOnes() async {
        // Tasks call BLAS from several threads at once (meta-batches run that way).
        let a = LinalgCheck.tensor([4, 48, 40], seed: 71, dtype: .float32)
        let b = LinalgCheck.tensor([40, 36], seed: 72, dtype: .float32)
        let x = LinalgCheck.tensor([3, 4, 10, 10], seed: 73, dtype: .float32)
        let w = LinalgCheck.tensor([8, 4, 3, 3], seed: 74, dtype: .float32)
        let serial = (matmul(a, b).scalars, conv2d(x, w, padding: 1).scalars)
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    (0..<10).allSatisfy { _ in
                        matmul(a, b).scalars == serial.0 && conv2d(x, w, padding: 1).scalars == serial.1
                    }
                }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results == [Bool](repeating: true, count: 8))
    }
}
