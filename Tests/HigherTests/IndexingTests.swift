import Testing
@testable import Higher

@Suite struct IndexingTests {
    // MARK: slicing

    @Test func sliceValues() {
        let m = Tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9]])
        #expect(m.sliced([1..<3, 0..<2]).scalars == [4, 5, 7, 8])
        #expect(m.sliced([1..<2]).scalars == [4, 5, 6])
        #expect(m.sliced(alongAxis: 1, 1..<3).scalars == [2, 3, 5, 6, 8, 9])
        #expect(m.sliced(alongAxis: -1, 2..<3).shape == [3, 1])
        #expect(m.sliced(alongAxis: 0, 1..<1).shape == [0, 3])
        #expect(m.sliced([]).scalars == m.scalars)
    }

    @Test func sliceRankFourMatchesPermutedSlice() {
        let x = derivativeTestTensor([2, 3, 4, 5], seed: 1)
        let s = x.sliced([0..<2, 1..<3, 1..<4, 2..<5])
        #expect(s.shape == [2, 2, 3, 3])
        var expected = [Double]()
        let v = x.scalars
        for a in 0..<2 { for b in 1..<3 { for c in 1..<4 { for d in 2..<5 {
            expected.append(v[((a * 3 + b) * 4 + c) * 5 + d])
        } } } }
        #expect(s.scalars == expected)
        let f = x.cast(to: .float32).sliced(alongAxis: 2, 1..<3)
        #expect(f.dtype == .float32)
        #expect(f.scalars == x.sliced(alongAxis: 2, 1..<3).cast(to: .float32).scalars)
    }

    @Test func subscripts() {
        let m = Tensor([[1, 2], [3, 4], [5, 6]])
        #expect(m[1].scalars == [3, 4])
        #expect(m[1].shape == [2])
        #expect(m[-1][0].shape == [])
        #expect(m[-1][0].item == 5)
        #expect(m[1..<3].scalars == [3, 4, 5, 6])
        #expect(m[1...].shape == [2, 2])
        #expect(m[..<1].scalars == [1, 2])
        #expect(m[0...1].scalars == [1, 2, 3, 4])
    }

    @Test func sliceDerivatives() {
        checkDerivatives(at: derivativeTestTensor([3, 4], seed: 2)) { $0.sliced([1..<3, 1..<3]) }
        checkDerivatives(at: derivativeTestTensor([2, 3, 2], seed: 3)) { x in x[1] * x.sliced(alongAxis: -2, 0..<1)[0] }
        checkHessianVectorProductAndSymmetry(at: derivativeTestTensor([4, 3], seed: 4)) { x in
            let a = x[1..<3], b = x[2...]
            return (a * a * b).sum()
        }
    }

    // MARK: padding

    @Test func padValues() {
        #expect(Tensor([1, 2]).padded([(before: 1, after: 2)]).scalars == [0, 1, 2, 0, 0])
        let p = Tensor([[1]]).padded([(1, 0), (0, 1)], value: 9)
        #expect(p.shape == [2, 2])
        #expect(p.scalars == [9, 9, 1, 9])
        let q = Tensor([[1, 2]]).padded(alongAxis: -1, before: 1, after: 0)
        #expect(q.scalars == [0, 1, 2])
        let x = derivativeTestTensor([2, 3, 2], seed: 5)
        let r = x.padded([(0, 1), (2, 0), (1, 1)], value: -1)
        #expect(r.shape == [3, 5, 4])
        #expect(r.sliced([0..<2, 2..<5, 1..<3]).scalars == x.scalars)
        #expect(abs(r.sum().item - (x.sum().item - Double(3 * 5 * 4 - 12))) < 1e-12)   // sums in a different order
        #expect(Tensor(3).padded([]).item == 3)
        let f = Tensor([1, 2], dtype: .float32).padded([(1, 1)], value: 5)
        #expect(f.dtype == .float32)
        #expect(f.scalars == [5, 1, 2, 5])
    }

    @Test func padDerivatives() {
        checkDerivatives(at: derivativeTestTensor([2, 3], seed: 6)) { $0.padded([(1, 2), (0, 1)], value: 3) }
        checkHessianVectorProductAndSymmetry(at: derivativeTestTensor([2, 3], seed: 7)) { x in
            let p = x.padded([(1, 0), (0, 2)], value: 0.5)
            return (p * p * p).sum()
        }
    }

    // MARK: gather and scatter-add

    @Test func gatherValues() {
        let m = Tensor([[1, 2], [3, 4], [5, 6]])
        #expect(m.gathering(atIndices: [2, 0, 2]).scalars == [5, 6, 1, 2, 5, 6])
        #expect(m.gathering(atIndices: [-1], alongAxis: 1).scalars == [2, 4, 6])
        #expect(m.gathering(atIndices: [-1], alongAxis: 1).shape == [3, 1])
        #expect(m.gathering(atIndices: []).shape == [0, 2])
        let x = derivativeTestTensor([2, 3, 4], seed: 8)
        #expect(x.gathering(atIndices: [1, 1], alongAxis: 1).scalars
                == Tensor.concatenate([x.sliced(alongAxis: 1, 1..<2), x.sliced(alongAxis: 1, 1..<2)], alongAxis: 1).scalars)
        let f = Tensor([1, 2, 3], dtype: .float32).gathering(atIndices: [2, 0])
        #expect(f.dtype == .float32)
        #expect(f.scalars == [3, 1])
    }

    @Test func scatterAddValues() {
        let rows = Tensor([[1, 1], [2, 2], [3, 3]])
        let s = rows.scatteringAdd(atIndices: [0, 2, 0], extent: 3)
        #expect(s.scalars == [4, 4, 0, 0, 2, 2])
        let t = Tensor([[1, 2, 3]]).scatteringAdd(atIndices: [1, -1, 1], alongAxis: 1, extent: 2)
        #expect(t.scalars == [0, 6])
        // Adjoint identity: ⟨gather(x), y⟩ = ⟨x, scatterAdd(y)⟩.
        let x = derivativeTestTensor([3, 4, 2], seed: 9), y = derivativeTestTensor([3, 5, 2], seed: 10)
        let idx = [3, 0, 3, 1, -1]
        let lhs = (x.gathering(atIndices: idx, alongAxis: 1) * y).sum().item
        let rhs = (x * y.scatteringAdd(atIndices: idx, alongAxis: 1, extent: 4)).sum().item
        #expect(abs(lhs - rhs) < 1e-12)
    }

    @Test func gatherAndScatterDerivatives() {
        checkDerivatives(at: derivativeTestTensor([3, 2], seed: 11)) { $0.gathering(atIndices: [2, 0, 2, 1]) }
        checkDerivatives(at: derivativeTestTensor([2, 4], seed: 12)) {
            $0.scatteringAdd(atIndices: [1, 0, 1, 2], alongAxis: 1, extent: 3)
        }
        checkHessianVectorProductAndSymmetry(at: derivativeTestTensor([4, 2], seed: 13)) { x in
            let g = x.gathering(atIndices: [3, 3, 0], alongAxis: 0)
            let s = (g * g).scatteringAdd(atIndices: [1, 0, 1], alongAxis: 0, extent: 2)
            return (s * s * x[0..<2]).sum()
        }
    }

    @Test func gatherElementsValues() {
        let logits = Tensor([[1, 2, 3], [4, 5, 6]])
        let picked = logits.gatheringElements(atIndices: [2, 0], alongAxis: 1)
        #expect(picked.shape == [2, 1])
        #expect(picked.scalars == [3, 4])
        #expect(logits.gatheringElements(atIndices: [1, 0, 1, -1, 2, 2], alongAxis: -1).scalars == [2, 1, 2, 6, 6, 6])
        #expect(logits.gatheringElements(atIndices: [1, 0, 0], alongAxis: 0).scalars == [4, 2, 3])
        let s = Tensor([[1], [2]]).scatteringAddElements(atIndices: [2, 0], alongAxis: 1, extent: 3)
        #expect(s.scalars == [0, 0, 1, 2, 0, 0])
        let r = Tensor([[1, 2], [3, 4]]).scatteringAddElements(atIndices: [1, 1, 0, 1], alongAxis: 1, extent: 2)
        #expect(r.scalars == [0, 3, 3, 4])
        let f = Tensor([[1, 2], [3, 4]], dtype: .float32).gatheringElements(atIndices: [1, 0], alongAxis: 1)
        #expect(f.dtype == .float32)
        #expect(f.scalars == [2, 3])
    }

    @Test func gatherElementsDerivatives() {
        let idx = [2, 0, 1, 1, 0, 2, 2, 2]
        checkDerivatives(at: derivativeTestTensor([2, 3, 2], seed: 14)) {
            $0.gatheringElements(atIndices: idx, alongAxis: 1)
        }
        checkDerivatives(at: derivativeTestTensor([2, 3], seed: 15)) {
            $0.scatteringAddElements(atIndices: [1, 1, 0, 3, 0, 1], alongAxis: 1, extent: 4)
        }
        checkHessianVectorProductAndSymmetry(at: derivativeTestTensor([3, 4], seed: 16)) { x in
            let p = x.gatheringElements(atIndices: [3, 0, 0, 2, 1, 1], alongAxis: 1)
            return (p * p * p).sum()
        }
    }
}
