import Testing
@testable import Higher

/// Per-parameter hyperparameters, parameter groups, schedules, gradient transforms and
/// the errors a step throws.
@Suite struct OptimizerFeatureTests {
    static let params: Parameters = [
        "encoder.weight": Tensor([[0.5, -0.2], [0.1, 0.4]]),
        "encoder.bias": Tensor([0.1, -0.1]),
        "head.weight": Tensor([[0.3, -0.7]]),
    ]
    static let grads: Parameters = [
        "encoder.weight": Tensor([[0.2, 0.1], [-0.3, 0.05]]),
        "encoder.bias": Tensor([0.5, -0.25]),
        "head.weight": Tensor([[-0.4, 0.6]]),
    ]

    static func loss(_ p: Parameters) -> Tensor {
        let h = tanh(matmul(Tensor([[1.0, -2.0], [0.5, 1.5]]), p.tensor(at: "encoder.weight"), transposeB: true)
                     + p.tensor(at: "encoder.bias"))
        return (matmul(h, p.tensor(at: "head.weight"), transposeB: true) - Tensor([[1.0], [-1.0]])).squared().mean()
    }

    // MARK: Hyperparameters

    @Test func perParameterLearningRatesAreMetaSGD() throws {
        let lrs = Self.params.map { path, p in Tensor.full(p.shape, path.hasPrefix("head") ? 0.5 : 0.1) }
        let opt = SGD(lr: Hyperparameter(perParameter: lrs))
        let (_, p1) = try opt.step(opt.initialState(for: Self.params), Self.params, Self.grads)
        let expected = Self.params.tensors.indices.map { i in
            Self.params.tensors[i] - lrs.tensors[i] * Self.grads.tensors[i]
        }
        #expect(optimMaxDifference(optimFlat(p1), expected.flatMap(\.scalars)) == 0)

        // The gradient with respect to each learning rate: −g ⊙ ∂L/∂p₁.
        let g = gradient(at: lrs) { rates in
            let (_, p) = try! SGD().step(SGD.State(step: 0, momentumBuffer: nil), Self.params, Self.grads,
                                          SGD.Hyper(lr: Hyperparameter(perParameter: rates)))
            return Self.loss(p)
        }
        let outer = gradient(at: p1, of: Self.loss)
        let expectedGrad = zip(outer.tensors, Self.grads.tensors).flatMap { (-$0 * $1).scalars }
        #expect(optimMaxDifference(optimFlat(g), expectedGrad) < 1e-15)
    }

    @Test func sharedLearningRateServesEveryDtypeAndIsDifferentiable() throws {
        // A Float64 rate (rank 1, one element) applied to Float32 and Float64 parameters.
        let mixed: Parameters = ["a": Tensor([1, 2], dtype: .float32), "b": Tensor([3.0]), "c": Tensor([4], dtype: .float32)]
        let g: Parameters = ["a": Tensor([0.5, -1], dtype: .float32), "b": Tensor([2.0]), "c": Tensor([1], dtype: .float32)]
        let rate = Tensor([0.25])
        let (_, p1) = try SGD(lr: Hyperparameter(rate)).step(SGD.State(step: 0, momentumBuffer: nil), mixed, g)
        #expect(p1.tensors.map(\.dtype) == [.float32, .float64, .float32])
        #expect(p1.tensors.flatMap(\.scalars) == [0.875, 2.25, 2.5, 3.75])
        // d/dlr of Σ p₁ = −Σ g, through every dtype's copy of the rate.
        let d = gradient(at: rate) { r in
            let (_, p) = try! SGD().step(SGD.State(step: 0, momentumBuffer: nil), mixed, g, SGD.Hyper(lr: Hyperparameter(r)))
            return p.tensors.map { $0.cast(to: .float64).sum() }.reduce(Tensor(0), +)
        }
        #expect(d.scalars == [-2.5])
    }

    @Test func perParameterValuesCanBeOnePerTensor() throws {
        let lrs = Self.params.map { path, _ in Tensor(path.hasPrefix("head") ? 1.0 : 0.0) }
        let opt = Adam(lr: Hyperparameter(perParameter: lrs))
        let (_, p1) = try opt.step(opt.initialState(for: Self.params), Self.params, Self.grads)
        #expect(p1.tensor(at: "encoder.weight").scalars == Self.params.tensor(at: "encoder.weight").scalars)
        #expect(p1.tensor(at: "head.weight").scalars != Self.params.tensor(at: "head.weight").scalars)
    }

    @Test func missingPerParameterPathThrows() {
        let opt = SGD(lr: Hyperparameter(perParameter: ["encoder.weight": Tensor(0.1)]))
        #expect(throws: ParametersError.missingPath("encoder.bias", in: "lr hyperparameter")) {
            _ = try opt.step(opt.initialState(for: Self.params), Self.params, Self.grads)
        }
        let wrongShape = SGD(lr: Hyperparameter(perParameter: Self.params.map { _, _ in Tensor.ones([3]) }))
        #expect(throws: ParametersError.shapeMismatch(path: "encoder.weight", expected: [2, 2], actual: [3])) {
            _ = try wrongShape.step(wrongShape.initialState(for: Self.params), Self.params, Self.grads)
        }
    }

    @Test func perParameterMomentumOfZeroIsPlainSGD() throws {
        let momentum = Self.params.map { path, _ in Tensor(path.hasPrefix("head") ? 0.0 : 0.9) }
        let opt = SGD(lr: 0.1, momentum: Hyperparameter(perParameter: momentum), dampening: 0.5)
        var state = opt.initialState(for: Self.params), p = Self.params
        for _ in 0..<3 { (state, p) = try opt.step(state, p, Self.grads) }
        let plain = Self.params.tensor(at: "head.weight") - 0.3 * Self.grads.tensor(at: "head.weight")
        #expect(optimMaxDifference(p.tensor(at: "head.weight").scalars, plain.scalars) < 1e-15)
        let reference = SGD(lr: 0.1, momentum: 0.9, dampening: 0.5)
        var s2 = reference.initialState(for: Self.params), q = Self.params
        for _ in 0..<3 { (s2, q) = try reference.step(s2, q, Self.grads) }
        #expect(p.tensor(at: "encoder.weight").scalars == q.tensor(at: "encoder.weight").scalars)
    }

    @Test func oneNumberOfAnyRankActsAsAScalar() throws {
        let p: Parameters = ["s": Tensor(2.0), "v": Tensor([1.0, 2.0])]
        let g: Parameters = ["s": Tensor(1.0), "v": Tensor([1.0, 1.0])]
        let opt = SGD(lr: Hyperparameter(Tensor([[0.5]])))
        let (_, p1) = try opt.step(opt.initialState(for: p), p, g)
        #expect(p1.tensor(at: "s").shape == [] && p1.tensor(at: "s").item == 1.5)
        #expect(p1.tensor(at: "v").shape == [2])
    }

    @Test func hyperparametersAreTrees() {
        let h = Adam(lr: 0.01).hyper
        #expect(h.leaves.count == 5)
        #expect(h.mapLeaves { $0 * 2 }.lr.tensor!.item == 0.02)
        let perParameter = Hyperparameter(perParameter: Self.params)
        #expect(perParameter.leaves.count == 3)
        #expect(!perParameter.isTraced && perParameter.values.count == 8)
        #expect(Hyperparameter(0).isConstantZero && !Hyperparameter(1e-9).isConstantZero)
    }

    @Test func float32ParametersUseFloat64Settings() throws {
        let p: Parameters = ["w": Tensor([1, 2] as [Float], shape: [2])]
        let g: Parameters = ["w": Tensor([0.5, -0.5] as [Float], shape: [2])]
        let opt = Adam(lr: 0.1)
        let (s, p1) = try opt.step(opt.initialState(for: p), p, g)
        #expect(p1.tensor(at: "w").dtype == .float32 && s.expAvg.tensor(at: "w").dtype == .float32)
        #expect(optimMaxDifference(p1.tensor(at: "w").scalars, [0.9, 2.1]) < 1e-6)
    }

    // MARK: Groups

    @Test func groupsApplyTheirOwnSettingsInPlace() throws {
        let opt = ParameterGroups(default: SGD(lr: 0.1), groups: [
            (.prefix("head"), SGD(lr: 1.0)),
            (.matching { _, t in t.rank == 1 }, SGD(lr: 0.0)),
        ])
        let state = opt.initialState(for: Self.params)
        #expect(state.count == 3)
        let (_, p1) = try opt.step(state, Self.params, Self.grads)
        #expect(p1.paths == Self.params.paths)
        let head = Self.params.tensor(at: "head.weight") - Self.grads.tensor(at: "head.weight")
        #expect(p1.tensor(at: "head.weight").scalars == head.scalars)
        #expect(p1.tensor(at: "encoder.bias").scalars == Self.params.tensor(at: "encoder.bias").scalars)
        let encoder = Self.params.tensor(at: "encoder.weight") - 0.1 * Self.grads.tensor(at: "encoder.weight")
        #expect(p1.tensor(at: "encoder.weight").scalars == encoder.scalars)
    }

    @Test func groupHypergradientsComePerGroup() throws {
        let opt = ParameterGroups(default: Adam(lr: 0.01), groups: [(.prefix("encoder"), Adam(lr: 0.02))])
        let state = opt.initialState(for: Self.params)
        let g = try gradient(at: opt.hyper) { h in
            let (_, p) = try opt.step(state, Self.params, Self.grads, h)
            return Self.loss(p)
        }
        #expect(g.count == 2)
        #expect(g[0].lr.tensor!.item != 0 && g[1].lr.tensor!.item != 0)
        // Finite differences on the encoder group's learning rate.
        let numeric = try optimFD(0.02) { v in
            var h = opt.hyper
            h[0].lr = Hyperparameter(v)
            return Self.loss(try opt.step(state, Self.params, Self.grads, h).1).item
        }
        #expect(abs(g[0].lr.tensor!.item - numeric) < 1e-8)
    }

    @Test func selectorsMatchWholePathComponents() {
        let t = Tensor(0)
        #expect(ParameterSelector.prefix("enc").matches("enc.w", t))
        #expect(!ParameterSelector.prefix("enc").matches("encoder.w", t))
        #expect(ParameterSelector.paths(["a", "b"]).matches("b", t))
    }

    // MARK: Schedules

    @Test func schedulesAreDifferentiableInTheirSettings() {
        let g = gradient(at: [Tensor(0.1), Tensor(0.9)]) { s in
            ExponentialSchedule(initial: Hyperparameter(s[0]), gamma: Hyperparameter(s[1])).value(atStep: 3)
        }
        #expect(abs(g[0].item - 0.729) < 1e-15 && abs(g[1].item - 0.1 * 3 * 0.81) < 1e-15)
        let cosine = checkGradient(of: { s in
            CosineSchedule(initial: Hyperparameter(s[0]), minimum: Hyperparameter(s[1]), period: 10).value(atStep: 4)
        }, at: [Tensor(0.1), Tensor(0.01)])
        #expect(cosine.passes())
        let warm = checkGradient(of: { s in
            LinearWarmup(StepSchedule(initial: Hyperparameter(s[0]), stepSize: 2, gamma: Hyperparameter(s[1])),
                         steps: 5, startFactor: Hyperparameter(s[2])).value(atStep: 3)
        }, at: [Tensor(0.1), Tensor(0.5), Tensor(0.2)])
        #expect(warm.passes())
        let cycle = checkGradient(of: { s in
            OneCycleSchedule(maxRate: Hyperparameter(s[0]), totalSteps: 20, divFactor: Hyperparameter(s[1])).value(atStep: 3)
        }, at: [Tensor(0.1), Tensor(25)])
        #expect(cycle.passes())
    }

    @Test func scheduleEndsHold() {
        let cosine = CosineSchedule(initial: 0.1, minimum: 0.01, period: 10)
        #expect(cosine.value(atStep: 10).item == cosine.value(atStep: 50).item)
        let cycle = OneCycleSchedule(maxRate: 0.1, totalSteps: 10)
        #expect(cycle.value(atStep: 9).item == cycle.value(atStep: 30).item)
        #expect(abs(cycle.value(atStep: 9).item - 0.1 / 25 / 1e4) < 1e-18)
    }

    @Test func scheduledOptimizerUsesTheRateOfEachStep() throws {
        let schedule = ExponentialSchedule(initial: 0.1, gamma: 0.5)
        let opt = SGD(lr: 123).scheduled(by: schedule)
        var state = opt.initialState(for: Self.params)
        var p = Self.params
        var expected = Self.params
        for step in 0..<3 {
            (state, p) = try opt.step(state, p, Self.grads)
            expected = expected - (0.1 * Foundation.pow(0.5, Double(step))) * Self.grads
        }
        #expect(state.step == 3)
        #expect(optimMaxDifference(optimFlat(p), optimFlat(expected)) < 1e-15)

        // Hypergradient with respect to the schedule's settings through an unroll.
        let g = try gradient(at: opt.hyper) { h in
            var s = opt.initialState(for: Self.params), q = Self.params
            for _ in 0..<3 {
                let grads = gradient(at: q, of: Self.loss)
                (s, q) = try opt.step(s, q, grads, h)
            }
            return Self.loss(q)
        }
        let numeric = try optimFD(0.5) { gamma in
            var h = opt.hyper
            h.schedule = ExponentialSchedule(initial: 0.1, gamma: Hyperparameter(gamma))
            var s = opt.initialState(for: Self.params), q = Self.params
            for _ in 0..<3 { (s, q) = try opt.step(s, q, gradient(at: q, of: Self.loss), h) }
            return Self.loss(q).item
        }
        #expect(abs(g.schedule.gamma.tensor!.item - numeric) < 1e-8)
        #expect(g.base.lr.tensor!.item == 0)    // replaced by the schedule
    }

    @Test func scheduleCanDriveAnotherSetting() throws {
        let opt = Scheduled(SGD(lr: 0.1, momentum: 0.5), setting: \.momentum, schedule: ConstantSchedule(0.9))
        let direct = SGD(lr: 0.1, momentum: 0.9)
        var s1 = opt.initialState(for: Self.params), s2 = direct.initialState(for: Self.params)
        var p1 = Self.params, p2 = Self.params
        for _ in 0..<3 {
            (s1, p1) = try opt.step(s1, p1, Self.grads)
            (s2, p2) = try direct.step(s2, p2, Self.grads)
        }
        #expect(optimFlat(p1) == optimFlat(p2))
    }

    // MARK: Gradient transforms

    @Test func clipByGlobalNormMatchesTorchFormula() throws {
        let norm = Self.grads.tensors.reduce(0.0) { $0 + $1.scalars.reduce(0) { $0 + $1 * $1 } }.squareRoot()
        let clipped = try GradientTransform.clipByGlobalNorm(0.5)(Self.grads)
        let factor = 0.5 / (norm + 1e-6)
        #expect(optimMaxDifference(optimFlat(clipped), optimFlat(Self.grads).map { $0 * factor }) < 1e-16)
        let untouched = try GradientTransform.clipByGlobalNorm(10)(Self.grads)
        #expect(optimFlat(untouched) == optimFlat(Self.grads))
        let check = checkJVP(of: { g in try! GradientTransform.clipByGlobalNorm(0.5)(g) },
                             at: Self.grads, along: Self.params)
        #expect(check.passes())
    }

    @Test func clipOfZeroGradientsHasFiniteDerivatives() throws {
        let zeros = Self.grads.zerosLike()
        let g = gradient(at: zeros) { z in (try! GradientTransform.clipByGlobalNorm(1)(z)).dot(Self.params) }
        #expect(optimFlat(g) == optimFlat(Self.params))
    }

    @Test func clipByValueAndComposition() throws {
        let clipped = try GradientTransform.clipByValue(0.3).then(GradientTransform { 2 * $0 })(Self.grads)
        #expect(clipped.tensor(at: "encoder.bias").scalars == [0.6, -0.5])
        let opt = SGD(lr: 1).transformingGradients(.clipByValue(0.1))
        let (_, p1) = try opt.step(opt.initialState(for: Self.params), Self.params, Self.grads)
        #expect(optimMaxDifference(optimFlat(p1), optimFlat(Self.params - Self.grads.mapLeaves { $0.clamped(min: -0.1, max: 0.1) })) == 0)
    }

    @Test func transformThatBreaksTheTreeThrows() {
        let opt = SGD(lr: 1).transformingGradients(GradientTransform { $0.filter(prefix: "head") })
        #expect(throws: ParametersError.missingPath("encoder.weight", in: "transformed gradients")) {
            _ = try opt.step(opt.initialState(for: Self.params), Self.params, Self.grads)
        }
    }

    // MARK: Errors

    @Test func mismatchedGradientsOrStateThrowNamingThePath() {
        let sgd = SGD(lr: 0.1, momentum: 0.9)
        var grads = Self.grads
        grads["head.weight"] = Tensor([[1.0, 2.0, 3.0]])
        #expect(throws: ParametersError.shapeMismatch(path: "head.weight", expected: [1, 2], actual: [1, 3])) {
            _ = try sgd.step(sgd.initialState(for: Self.params), Self.params, grads)
        }
        var missing = Self.grads
        missing["encoder.bias"] = nil
        #expect(throws: ParametersError.missingPath("encoder.bias", in: "Adam gradients")) {
            _ = try Adam().step(Adam().initialState(for: Self.params), Self.params, missing)
        }
        var state = RMSprop().initialState(for: Self.params)
        state.squareAvg["extra"] = Tensor(1)
        #expect(throws: ParametersError.unexpectedPath("extra", in: "RMSprop state squareAvg")) {
            _ = try RMSprop().step(state, Self.params, Self.grads)
        }
        let adafactor = Adafactor()
        var factored = adafactor.initialState(for: Self.params)
        factored.rowVar["encoder.weight"] = Tensor.zeros([2, 2])
        #expect(throws: ParametersError.shapeMismatch(path: "encoder.weight", expected: [2, 1], actual: [2, 2])) {
            _ = try adafactor.step(factored, Self.params, Self.grads)
        }
    }

    @Test func stateTreesAreDifferentiableTrees() {
        let s = Adam(amsgrad: true).initialState(for: Self.params)
        #expect(s.leaves.count == 9)
        let doubled = s.mapLeaves { $0 + 1 }
        #expect(doubled.step == 0 && doubled.maxExpAvgSq!.tensor(at: "head.weight").scalars == [1, 1])
        #expect(SGD(lr: 0.1).initialState(for: Self.params).leaves.isEmpty)
        #expect(Adafactor().initialState(for: Self.params).rowVar.paths == ["encoder.weight", "head.weight"])
    }
}

import Foundation
