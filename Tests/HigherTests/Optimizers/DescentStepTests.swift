import Testing
@testable import Higher

/// `descentStep(gradient:lr:weightDecay:)`, the fused SGD update `p − lr·(g + wd·p)`.
@Suite struct DescentStepTests {
    static let p = derivativeTestTensor([3, 4], seed: 61)
    static let g = derivativeTestTensor([3, 4], seed: 62)

    /// The same update written with the public operations.
    static func unfused(_ p: Tensor, _ g: Tensor, _ lr: Tensor, _ wd: Tensor?) -> Tensor {
        p - lr.cast(to: p.dtype) * (wd.map { g + $0.cast(to: p.dtype) * p } ?? g)
    }

    @Test func valuesMatchTheUnfusedUpdate() {
        let lr = Tensor(0.1), wd = Tensor(0.01)
        for decay in [nil, wd, Tensor(0)] {
            let fused = Self.p.descentStep(gradient: Self.g, lr: lr, weightDecay: decay)
            #expect(derivativeTestClose(fused.scalars, Self.unfused(Self.p, Self.g, lr, decay).scalars, 1e-15))
        }
        // A Float32 parameter with Float64 hyperparameters steps in Float32.
        let p32 = Self.p.cast(to: .float32), g32 = Self.g.cast(to: .float32)
        let fused32 = p32.descentStep(gradient: g32, lr: lr, weightDecay: wd)
        #expect(fused32.dtype == .float32)
        #expect(derivativeTestClose(fused32.scalars, Self.unfused(p32, g32, lr, wd).scalars, 1e-7))
        let documented = Tensor([1, 2]).descentStep(gradient: Tensor([0.5, -1]), lr: Tensor(0.1), weightDecay: Tensor(0.01))
        let expected: [Double] = [1 - 0.1 * (0.5 + 0.01 * 1), 2 - 0.1 * (-1 + 0.01 * 2)]
        #expect(documented.scalars == expected)
    }

    @Test func derivativesInEachInputMatchFiniteDifferences() {
        let (p, g, lr, wd) = (Self.p, Self.g, Tensor(0.3), Tensor(0.2))
        checkDerivatives(at: p) { $0.descentStep(gradient: g, lr: lr, weightDecay: wd) }
        checkDerivatives(at: g) { p.descentStep(gradient: $0, lr: lr, weightDecay: wd) }
        checkDerivatives(at: lr) { p.descentStep(gradient: g, lr: $0, weightDecay: wd) }
        checkDerivatives(at: wd) { p.descentStep(gradient: g, lr: lr, weightDecay: $0) }
        checkDerivatives(at: p) { $0.descentStep(gradient: g, lr: lr, weightDecay: nil) }
        checkDerivatives(at: lr) { p.descentStep(gradient: g, lr: $0, weightDecay: nil) }
    }

    /// The one-pass cotangents of plain tensors equal the rule written with operations
    /// (which the nested derivatives use), in Float64 and for a Float32 parameter with
    /// Float64 hyperparameters, whose cotangents keep their dtype.
    @Test func onePassCotangentsMatchTheComposedRule() {
        let u = derivativeTestTensor([3, 4], seed: 64)
        let lr = Tensor(0.3), wd = Tensor(0.2)
        for dtype in [DType.float64, .float32] {
            let (p, g) = (Self.p.cast(to: dtype), Self.g.cast(to: dtype))
            let fused = vjp(at: [p, g, lr, wd]) { x in x[0].descentStep(gradient: x[1], lr: x[2], weightDecay: x[3]) }
                .pullback(u.cast(to: dtype))
            let composed = vjp(at: [p, g, lr, wd]) { x in Self.unfused(x[0], x[1], x[2], x[3]) }.pullback(u.cast(to: dtype))
            #expect(fused.map(\.dtype) == [dtype, dtype, .float64, .float64])
            #expect(fused.map(\.shape) == [[3, 4], [3, 4], [], []])
            for (a, b) in zip(fused, composed) {
                #expect(derivativeTestClose(a.scalars, b.scalars, dtype == .float64 ? 1e-14 : 1e-6))
            }
        }
    }

    /// A weight decay of 0 still receives its hypergradient: −lr·Σ ū·p.
    @Test func aZeroWeightDecayHasItsGradient() {
        let (p, g, lr) = (Self.p, Self.g, Tensor(0.3))
        let d = gradient(at: Tensor(0)) { (p.descentStep(gradient: g, lr: lr, weightDecay: $0) * g).sum() }
        #expect(abs(d.item - (-0.3 * (p * g).sum().item)) < 1e-14)
    }

    @Test func secondOrderMatchesFiniteDifferencesBothWays() {
        let (p, g) = (Self.p, Self.g)
        // All inputs depend on one tensor, so every rule meets an outer derivative.
        checkHessianVectorProductAndSymmetry(at: p) { x in
            let lr = x.sum() * 0.1, wd = (x * x).mean()
            let y = x.descentStep(gradient: g * x, lr: lr, weightDecay: wd)
            return (y * y * y).sum()
        }
        checkHessianVectorProductAndSymmetry(at: Tensor([0.2, 0.05])) { h in
            let y = p.descentStep(gradient: g, lr: h[0], weightDecay: h[1])
            return (y * y).sum() * h.sum()
        }
    }

    /// The fused update is what SGD records when it is differentiated; the gradient of
    /// a step through it equals the gradient through the unfused formula.
    @Test func sgdThroughTheFusedUpdateMatchesTheFormula() throws {
        let params = Parameters(["w": Self.p, "b": Self.g.sum(alongAxes: [0])])
        let sgd = SGD(lr: 0.1, weightDecay: 0.01)
        let state = sgd.initialState(for: params)
        let w = derivativeTestTensor([3, 4], seed: 63)
        let viaSGD = gradient(at: params) { q in
            let (_, next) = try! sgd.step(state, q, q.mapLeaves { $0 * 0.5 + 0.25 }, sgd.hyper)
            return (next["w"]! * w).sum() + next["b"]!.squared().sum()
        }
        let viaFormula = gradient(at: params) { q in
            let next = q.mapLeaves { x in x - 0.1 * ((x * 0.5 + 0.25) + 0.01 * x) }
            return (next["w"]! * w).sum() + next["b"]!.squared().sum()
        }
        for path in params.paths {
            #expect(derivativeTestClose(viaSGD[path]!.scalars, viaFormula[path]!.scalars, 1e-14))
        }
    }

    /// SGD's traced path with `maximize` and a Float32 tree: the parameters' and the
    /// learning rate's gradients equal the formula's (the learning rate stays Float64).
    @Test func sgdMaximizingFloat32MatchesTheFormula() throws {
        let (w0, g) = (Self.p.cast(to: .float32), Self.g.cast(to: .float32))
        let weights = derivativeTestTensor([3, 4], seed: 65, dtype: .float32)
        let sgd = SGD(lr: 0.1, weightDecay: 0.02, maximize: true)
        let state = sgd.initialState(for: Parameters(["w": w0]))
        let viaSGD = gradient(at: [w0, Tensor(0.1)]) { v in
            let hyper = SGD.Hyper(lr: Hyperparameter(v[1]), weightDecay: 0.02)
            let (_, next) = try! sgd.step(state, Parameters(["w": v[0]]), Parameters(["w": g]), hyper)
            return (next["w"]! * weights).sum()
        }
        let viaFormula = gradient(at: [w0, Tensor(0.1)]) { v in
            ((v[0] - v[1].cast(to: .float32) * (-g + 0.02 * v[0])) * weights).sum()
        }
        #expect(viaSGD[1].dtype == .float64)
        #expect(derivativeTestClose(viaSGD[0].scalars, viaFormula[0].scalars, 1e-6))
        #expect(derivativeTestClose(viaSGD[1].scalars, viaFormula[1].scalars, 1e-5))
    }

    @Test func mismatchedGradientIsReported() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]).descentStep(gradient: Tensor.zeros([3, 2]), lr: Tensor(0.1), weightDecay: nil)
        }
        if let message = standardError(of: result) {
            #expect(message.contains("descentStep: the gradient [3, 2] float64 does not match the parameter [2, 3] float64"))
        }
    }
}
