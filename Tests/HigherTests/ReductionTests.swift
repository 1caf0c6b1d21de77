import Foundation
import Testing
@testable import Higher

/// An independent reduction over `axes` (kept with extent 1), by walking every index.
fileprivate func reductionReference(
    _ x: Tensor, _ axes: Set<Int>, _ initial: Double, _ combine: (Double, Double) -> Double
) -> [Double] {
    let s = x.shape, v = x.scalars
    let kept = s.enumerated().map { axes.contains($0.offset) ? 1 : $0.element }
    var out = [Double](repeating: initial, count: kept.reduce(1, *))
    var index = [Int](repeating: 0, count: s.count)
    for i in 0..<v.count {
        var o = 0
        for d in 0..<s.count { o = o * kept[d] + (axes.contains(d) ? 0 : index[d]) }
        out[o] = combine(out[o], v[i])
        var d = s.count - 1
        while d >= 0 {
            index[d] += 1
            if index[d] < s[d] { break }
            index[d] = 0
            d -= 1
        }
    }
    return out
}

fileprivate func reductionExp(_ x: Double) -> Double { Foundation.exp(x) }
fileprivate func reductionLog(_ x: Double) -> Double { Foundation.log(x) }

@Suite struct ReductionTests {
    // MARK: variance

    @Test func varianceValues() {
        let m = Tensor([[1, 2], [3, 6]])
        #expect(m.variance(alongAxes: [1]).scalars == [0.5, 4.5])
        #expect(m.variance(alongAxes: [1], correction: 0).scalars == [0.25, 2.25])
        #expect(m.variance(alongAxis: 0).scalars == [2, 8])
        #expect(m.variance(alongAxis: -2, keepingDimensions: true).shape == [1, 2])
        #expect(m.variance(alongAxes: [0, 1], keepingDimensions: true).shape == [1, 1])
        #expect(abs(Tensor([1, 2, 3, 4]).variance().item - 5.0 / 3) < 1e-15)
        #expect(Tensor([1, 2, 3, 4]).variance(correction: 0).item == 1.25)
        #expect(Tensor([1, 2, 3, 4], dtype: .float32).variance(correction: 0).item == 1.25)
        #expect(Tensor([2]).variance().item.isNaN)
    }

    @Test func varianceDerivativesAndSecondOrder() {
        checkDerivatives(at: derivativeTestTensor([3, 4], seed: 1)) { $0.variance(alongAxis: 1) }
        checkDerivatives(at: derivativeTestTensor([2, 3, 2], seed: 2)) {
            $0.variance(alongAxes: [0, -1], keepingDimensions: true, correction: 0)
        }
        checkDerivatives(at: derivativeTestTensor([5], seed: 3)) { $0.variance() }
        checkHessianVectorProductAndSymmetry(at: derivativeTestTensor([3, 4], seed: 4)) { x in
            let v = x.variance(alongAxis: 0)
            return (v * v).sum()
        }
    }

    @Test func standardDeviation() {
        let m = Tensor([[1, 3], [2, 2]])
        #expect(m.standardDeviation(alongAxes: [1], correction: 0).scalars == [1, 0])
        let roots: [Double] = [Double(2).squareRoot(), Double(8).squareRoot()]
        #expect(derivativeTestClose(Tensor([[1, 2], [3, 6]]).standardDeviation(alongAxis: 0).scalars, roots, 1e-15))
        let all = Tensor([1, 2, 3, 4]).standardDeviation(correction: 0).item
        #expect(all == Double(1.25).squareRoot())
        checkDerivatives(at: derivativeTestTensor([3, 4], seed: 27)) {
            $0.standardDeviation(alongAxis: -1, keepingDimensions: true)
        }
    }

    // MARK: max and min

    @Test func maxMinValues() {
        let m = Tensor([[1, 5], [7, 2]])
        #expect(m.max(alongAxes: [0]).scalars == [7, 5])
        #expect(m.max(alongAxis: -1).scalars == [5, 7])
        #expect(m.max(alongAxes: [1], keepingDimensions: true).shape == [2, 1])
        #expect(m.max().item == 7)
        #expect(m.max().shape == [])
        #expect(m.min(alongAxes: [0]).scalars == [1, 2])
        #expect(m.min(alongAxis: 1, keepingDimensions: true).scalars == [1, 2])
        #expect(m.min().item == 1)
        #expect(Tensor(4).max().item == 4)
        #expect(Tensor(4).min(alongAxis: 0).item == 4)
        #expect(Tensor([1, .nan, 3]).max().item.isNaN)
        #expect(Tensor([.nan, 1, 3]).min().item.isNaN)
        #expect(Tensor([-.infinity, -.infinity]).max().item == -.infinity)
        let long: [Double] = [1, 2, 3, 4, 5, 6, .nan, 8, 9]
        #expect(Tensor(long).max().item.isNaN)
        #expect(Tensor(long, shape: [9, 1]).min(alongAxis: 0).item.isNaN)
        #expect(Tensor([4, 9, 2, 7, 1, 8, 3, 6, 5]).max().item == 9)
        #expect(Tensor([4, 9, 2, 7, 1, 8, 3, 6, 5]).min().item == 1)
        let f = Tensor([[1, 5], [7, 2]], dtype: .float32).max(alongAxis: 0)
        #expect(f.dtype == .float32)
        #expect(f.scalars == [7, 5])
    }

    @Test func maxMinMatchReferenceUpToRankFour() {
        let cases: [([Int], [Int])] = [
            ([5], [0]), ([3, 4], [1]), ([3, 4], [0]), ([2, 3, 4], [0, 2]), ([2, 3, 4], [1]),
            ([2, 3, 2, 3], [1, 3]), ([2, 3, 2, 3], [0, 1, 2, 3]), ([2, 3, 2, 3], [-1, 0]),
        ]
        for (shape, axes) in cases {
            let x = derivativeTestTensor(shape, seed: UInt64(shape.count * 10 + axes.count))
            let set = Set(axes.map { $0 < 0 ? $0 + shape.count : $0 })
            let big = x.max(alongAxes: axes, keepingDimensions: true)
            let small = x.min(alongAxes: axes)
            #expect(big.scalars == reductionReference(x, set, -.infinity, Swift.max), "max \(shape) \(axes)")
            #expect(small.scalars == reductionReference(x, set, .infinity, Swift.min), "min \(shape) \(axes)")
            #expect(big.shape == shape.enumerated().map { set.contains($0.offset) ? 1 : $0.element })
            #expect(small.shape == shape.enumerated().filter { !set.contains($0.offset) }.map(\.element))
        }
    }

    @Test func maxTiesSplitTheGradientEvenly() {
        let g = gradient(at: Tensor([1, 3, 3])) { $0.max() }
        #expect(g.scalars == [0, 0.5, 0.5])
        let d = derivative(at: Tensor([1, 3, 3]), along: Tensor([1, 2, 4])) { $0.max() }
        #expect(d.item == 3)
        let rows = gradient(at: Tensor([[3, 3], [1, 2]])) { $0.max(alongAxis: 1).sum() }
        #expect(rows.scalars == [0.5, 0.5, 0, 1])
        let low = gradient(at: Tensor([2, 2, 2, 5])) { $0.min() }
        #expect(abs(low.sum().item - 1) < 1e-15)
        #expect(low.scalars[3] == 0 && low.scalars[0] == low.scalars[2])
    }

    @Test func maxMinDerivatives() {
        checkDerivatives(at: derivativeTestTensor([3, 4], seed: 5)) { $0.max(alongAxis: 1) }
        checkDerivatives(at: derivativeTestTensor([2, 3, 2], seed: 6)) {
            $0.min(alongAxes: [0, 2], keepingDimensions: true)
        }
        checkDerivatives(at: derivativeTestTensor([2, 2, 1, 3], seed: 7)) { $0.max(alongAxes: [-1, 1]) }
        checkDerivatives(at: Tensor(0.3)) { $0.max() * $0.min() }
        checkHessianVectorProductAndSymmetry(at: derivativeTestTensor([3, 4], seed: 8)) { x in
            let m = x.max(alongAxis: 0)
            return (m * m * m).sum() + (x * x).min()
        }
    }

    // MARK: argmax and argmin

    @Test func argmaxArgmin() {
        let m = Tensor([[1, 5, 2], [7, 0, 7]])
        #expect(m.argmax(alongAxis: 1) == [1, 0])
        #expect(m.argmax(alongAxis: 0) == [1, 0, 1])
        #expect(m.argmin(alongAxis: -1) == [0, 1])
        #expect(m.argmin(alongAxis: 0) == [0, 1, 0])
        #expect(m.argmax() == 3)
        #expect(m.argmin() == 4)
        #expect(Tensor(2).argmax() == 0)
        #expect(Tensor([1, .nan, 3, .nan]).argmax() == 1)
        #expect(Tensor([1, .nan, -3]).argmin() == 1)
        let x = derivativeTestTensor([2, 3, 4], seed: 9)
        let idx = x.argmax(alongAxis: 1)
        let picked = x.gatheringElements(atIndices: idx, alongAxis: 1)
        #expect(picked.scalars == x.max(alongAxis: 1).scalars)
        #expect(Tensor([3, 1, 2], dtype: .float32).argmin() == 1)
    }

    // MARK: log-sum-exp

    @Test func logSumExpValues() {
        let t = Tensor([[0, 0], [1000, 1000]]).logSumExp(alongAxes: [1])
        #expect(derivativeTestClose(t.scalars, [reductionLog(2), 1000 + reductionLog(2)], 1e-15))
        #expect(abs(Tensor([1, 2, 3]).logSumExp(alongAxis: 0).item - reductionLog(reductionExp(1) + reductionExp(2) + reductionExp(3))) < 1e-14)
        #expect(abs(Tensor([0, 0, 0, 0]).logSumExp().item - reductionLog(4)) < 1e-15)
        #expect(Tensor([-.infinity, -.infinity]).logSumExp().item == -.infinity)
        #expect(Tensor([-.infinity, 0]).logSumExp().item == 0)
        #expect(Tensor([.infinity, 0]).logSumExp().item == .infinity)
        #expect(Tensor(1.5).logSumExp().item == 1.5)
        let x = derivativeTestTensor([2, 3, 2, 3], seed: 10)
        let lse = x.logSumExp(alongAxes: [1, 3], keepingDimensions: true)
        #expect(lse.shape == [2, 1, 2, 1])
        let ref = reductionReference(x, [1, 3], 0) { $0 + reductionExp($1) }.map { reductionLog($0) }
        #expect(derivativeTestClose(lse.scalars, ref, 1e-14))
        let rows = derivativeTestTensor([3, 11], seed: 25)
        let rowRef = reductionReference(rows, [1], 0) { $0 + reductionExp($1) }.map { reductionLog($0) }
        #expect(derivativeTestClose(rows.logSumExp(alongAxis: -1).scalars, rowRef, 1e-14))
        let f = Tensor([[0, 0], [1000, 1000]], dtype: .float32).logSumExp(alongAxis: 1)
        #expect(f.dtype == .float32)
        #expect(derivativeTestClose(f.scalars, [reductionLog(2), 1000 + reductionLog(2)], 1e-6))
    }

    @Test func logSumExpDerivativesAndSecondOrder() {
        checkDerivatives(at: derivativeTestTensor([3, 4], seed: 11)) { $0.logSumExp(alongAxis: 1) }
        checkDerivatives(at: derivativeTestTensor([2, 3, 2], seed: 12)) {
            $0.logSumExp(alongAxes: [0, -1], keepingDimensions: true)
        }
        checkDerivatives(at: derivativeTestTensor([4], seed: 13)) { $0.logSumExp() }
        checkDerivatives(at: Tensor(0.7)) { $0.logSumExp() * $0 }
        checkHessianVectorProductAndSymmetry(at: derivativeTestTensor([3, 4], seed: 14)) { $0.logSumExp(alongAxis: 0).logSumExp() }
        checkHessianVectorProductAndSymmetry(at: derivativeTestTensor([2, 2, 3], seed: 15)) { x in
            let l = x.logSumExp(alongAxes: [0, 2])
            return (l * l).sum()
        }
    }

    // MARK: softmax and log-softmax

    @Test func softmaxValues() {
        let s = Tensor([[1, 1], [0, 1000]]).softmax()
        #expect(s.scalars == [0.5, 0.5, 0, 1])
        let t = Tensor([1, 2, 3]).softmax()
        let z = reductionExp(1) + reductionExp(2) + reductionExp(3)
        #expect(derivativeTestClose(t.scalars, [reductionExp(1) / z, reductionExp(2) / z, reductionExp(3) / z], 1e-15))
        let c = Tensor([[1, 2], [3, 5]]).softmax(alongAxis: 0)
        let e2 = reductionExp(2), e3 = reductionExp(3)
        let columns: [Double] = [1 / (1 + e2), 1 / (1 + e3), e2 / (1 + e2), e3 / (1 + e3)]
        #expect(derivativeTestClose(c.scalars, columns, 1e-15))
        #expect(Tensor(3).softmax().item == 1)
        let undefined = Tensor([-.infinity, -.infinity]).softmax().scalars.allSatisfy { $0.isNaN }
        #expect(undefined)
        let x = derivativeTestTensor([2, 3, 2, 3], seed: 16)
        let sums = x.softmax(alongAxis: 1).sum(alongAxis: 1).scalars
        #expect(sums.allSatisfy { abs($0 - 1) < 1e-15 })
        let rows = derivativeTestTensor([3, 11], seed: 26)
        let lse = rows.logSumExp(alongAxis: 1, keepingDimensions: true)
        let expected = rows.scalars.enumerated().map { reductionExp($0.element - lse.scalars[$0.offset / 11]) }
        #expect(derivativeTestClose(rows.softmax().scalars, expected, 1e-14))
        let f = Tensor([[1, 1], [0, 1000]], dtype: .float32).softmax()
        #expect(f.dtype == .float32)
        #expect(f.scalars == [0.5, 0.5, 0, 1])
    }

    @Test func logSoftmaxValues() {
        #expect(derivativeTestClose(Tensor([0, 0]).logSoftmax().scalars, [-reductionLog(2), -reductionLog(2)], 1e-15))
        #expect(Tensor([0, -1000]).logSoftmax().scalars == [0, -1000])
        let x = derivativeTestTensor([3, 2, 4], seed: 17)
        for axis in [0, 1, -1] {
            let a = x.logSoftmax(alongAxis: axis).scalars
            let b = x.softmax(alongAxis: axis).scalars.map { reductionLog($0) }
            #expect(derivativeTestClose(a, b, 1e-14), "axis \(axis)")
        }
        #expect(Tensor(2).logSoftmax().item == 0)
        let f = Tensor([0, -1000], dtype: .float32).logSoftmax()
        #expect(f.dtype == .float32)
        #expect(f.scalars == [0, -1000])
    }

    @Test func softmaxDerivatives() {
        let x = derivativeTestTensor([2, 3, 4], seed: 18)
        for axis in [0, 1, -1] {
            checkDerivatives(at: x) { $0.softmax(alongAxis: axis) }
            checkDerivatives(at: x) { $0.logSoftmax(alongAxis: axis) }
        }
        checkDerivatives(at: derivativeTestTensor([2, 1, 2, 3], seed: 19)) { $0.softmax(alongAxes: [0, 3]) }
        checkDerivatives(at: Tensor(0.4)) { $0.softmax() * $0 + $0.logSoftmax() }
    }

    @Test func softmaxSecondOrder() {
        let w = derivativeTestTensor([3, 4], seed: 20)
        checkHessianVectorProductAndSymmetry(at: derivativeTestTensor([3, 4], seed: 21)) { x in
            let s = x.softmax()
            return (s * s * w).sum()
        }
        checkHessianVectorProductAndSymmetry(at: derivativeTestTensor([3, 4], seed: 22)) { x in (x.logSoftmax(alongAxis: 0) * w).sum() }
        checkHessianVectorProductAndSymmetry(at: derivativeTestTensor([2, 3, 2], seed: 23)) { x in
            let s = x.softmax(alongAxes: [0, 2])
            return (s * s).sum()
        }
    }

    @Test func crossEntropyThroughGatheredLogSoftmax() {
        // −mean log softmax(x)[label] has gradient (softmax(x) − onehot) / batch.
        let x = derivativeTestTensor([3, 4], seed: 24)
        let labels = [2, 0, 3]
        let g = gradient(at: x) { x in -x.logSoftmax().gatheringElements(atIndices: labels, alongAxis: 1).mean() }
        var onehot = [Double](repeating: 0, count: 12)
        for (row, label) in labels.enumerated() { onehot[row * 4 + label] = 1 }
        let expected = (x.softmax() - Tensor(onehot, shape: [3, 4])) / 3
        #expect(derivativeTestClose(g.scalars, expected.scalars, 1e-14))
    }
}
