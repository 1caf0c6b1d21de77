import Testing
@testable import Higher

/// An independent permute on index lists, for comparison.
fileprivate func shapeReferencePermute(_ x: Tensor, _ perm: [Int]) -> [Double] {
    let v = x.scalars, s = x.shape
    let outShape = perm.map { s[$0] }
    var inStrides = [Int](repeating: 1, count: s.count)
    for i in stride(from: s.count - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * s[i + 1] }
    var out = [Double]()
    var index = [Int](repeating: 0, count: s.count)
    for _ in 0..<v.count {
        var off = 0
        for (i, p) in perm.enumerated() { off += index[i] * inStrides[p] }
        out.append(v[off])
        var d = s.count - 1
        while d >= 0 {
            index[d] += 1
            if index[d] < outShape[d] { break }
            index[d] = 0
            d -= 1
        }
    }
    return out
}

/// `x` broadcast to `shape` by an index loop (NumPy rules), for comparison.
fileprivate func shapeReferenceBroadcast(_ x: Tensor, to shape: [Int]) -> [Double] {
    let small = x.shape, v = x.scalars, lead = shape.count - small.count
    var strides = [Int](repeating: 1, count: small.count)
    for i in stride(from: small.count - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * small[i + 1] }
    return (0..<shape.reduce(1, *)).map { flat in
        var rest = flat, source = 0
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            let i = rest % shape[axis]
            rest /= shape[axis]
            if axis >= lead && small[axis - lead] != 1 { source += i * strides[axis - lead] }
        }
        return v[source]
    }
}

@Suite struct ShapeTests {
    // MARK: permute and transpose

    @Test func transposeOfAMatrix() {
        let t = Tensor([[1, 2, 3], [4, 5, 6]]).transposed()
        #expect(t.shape == [3, 2])
        #expect(t.scalars == [1, 4, 2, 5, 3, 6])
        #expect(Tensor([1, 2, 3]).transposed().scalars == [1, 2, 3])
        #expect(Tensor(5).transposed().item == 5)
    }

    @Test func permuteMatchesReferenceForRanksOneToFour() {
        let cases: [([Int], [Int])] = [
            ([5], [0]), ([3, 4], [1, 0]), ([2, 3, 4], [2, 0, 1]), ([2, 3, 4], [1, 0, 2]),
            ([2, 3, 1, 4], [3, 1, 0, 2]), ([3, 2, 4, 5], [0, 2, 3, 1]),
            ([70, 45], [1, 0]), ([3, 40, 33], [0, 2, 1]), ([33, 2, 35], [2, 1, 0]),
        ]
        for (shape, perm) in cases {
            let x = derivativeTestTensor(shape, seed: UInt64(shape.count))
            let p = x.permuted(perm)
            #expect(p.shape == perm.map { shape[$0] })
            #expect(p.scalars == shapeReferencePermute(x, perm), "permute \(shape) by \(perm)")
        }
    }

    @Test func permuteAcceptsNegativeAxesAndVariadicForm() {
        let x = derivativeTestTensor([2, 3, 4], seed: 1)
        #expect(x.permuted([-1, 0, -2]).scalars == x.permuted([2, 0, 1]).scalars)
        #expect(x.permuted(2, 0, 1).scalars == x.permuted([2, 0, 1]).scalars)
        #expect(x.transposed(0, -1).shape == [4, 3, 2])
        #expect(x.transposed(1, 1).scalars == x.scalars)
    }

    @Test func permuteFloat32() {
        let x = derivativeTestTensor([3, 5, 7], seed: 2, dtype: .float32)
        let p = x.permuted([2, 0, 1])
        #expect(p.dtype == .float32)
        #expect(p.scalars == shapeReferencePermute(x, [2, 0, 1]))
    }

    @Test func permuteDerivatives() {
        checkDerivatives(at: derivativeTestTensor([2, 3, 4], seed: 3)) { $0.permuted([2, 0, 1]) }
        checkDerivatives(at: derivativeTestTensor([2, 1, 3, 2], seed: 4)) { $0.permuted([3, 1, 2, 0]) * $0.transposed(0, 3) }
        checkDerivatives(at: derivativeTestTensor([2, 1, 3, 2], seed: 4)) { $0.permuted([3, 1, 0, 2]) }
        checkDerivatives(at: derivativeTestTensor([3, 4], seed: 5)) { $0.transposed() }
    }

    @Test func transposeSecondOrder() {
        // f(x) = Σ (xᵀ ⊙ xᵀ ⊙ y) has Hessian diag(2·yᵀ).
        let x = derivativeTestTensor([3, 4], seed: 6), v = derivativeTestTensor([3, 4], seed: 7), y = derivativeTestTensor([4, 3], seed: 8)
        let hv = hessianVectorProduct(at: x, along: v) { x in (x.transposed() * x.transposed() * y).sum() }
        let expected = 2 * y.transposed() * v
        #expect(derivativeTestClose(hv.scalars, expected.scalars, 1e-12))
    }

    // MARK: broadcast

    /// Every kind of row the kernels copy: one value repeated along a row, whole rows
    /// repeated, leading axes added, and mixes of them, in both dtypes; for an explicit
    /// broadcast and for the implicit one of a product.
    @Test func broadcastMatchesAnIndexLoop() {
        let cases: [([Int], [Int])] = [
            ([1], [7]), ([3, 1], [3, 5]), ([1, 5], [4, 5]), ([2, 1, 5], [2, 3, 5]), ([5], [2, 3, 5]),
            ([2, 1, 3, 1], [2, 4, 3, 6]), ([1, 3, 1], [2, 3, 9]), ([8, 1, 40], [8, 10, 40]),
        ]
        for (small, target) in cases {
            for dtype in [DType.float64, .float32] {
                let x = Tensor((0..<small.reduce(1, *)).map { Double($0) * 0.5 - 3 }, shape: small, dtype: dtype)
                let expected = shapeReferenceBroadcast(x, to: target)
                let b = x.broadcast(to: target)
                #expect(b.shape == target && b.dtype == dtype && b.scalars == expected, "\(small) → \(target), \(dtype)")
                let y = Tensor((0..<target.reduce(1, *)).map { Double($0 % 7) - 2 }, shape: target, dtype: dtype)
                let products = zip(y.scalars, expected).map { $0 * $1 }
                #expect((y * x).scalars == products && (x * y).scalars == products, "\(small) × \(target), \(dtype)")
            }
        }
    }

    /// Broadcasts to and from shapes with no elements give empty results of the right shape.
    @Test func broadcastWithEmptyShapes() {
        let row = Tensor([1, 2, 3]).reshaped([1, 3])
        #expect(row.broadcast(to: [0, 3]).shape == [0, 3])
        #expect((Tensor.zeros([0, 3]) * row).shape == [0, 3])
        #expect((Tensor.zeros([2, 0, 1]) + Tensor.zeros([1, 4])).shape == [2, 0, 4])
        #expect(Tensor.zeros([0, 1]).broadcast(to: [0, 5]).scalars.isEmpty)
    }

    // MARK: squeeze, unsqueeze, flatten

    @Test func squeezeUnsqueezeFlatten() {
        let x = derivativeTestTensor([1, 3, 1, 2], seed: 9)
        #expect(x.squeezed().shape == [3, 2])
        #expect(x.squeezed(axis: 0).shape == [3, 1, 2])
        #expect(x.squeezed(axis: -2).shape == [1, 3, 2])
        #expect(x.squeezed().scalars == x.scalars)
        #expect(Tensor(4).squeezed().shape == [])
        #expect(Tensor([[7]]).squeezed().shape == [])
        let v = Tensor([1, 2, 3])
        #expect(v.unsqueezed(at: 0).shape == [1, 3])
        #expect(v.unsqueezed(at: 1).shape == [3, 1])
        #expect(v.unsqueezed(at: -1).shape == [3, 1])
        #expect(v.unsqueezed(at: -2).shape == [1, 3])
        #expect(Tensor(2).unsqueezed(at: 0).shape == [1])
        let t = derivativeTestTensor([2, 3, 4], seed: 10)
        #expect(t.flattened().shape == [24])
        #expect(t.flattened(fromAxis: 1).shape == [2, 12])
        #expect(t.flattened(fromAxis: -1).shape == [2, 3, 4])
        #expect(Tensor(3).flattened().shape == [1])
        #expect(t.flattened().scalars == t.scalars)
    }

    @Test func squeezeDerivatives() {
        checkDerivatives(at: derivativeTestTensor([1, 3, 1], seed: 11)) { $0.squeezed() * $0.squeezed(axis: 0).squeezed(axis: -1) }
        checkDerivatives(at: derivativeTestTensor([2, 3], seed: 12)) { $0.unsqueezed(at: 1).flattened() }
    }

    // MARK: concatenate, stack, split

    @Test func concatenateValues() {
        let a = Tensor([[1, 2]]), b = Tensor([[3, 4], [5, 6]])
        let c = Tensor.concatenate([a, b])
        #expect(c.shape == [3, 2])
        #expect(c.scalars == [1, 2, 3, 4, 5, 6])
        let d = Tensor.concatenate([b, Tensor([[7], [8]])], alongAxis: -1)
        #expect(d.shape == [2, 3])
        #expect(d.scalars == [3, 4, 7, 5, 6, 8])
        #expect(Tensor.concatenate([Tensor([1]), Tensor([2, 3]), Tensor.zeros([0])]).scalars == [1, 2, 3])
        #expect(Tensor.concatenate([a]).scalars == a.scalars)
    }

    @Test func concatenateMatchesReferenceAlongEveryAxisOfRankFour() {
        let x = derivativeTestTensor([2, 3, 2, 3], seed: 13), y = derivativeTestTensor([2, 3, 2, 3], seed: 14)
        for axis in 0..<4 {
            var ys = [2, 3, 2, 3]
            ys[axis] = 1
            let z = y.sliced(alongAxis: axis, 0..<1)
            let c = Tensor.concatenate([x, z], alongAxis: axis)
            // Reference: move the axis to the front, where concatenation is appending.
            var perm = Array(0..<4)
            perm.remove(at: axis)
            perm.insert(axis, at: 0)
            let front = x.permuted(perm).scalars + z.permuted(perm).scalars
            #expect(c.permuted(perm).scalars == front, "axis \(axis)")
            #expect(z.shape == ys)
        }
    }

    @Test func concatenateFloat32() {
        let a = Tensor([1, 2], dtype: .float32), b = Tensor([3], dtype: .float32)
        let c = Tensor.concatenate([a, b])
        #expect(c.dtype == .float32)
        #expect(c.scalars == [1, 2, 3])
    }

    @Test func concatenateDerivativesWithConstantOperand() {
        let c = derivativeTestTensor([2, 1], seed: 15)
        checkDerivatives(at: derivativeTestTensor([2, 3], seed: 16)) { x in
            Tensor.concatenate([x, c, x * x], alongAxis: 1)
        }
        checkDerivatives(at: derivativeTestTensor([2, 2, 3], seed: 17)) { x in
            Tensor.concatenate([x * 2, x], alongAxis: -2)
        }
    }

    @Test func concatenateSecondOrder() {
        let x = derivativeTestTensor([2, 3], seed: 18), v = derivativeTestTensor([2, 3], seed: 19)
        // Σ concat(x, x²)³ = Σ x³ + x⁶: Hessian diag(6x + 30x⁴).
        let hv = hessianVectorProduct(at: x, along: v) { x in
            let c = Tensor.concatenate([x, x * x], alongAxis: 0)
            return (c * c * c).sum()
        }
        let expected = (6 * x + 30 * x * x * x * x) * v
        #expect(derivativeTestClose(hv.scalars, expected.scalars, 1e-10))
    }

    @Test func stackValuesAndDerivatives() {
        let a = Tensor([1, 2]), b = Tensor([3, 4])
        #expect(Tensor.stack([a, b]).scalars == [1, 2, 3, 4])
        #expect(Tensor.stack([a, b]).shape == [2, 2])
        #expect(Tensor.stack([a, b], alongAxis: 1).scalars == [1, 3, 2, 4])
        #expect(Tensor.stack([a, b], alongAxis: -1).scalars == [1, 3, 2, 4])
        #expect(Tensor.stack([Tensor(1), Tensor(2)]).shape == [2])
        checkDerivatives(at: derivativeTestTensor([3, 2], seed: 20)) { x in Tensor.stack([x, x * x], alongAxis: 1) }
    }

    @Test func splitAndUnstack() {
        let t = Tensor([1, 2, 3, 4, 5])
        let parts = t.split(sizes: [2, 0, 3])
        #expect(parts.map(\.scalars) == [[1, 2], [], [3, 4, 5]])
        let m = derivativeTestTensor([4, 6], seed: 21)
        let halves = m.split(count: 2, alongAxis: -1)
        #expect(halves.map(\.shape) == [[4, 3], [4, 3]])
        #expect(Tensor.concatenate(halves, alongAxis: 1).scalars == m.scalars)
        let rows = Tensor([[1, 2], [3, 4]]).unstacked()
        #expect(rows.map(\.scalars) == [[1, 2], [3, 4]])
        #expect(rows.map(\.shape) == [[2], [2]])
        let columns = Tensor([[1, 2], [3, 4]]).unstacked(alongAxis: 1)
        #expect(columns.map(\.scalars) == [[1, 3], [2, 4]])
        checkDerivatives(at: derivativeTestTensor([3, 4], seed: 22)) { x in
            let p = x.split(sizes: [1, 3], alongAxis: 1)
            return p[1] * p[0] + x.unstacked(alongAxis: 1)[2].unsqueezed(at: 1)
        }
    }
}
