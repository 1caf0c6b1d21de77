import Testing
@testable import Higher

@Suite struct LossTests {
    let logits = Tensor([[2, 0, -1], [0, 1, 0]])

    @Test func meanSquaredErrorAndReductions() {
        let p = Tensor([[1, 2], [3, 4]]), t = Tensor([[0, 4], [3, 5]])
        #expect(meanSquaredError(predicted: p, target: t).item == 1.5)
        #expect(meanSquaredError(predicted: p, target: t, reduction: .sum).item == 6)
        let none = meanSquaredError(predicted: p, target: t, reduction: .none)
        #expect(none.shape == [2, 2] && none.scalars == [1, 4, 0, 1])
        elemFDCheck([p * 0.3, t * 0.2]) { meanSquaredError(predicted: $0[0], target: $0[1]) }
    }

    /// The mean and sum reductions are one fused operation: values equal the composition
    /// in Float64 and Float32, both inputs have first and second derivatives, and no
    /// elements give what `mean()` and `sum()` give.
    @Test func fusedSquaredErrorMatchesTheComposition() {
        let p = derivativeTestTensor([3, 5], seed: 71), t = derivativeTestTensor([3, 5], seed: 72)
        for dtype in [DType.float64, .float32] {
            let (a, b) = (p.cast(to: dtype), t.cast(to: dtype))
            let mean = meanSquaredError(predicted: a, target: b), sum = meanSquaredError(predicted: a, target: b, reduction: .sum)
            let tolerance = dtype == .float64 ? 1e-15 : 1e-6
            #expect(mean.dtype == dtype && mean.shape == [])
            #expect(derivativeTestClose(mean.scalars, (a - b).squared().mean().scalars, tolerance))
            #expect(derivativeTestClose(sum.scalars, (a - b).squared().sum().scalars, tolerance))
        }
        checkDerivatives(at: p) { meanSquaredError(predicted: $0, target: t) }
        checkDerivatives(at: t) { meanSquaredError(predicted: p, target: $0, reduction: .sum) }
        checkHessianVectorProductAndSymmetry(at: p) { x in meanSquaredError(predicted: x * x, target: t * x.sum()) }
        #expect(meanSquaredError(predicted: Tensor.zeros([0]), target: Tensor.zeros([0])).item == Tensor.zeros([0]).mean().item)
        #expect(meanSquaredError(predicted: Tensor.zeros([0]), target: Tensor.zeros([0]), reduction: .sum).item == 0)
    }

    /// The squared error's backward rule is one fused operation, `2·scale·g·(p − t)`: equal
    /// to the composition it replaces (bit for bit in Float32, where it multiplies in the
    /// same order), with first and second derivatives in all three inputs.
    @Test func fusedSquaredErrorCotangentMatchesTheComposition() {
        let p = derivativeTestTensor([3, 5], seed: 73), t = derivativeTestTensor([3, 5], seed: 74)
        let g = Tensor(-1.7)
        for dtype in [DType.float64, .float32] {
            let (a, b, c) = (p.cast(to: dtype), t.cast(to: dtype), g.cast(to: dtype))
            let fused = Tensor.squaredErrorCotangent(a, b, c, scale: 0.25)
            #expect(fused.dtype == dtype && fused.shape == [3, 5])
            #expect(fused.scalars == ((a - b) * (c * 0.5)).scalars)
        }
        checkDerivatives(at: p) { Tensor.squaredErrorCotangent($0, t, g, scale: 0.25).squared().sum() }
        checkDerivatives(at: t) { Tensor.squaredErrorCotangent(p, $0, g, scale: 0.25).squared().sum() }
        checkDerivatives(at: g) { Tensor.squaredErrorCotangent(p, t, $0, scale: 0.25).squared().sum() }
        checkHessianVectorProductAndSymmetry(at: p) { x in
            Tensor.squaredErrorCotangent(x * x, t, x.sum(), scale: 0.25).sum()
        }
        // The meta-gradient of a step on the squared error goes through this rule's own rules.
        checkHessianVectorProductAndSymmetry(at: p) { x in
            gradient(at: x) { meanSquaredError(predicted: $0 * $0, target: t) }.squared().sum()
        }
    }

    @Test func huberMatchesReferences() {
        // References from NumPy (PyTorch's huber_loss definition).
        let p = Tensor([0.5, 3, -2.5]), t = Tensor([0, 0, 0])
        #expect(elemClose([huberLoss(predicted: p, target: t).item], [1.5416666666666667], 1e-15))
        #expect(elemClose([huberLoss(predicted: p, target: t, delta: 2).item], [2.375], 1e-15))
        #expect(huberLoss(predicted: p, target: t, reduction: .none).scalars == [0.125, 2.5, 2])
        // The derivative is d clipped to [−delta, delta]; 0 at d = 0.
        let g = gradient(at: Tensor([0, 0.5, 3, -2.5, 1])) { huberLoss(predicted: $0, target: Tensor.zeros([5]), reduction: .sum) }
        #expect(g.scalars == [0, 0.5, 1, -1, 1])
        elemFDCheck([Tensor([0.5, 3.2, -2.5, -0.3]), Tensor([0.1, 0.2, -0.4, 0.6])]) {
            huberLoss(predicted: $0[0], target: $0[1], delta: 1.5)
        }
    }

    @Test func binaryCrossEntropyWithLogitsMatchesReferences() {
        let x = Tensor([0.5, -1, 3]), y = Tensor([1, 0, 0.3])
        let none = binaryCrossEntropyWithLogits(logits: x, targets: y, reduction: .none)
        #expect(elemClose(none.scalars, [0.4740769841801067, 0.31326168751822286, 2.148587351573742], 1e-14))
        #expect(elemClose([binaryCrossEntropyWithLogits(logits: x, targets: y).item], [0.9786420077573572], 1e-14))
        // Stable for huge logits, and the derivative at 0 is sigmoid(0) − y.
        let huge = binaryCrossEntropyWithLogits(logits: Tensor([1000, -1000]), targets: Tensor([0, 1]), reduction: .none)
        #expect(huge.scalars == [1000, 1000])
        let g = gradient(at: Tensor([0, 0])) { binaryCrossEntropyWithLogits(logits: $0, targets: Tensor([1, 0.25]), reduction: .sum) }
        #expect(g.scalars == [-0.5, 0.25])
        elemFDCheck([Tensor([[0.5, -1.2], [2.0, 0.1]]), Tensor([[1, 0], [0.3, 0.8]])]) {
            binaryCrossEntropyWithLogits(logits: $0[0], targets: $0[1])
        }
    }

    @Test func crossEntropyWithLabelsMatchesReferences() {
        // References: −log_softmax picked at the labels, computed with NumPy.
        #expect(elemClose([crossEntropy(logits: logits, labels: [0, 1]).item], [0.36064536674416825], 1e-15))
        #expect(elemClose(crossEntropy(logits: logits, labels: [0, 1], reduction: .none).scalars,
                          [0.16984601955628564, 0.5514447139320509], 1e-15))
        #expect(elemClose([crossEntropy(logits: logits, labels: [0, 1], reduction: .sum).item],
                          [0.7212907334883365], 1e-15))
        #expect(crossEntropy(logits: logits, labels: Tensor([0, 1])).item == crossEntropy(logits: logits, labels: [0, 1]).item)
        // One example as a vector of class scores.
        let single = crossEntropy(logits: Tensor([1, 2, -0.5]), labels: [2], reduction: .none)
        #expect(single.shape == [] && elemClose([single.item], [2.871539031852683], 1e-15))
        // Extra axes after the class axis: [N, C, d].
        let k = Tensor([0.5, -1.0, 2.0, 0.3, 1.5, 0.0, -0.2, 0.8, 1.1, -1.3, 0.4, 0.9], shape: [2, 3, 2])
        let perPosition = crossEntropy(logits: k, labels: [2, 0, 1, 1], reduction: .none)
        #expect(perPosition.shape == [2, 2])
        #expect(elemClose(perPosition.scalars,
                          [1.1041306053367284, 1.999800008202438, 0.5704806067831039, 2.9009370487976507], 1e-14))
        #expect(elemClose([crossEntropy(logits: k, labels: [2, 0, 1, 1]).item], [1.6438370672799802], 1e-14))
        // Large logits stay finite.
        #expect(crossEntropy(logits: Tensor([[1000, 0]]), labels: [1]).item == 1000)
    }

    @Test func crossEntropyDerivatives() {
        let l = Tensor([[0.2, -0.7, 1.1, 0.4], [1.5, 0.3, -0.2, 0.0], [-1.0, 0.6, 0.9, 2.0]])
        elemFDCheck(l) { crossEntropy(logits: $0, labels: [2, 0, 3]) }
        elemFDCheck(l) { crossEntropy(logits: $0, labels: [1, 1, 0], reduction: .none) }
        // The gradient is (softmax − one-hot) / N.
        let g = gradient(at: logits) { crossEntropy(logits: $0, labels: [0, 1]) }
        let e = Tensor([[2, 0, -1], [0, 1, 0]]).exp()
        let softmax = e / e.sum(alongAxis: 1, keepingDimensions: true)
        let expected = (softmax - Tensor([[1, 0, 0], [0, 1, 0]])) / 2
        #expect(elemClose(g.scalars, expected.scalars, 1e-15))
        let k = Tensor([0.5, -1.0, 2.0, 0.3, 1.5, 0.0, -0.2, 0.8, 1.1, -1.3, 0.4, 0.9], shape: [2, 3, 2])
        elemFDCheck(k) { crossEntropy(logits: $0, labels: [2, 0, 1, 1]) }
    }

    @Test func crossEntropyWithProbabilities() {
        let p = Tensor([[0.7, 0.2, 0.1], [0, 0.5, 0.5]])
        #expect(elemClose(crossEntropy(logits: logits, probabilities: p, reduction: .none).scalars,
                          [0.8698460195562857, 1.0514447139320509], 1e-14))
        #expect(elemClose([crossEntropy(logits: logits, probabilities: p).item], [0.9606453667441683], 1e-14))
        // One-hot probabilities agree with labels.
        let onehot = Tensor([[1, 0, 0], [0, 1, 0]])
        #expect(elemClose([crossEntropy(logits: logits, probabilities: onehot).item],
                          [crossEntropy(logits: logits, labels: [0, 1]).item], 1e-15))
        elemFDCheck([logits * 0.3, p]) { crossEntropy(logits: $0[0], probabilities: $0[1]) }
    }

    @Test func nllLossPicksLabels() {
        let logp = Tensor([[-0.1, -2.3], [-1.2, -0.4]])
        #expect(elemClose([nllLoss(logProbabilities: logp, labels: [0, 1]).item], [0.25], 1e-15))
        #expect(nllLoss(logProbabilities: logp, labels: Tensor([1, 0]), reduction: .none).scalars == [2.3, 1.2])
        let g = gradient(at: logp) { nllLoss(logProbabilities: $0, labels: [0, 1], reduction: .sum) }
        #expect(g.scalars == [-1, 0, 0, -1])
        // nll of log_softmax is cross-entropy.
        let viaNLL = nllLoss(logProbabilities: logits.logSoftmax(alongAxis: 1), labels: [2, 0])
        #expect(elemClose([viaNLL.item], [crossEntropy(logits: logits, labels: [2, 0]).item], 1e-15))
        elemFDCheck(logp) { nllLoss(logProbabilities: $0, labels: [1, 1]) }
    }

    @Test func float32Works() {
        let l32 = logits.cast(to: .float32)
        let ce = crossEntropy(logits: l32, labels: [0, 1])
        #expect(ce.dtype == .float32 && elemClose([ce.item], [0.36064536674416825], 1e-6))
        let g = gradient(at: l32) { crossEntropy(logits: $0, labels: [0, 1]) }
        #expect(g.dtype == .float32)
        let b = binaryCrossEntropyWithLogits(logits: Tensor([0.5, -1], dtype: .float32), targets: Tensor([1, 0], dtype: .float32))
        #expect(b.dtype == .float32 && elemClose([b.item], [0.39366933584916475], 1e-6))
        let m = meanSquaredError(predicted: Tensor([1, 2], dtype: .float32), target: Tensor([0, 4], dtype: .float32))
        #expect(m.dtype == .float32 && m.item == 2.5)
        let h = huberLoss(predicted: Tensor([3], dtype: .float32), target: Tensor([0], dtype: .float32))
        #expect(h.dtype == .float32 && h.item == 2.5)
    }
}
