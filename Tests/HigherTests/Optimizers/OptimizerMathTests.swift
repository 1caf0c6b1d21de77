import Testing
@testable import Higher

/// `safeSqrt` (derivative 0 at exactly 0) and `clamped(lower:upper:)` with tensor bounds.
@Suite struct OptimizerMathTests {
    @Test func safeSqrtValuesAndDerivatives() {
        let x = Tensor([0, 0.25, 4, 9])
        #expect(x.safeSqrt().scalars == [0, 0.5, 2, 3])
        let g = gradient(at: x) { $0.safeSqrt().sum() }
        #expect(g.scalars == [0, 1, 0.25, 1.0 / 6])
        let (_, d) = jvp(at: x, along: Tensor([5, 1, 1, 1])) { $0.safeSqrt() }
        #expect(d.scalars == [0, 1, 0.25, 1.0 / 6])
        // The plain square root gives NaN there, which is what the rule avoids.
        #expect(gradient(at: Tensor([0.0])) { ($0.sqrt() * 0).sum() }.scalars[0].isNaN)
    }

    @Test func safeSqrtMatchesFiniteDifferencesAwayFromZero() {
        let x = Tensor([[0.3, 1.7], [2.5, 0.9]])
        #expect(checkGradient(of: { ($0.safeSqrt() * $0).sum() }, at: x).passes(tolerance: 1e-7))
        #expect(checkJVP(of: { $0.safeSqrt() }, at: x, along: Tensor([[1, -2], [0.5, 3]])).passes(tolerance: 1e-7))
        #expect(checkVJP(of: { $0.safeSqrt() }, at: x, cotangent: Tensor([[1, -2], [0.5, 3]])).passes(tolerance: 1e-7))
        let hvp = checkHessianVectorProduct(of: { ($0.safeSqrt() * $0.safeSqrt().safeSqrt()).sum() },
                                            at: x, along: Tensor([[0.2, -1], [1, 0.4]]))
        #expect(hvp.passes(tolerance: 1e-6), "\(hvp)")
    }

    @Test func safeSqrtHigherDerivativesAtZeroAreZero() {
        let x = Tensor([0, 1])
        let hvp = hessianVectorProduct(at: x, along: Tensor([1, 1])) { $0.safeSqrt().sum() }
        #expect(hvp.scalars[0] == 0)
        #expect(abs(hvp.scalars[1] - (-0.25)) < 1e-15)
        // Through a square: sqrt(g²) = |g| has derivative 0 at 0 (like abs), and the
        // second derivative stays finite.
        let g = gradient(at: Tensor([0, -2])) { $0.squared().safeSqrt().sum() }
        #expect(g.scalars == [0, -1])
        let h = hessianVectorProduct(at: Tensor([0, -2]), along: Tensor([1, 1])) { $0.squared().safeSqrt().sum() }
        #expect(h.scalars.allSatisfy { $0.isFinite })
    }

    @Test func safeSqrtFloat32() {
        let x = Tensor([0, 4] as [Float], shape: [2])
        let g = gradient(at: x) { $0.safeSqrt().sum() }
        #expect(g.dtype == .float32)
        #expect(g.scalars == [0, 0.25])
    }

    @Test func clampedToTensorBounds() {
        let x = Tensor([-1, 0, 0.5, 1, 2])
        let lower = Tensor(0.0), upper = Tensor(1.0)
        #expect(x.clamped(lower: lower, upper: upper).scalars == [0, 0, 0.5, 1, 1])
        // The derivative goes to x inside, bounds included, and to the applied bound outside.
        let gx = gradient(at: x) { $0.clamped(lower: lower, upper: upper).sum() }
        #expect(gx.scalars == [0, 1, 1, 1, 0])
        let gb = gradient(at: [lower, upper]) { b in x.clamped(lower: b[0], upper: b[1]).sum() }
        #expect(gb[0].scalars == [1] && gb[1].scalars == [1])
        let check = checkJVP(of: { t in Tensor([-1, 0.5, 2]).clamped(lower: t[0], upper: t[1]) },
                             at: [Tensor(0.2), Tensor(1.5)], along: [Tensor(1), Tensor(-1)])
        #expect(check.passes())
        #expect(x.clamped(lower: nil, upper: upper).scalars == [-1, 0, 0.5, 1, 1])
    }

    @Test func lerpFollowsTorchBranches() {
        let a = Tensor([1, 2]), b = Tensor([3, -2])
        #expect(a.lerp(to: b, weight: Tensor(0.25)).scalars == [1.5, 1])
        #expect(a.lerp(to: b, weight: Tensor(0.75)).scalars == [2.5, -1])
        #expect(a.lerp(to: b, weight: Tensor(1.0)).scalars == [3, -2])
        let g = gradient(at: Tensor(0.75)) { w in a.lerp(to: b, weight: w).sum() }
        #expect(g.item == -2)
    }
}
