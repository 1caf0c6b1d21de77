import Testing
import PropertyBased
@testable import Higher

/// Law: `matmul` agrees with the definition of the matrix product, in value and in
/// gradient, for vectors, matrices and batches with broadcast batch axes, with and
/// without transpose flags.
///
/// Definition (NumPy semantics): a vector on the left is a row [1, k] and on the right a
/// column [k, 1], and the added axis is removed from the result; leading axes are batch
/// axes, broadcast together; then for every batch index b
///   C[b, i, j] = Σₗ A[πA(b), i, l] · B[πB(b), l, j],
/// where πA, πB map b to the (broadcast) batch index of each operand, and op(A), op(B)
/// replace A, B when a transpose flag is set. For L = Σ W ⊙ C with a random W, the
/// product rule gives
///   ∂L/∂A[a, i, l] = Σ_{b: πA(b) = a} Σⱼ W[b, i, j] · B[πB(b), l, j],
///   ∂L/∂B[β, l, j] = Σ_{b: πB(b) = β} Σᵢ W[b, i, j] · A[πA(b), i, l]:
/// the sums over the broadcast batch axes appear because each operand matrix is used by
/// several products. The reference below computes both with plain loops in Float64; the
/// library (BLAS, its own batching) must match to round-off: 1e-10·max(1, |a|, |b|).
@Suite struct MatmulMatchesNaiveReference {
    /// The product and, for weights W, the gradients of Σ W ⊙ C, by plain loops.
    static func naiveProduct(
        _ a: Tensor, _ b: Tensor, transposeA: Bool, transposeB: Bool, weights: Tensor?
    ) -> (value: Tensor, gradients: [Tensor]) {
        let aVector = a.rank == 1, bVector = b.rank == 1
        let aShape = aVector ? [1, a.shape[0]] : a.shape, bShape = bVector ? [b.shape[0], 1] : b.shape
        let ra = aShape.count, rb = bShape.count
        let (m, k) = transposeA ? (aShape[ra - 1], aShape[ra - 2]) : (aShape[ra - 2], aShape[ra - 1])
        let (k2, n) = transposeB ? (bShape[rb - 1], bShape[rb - 2]) : (bShape[rb - 2], bShape[rb - 1])
        precondition(k == k2, "naiveProduct: inner dimensions \(k) and \(k2)")
        let batchA = Array(aShape.dropLast(2)), batchB = Array(bShape.dropLast(2))
        let batch = broadcastShape(batchA, batchB)!
        let av = a.scalars, bv = b.scalars, wv = weights?.scalars
        var c = [Double](repeating: 0, count: batch.reduce(1, *) * m * n)
        var ga = [Double](repeating: 0, count: av.count), gb = [Double](repeating: 0, count: bv.count)
        // Flat positions of A[i, l] and B[l, j] inside one matrix, honouring the flags.
        func ai(_ i: Int, _ l: Int) -> Int { transposeA ? l * m + i : i * k + l }
        func bi(_ l: Int, _ j: Int) -> Int { transposeB ? j * k + l : l * n + j }
        for (flat, index) in multiIndices(batch).enumerated() {
            let offA = broadcastOffset(index, into: batchA) * m * k
            let offB = broadcastOffset(index, into: batchB) * k * n
            let offC = flat * m * n
            for i in 0..<m {
                for j in 0..<n {
                    var sum = 0.0
                    for l in 0..<k { sum += av[offA + ai(i, l)] * bv[offB + bi(l, j)] }
                    c[offC + i * n + j] = sum
                    guard let wv else { continue }
                    let wij = wv[offC + i * n + j]
                    for l in 0..<k {
                        ga[offA + ai(i, l)] += wij * bv[offB + bi(l, j)]
                        gb[offB + bi(l, j)] += wij * av[offA + ai(i, l)]
                    }
                }
            }
        }
        var outShape = batch + [m, n]
        if bVector { outShape.removeLast() }
        if aVector { outShape.remove(at: outShape.count - (bVector ? 1 : 2)) }
        return (Tensor(c, shape: outShape, dtype: .float64),
                [Tensor(ga, shape: a.shape, dtype: .float64), Tensor(gb, shape: b.shape, dtype: .float64)])
    }

    @Test(.shrinking, .proofSeed(0x5EED_000B))
    func valuesAndGradientsMatch() async {
        // Extents up to 6, so that products also reach the BLAS library (the smallest
        // ones run in a Swift loop).
        await proofCheck(count: 60, extents: 1...6) { c in
            var rng = c.generator
            let shapes = ShapeRules.coin(&rng) ? ProductShapes.plain(c.shape, using: &rng)
                                               : ProductShapes.transposed(c.shape, using: &rng)
            let a = Arbitrary.tensor(shapes.lhs, using: &rng), b = Arbitrary.tensor(shapes.rhs, using: &rng)
            let product = { (x: [Tensor]) -> Tensor in
                shapes.transposeA || shapes.transposeB
                    ? matmul(x[0], x[1], transposeA: shapes.transposeA, transposeB: shapes.transposeB)
                    : matmul(x[0], x[1])
            }
            let value = product([a, b])
            let w = Arbitrary.tensor(value.shape, using: &rng)
            let reference = Self.naiveProduct(a, b, transposeA: shapes.transposeA, transposeB: shapes.transposeB, weights: w)
            #expect(value.shape == reference.value.shape, "\(shapes), \(c): shape \(value.shape), expected \(reference.value.shape)")
            guard value.shape == reference.value.shape else { return }
            let values = Agreement([value], [reference.value])
            #expect(values.holds(tolerance: 1e-10), "\(shapes), \(c), values: \(values)")
            let gradients = Agreement(gradient(at: [a, b]) { x in (w * product(x)).sum() }, reference.gradients)
            #expect(gradients.holds(tolerance: 1e-10), "\(shapes), \(c), gradients: \(gradients)")
        }
    }
}
