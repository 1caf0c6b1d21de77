import Testing
@testable import Higher

/// `normalized(alongAxes:epsilon:)` and the operations behind its derivatives.
@Suite struct NormalizationTests {
    /// Shapes and axes whose slices are contiguous rows, strided columns, or both.
    static let layouts: [([Int], [Int])] = [
        ([2, 3, 4, 5], [0, 2, 3]), ([3, 4], [1]), ([3, 4], [0]), ([2, 3, 4], [0, 2]),
        ([2, 3, 4], [-1, 0]), ([5], [0]), ([2, 3, 2, 2, 3], [1, 3, 4]),
    ]

    /// The same normalisation written with reductions and broadcasts.
    static func unfused(_ x: Tensor, _ axes: [Int], _ epsilon: Double) -> Tensor {
        let centered = x - x.mean(alongAxes: axes, keepingDimensions: true)
        return centered * (centered.squared().mean(alongAxes: axes, keepingDimensions: true) + epsilon).rsqrt()
    }

    @Test(arguments: layouts) func valuesMatchTheUnfusedFormula(_ shape: [Int], _ axes: [Int]) {
        let x = derivativeTestTensor(shape, seed: 11) * 3 + 0.5
        let y = x.normalized(alongAxes: axes, epsilon: 1e-5)
        #expect(y.shape == shape)
        #expect(derivativeTestClose(y.scalars, Self.unfused(x, axes, 1e-5).scalars, 1e-12))
        let y32 = x.cast(to: .float32).normalized(alongAxes: axes, epsilon: 1e-5)
        #expect(y32.dtype == .float32)
        #expect(derivativeTestClose(y32.scalars, y.scalars, 2e-5))
    }

    @Test func documentedValues() {
        let x = Tensor([[1, 3], [2, 2]])
        let exact = x.normalized(alongAxes: [1], epsilon: 0).scalars
        #expect(exact[0] == -1 && exact[1] == 1 && exact[2].isNaN && exact[3].isNaN)
        let y = x.normalized(alongAxes: [1]).scalars
        #expect(derivativeTestClose(y, [-1 / (1 + 1e-5).squareRoot(), 1 / (1 + 1e-5).squareRoot(), 0, 0], 1e-15))
    }

    @Test func aLargeOffsetDoesNotLeakIntoTheVariance() {
        // One pass of Σx² − (Σx)²/n would lose every digit of this variance in Float32.
        let x = Tensor([10_000, 10_001, 10_002, 10_003], dtype: .float32)
        let y = x.normalized(alongAxes: [0], epsilon: 0).scalars
        let expected = [-3.0, -1, 1, 3].map { $0 / 5.0.squareRoot() }
        #expect(derivativeTestClose(y, expected, 1e-6))
    }

    @Test(arguments: layouts) func derivativesMatchFiniteDifferences(_ shape: [Int], _ axes: [Int]) {
        checkDerivatives(at: derivativeTestTensor(shape, seed: 21)) { $0.normalized(alongAxes: axes, epsilon: 1e-3) }
    }

    @Test(arguments: layouts) func secondOrderMatchesFiniteDifferencesBothWays(_ shape: [Int], _ axes: [Int]) {
        let w = derivativeTestTensor(shape, seed: 5)
        checkHessianVectorProductAndSymmetry(at: derivativeTestTensor(shape, seed: 31)) { x in
            let y = x.normalized(alongAxes: axes, epsilon: 1e-3)
            return (y * y * y * w).sum()
        }
    }

    @Test func theSliceStatisticsHaveTheirOwnDerivatives() {
        let x = derivativeTestTensor([3, 4, 2], seed: 41)
        let (reduced, kept, _) = x.reductionLayout([0, 2], "test", keepingDimensions: true)
        checkDerivatives(at: x) { $0.inverseStandardDeviation(reduced, kept, 1e-3) }
        checkHessianVectorProductAndSymmetry(at: x) { $0.inverseStandardDeviation(reduced, kept, 1e-3).squared().sum() }
    }

    /// The pullback is an operation of its own, with its own rules in each of its three inputs.
    @Test func thePullbackHasItsOwnDerivatives() {
        let x = derivativeTestTensor([3, 4, 2], seed: 51)
        let (reduced, kept, _) = x.reductionLayout([0, 2], "test", keepingDimensions: true)
        let g = derivativeTestTensor([3, 4, 2], seed: 52)
        let xhat = x.normalized(alongAxes: [0, 2])
        let s = derivativeTestTensor(kept, seed: 53) + 2
        let pullback = { (g: Tensor, xhat: Tensor, s: Tensor) in Tensor.normalizedPullback(g, xhat, s, reduced, kept) }
        checkDerivatives(at: g) { pullback($0, xhat, s) }
        checkDerivatives(at: xhat) { pullback(g, $0, s) }
        checkDerivatives(at: s) { pullback(g, xhat, $0) }
        checkHessianVectorProductAndSymmetry(at: xhat) { pullback(g, $0, s).squared().sum() }
        checkHessianVectorProductAndSymmetry(at: s) { pullback(g * $0.sum(), xhat, $0).squared().sum() }
        // Its value: s · (g − mean(g) − x̂ · mean(g · x̂)).
        let expected = s * (g - g.mean(alongAxes: reduced, keepingDimensions: true)
                            - xhat * (g * xhat).mean(alongAxes: reduced, keepingDimensions: true))
        #expect(derivativeTestClose(pullback(g, xhat, s).scalars, expected.scalars, 1e-13))
    }

    @Test func aConstantSliceNormalisesToZeroWithAFiniteGradient() {
        let x = Tensor([[2, 2, 2], [1, 2, 4]])
        #expect(x.normalized(alongAxes: [1]).scalars[0..<3].allSatisfy { $0 == 0 })
        let g = gradient(at: x) { ($0.normalized(alongAxes: [1]) * Tensor([1, 2, 3])).sum() }
        #expect(g.scalars.allSatisfy { $0.isFinite })
    }

    @Test func negativeEpsilonStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).normalized(alongAxes: [1], epsilon: -1)
        }
        if let message = standardError(of: result) {
            #expect(message.contains("normalized(alongAxes:epsilon:): epsilon must be finite and at least 0, got -1.0"))
        }
    }
}
