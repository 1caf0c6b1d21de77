import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
@testable import Higher
@testable import MAMLSinusoid

/// The MAML demo's pieces at small scale: task sampling, the per-task meta-gradient in
/// Float32 against Float64 and finite differences, scheduling-independent meta-steps,
/// and a short meta-training run whose model adapts to held-out tasks.
@Suite struct MAMLDemoTests {
    static func castTask(_ t: SinusoidTask, to dtype: DType) -> SinusoidTask {
        SinusoidTask(amplitude: t.amplitude, phase: t.phase, supportX: t.supportX.cast(to: dtype),
                     supportY: t.supportY.cast(to: dtype), queryX: t.queryX.cast(to: dtype), queryY: t.queryY.cast(to: dtype))
    }

    static func mamlMaxRelativeDifference(_ a: Parameters, _ b: Parameters) -> Double {
        let x = a.flattened().scalars, y = b.flattened().scalars
        let scale = max(y.map(abs).max() ?? 0, 1e-12)
        return zip(x, y).map { abs($0 - $1) }.max()! / scale
    }

    @Test func tasksAreReproducibleAndFollowTheDistribution() {
        let distribution = SinusoidTaskDistribution()
        let a = distribution.batch(8, using: RandomGenerator(seed: 5))
        let b = distribution.batch(8, using: RandomGenerator(seed: 5))
        for (s, t) in zip(a, b) {
            #expect(s.amplitude == t.amplitude && s.phase == t.phase && s.supportX.scalars == t.supportX.scalars)
            #expect((0.1...5).contains(s.amplitude) && (0...Double.pi).contains(s.phase))
            #expect(s.supportX.shape == [10, 1] && s.queryY.shape == [10, 1] && s.supportX.dtype == .float32)
            #expect(s.supportX.scalars.allSatisfy { (-5...5).contains($0) })
            for (x, y) in zip(s.queryX.scalars, s.queryY.scalars) {
                #expect(abs(y - s.value(at: x)) < 1e-5 * max(1, s.amplitude))
            }
        }
        #expect(Set(a.map(\.amplitude)).count == 8)
    }

    @Test func strategyNamesRoundTrip() {
        let all: [MetaGradientStrategy] = [.forwardOverReverse, .reverseOverReverse, .firstOrder, .checkpointed, .truncated(steps: 3)]
        for s in all { #expect(MetaGradientStrategy(name: s.name) == s) }
        #expect(MetaGradientStrategy(name: "truncated:x") == nil)
        #expect(MetaGradientStrategy(name: "secondOrder") == nil)
    }

    /// The per-task meta-gradient in Float32 agrees with Float64, and the Float64 one
    /// with central differences of the post-adaptation query loss (two inner steps).
    @Test func float32MetaGradientMatchesFloat64AndFiniteDifferences() throws {
        var rng = RandomGenerator(seed: 11)
        let f32 = makeFunctional(SinusoidMLP(hidden: 16, using: &rng))
        let f64 = makeFunctional(SinusoidMLP(hidden: 16, dtype: .float64, using: &rng))
        try f64.load(f32.parameters.mapLeaves { $0.cast(to: .float64) })
        let task32 = SinusoidTaskDistribution().batch(1, using: RandomGenerator(seed: 3))[0]
        let task64 = Self.castTask(task32, to: .float64)
        let configuration = MAMLConfiguration(innerSteps: 2, innerLearningRate: 0.05)

        let (loss32, g32) = try taskMetaGradient(model: f32, parameters: f32.parameters, task: task32, configuration: configuration)
        let (loss64, g64) = try taskMetaGradient(model: f64, parameters: f64.parameters, task: task64, configuration: configuration)
        #expect(g32.tensors.allSatisfy { $0.dtype == .float32 })
        #expect(abs(loss32 - loss64) < 1e-4 * loss64)
        #expect(Self.mamlMaxRelativeDifference(g32, g64) < 1e-3)

        var exact = configuration
        exact.strategy = .reverseOverReverse
        let (_, gReverse) = try taskMetaGradient(model: f64, parameters: f64.parameters, task: task64, configuration: exact)
        #expect(Self.mamlMaxRelativeDifference(gReverse, g64) < 1e-10)

        // d/dε L(θ + ε·v) at 0, with L the query loss after the same two SGD steps.
        var directionRNG = RandomGenerator(seed: 4)
        let v = f64.parameters.mapLeaves { Tensor.normal($0.shape, using: &directionRNG) }
        func adaptedLoss(_ p: Parameters) throws -> Double {
            let adapted = try adapt(model: f64, parameters: p, to: task64, steps: 2, learningRate: 0.05)
            return meanSquaredError(predicted: try f64(task64.queryX, parameters: adapted), target: task64.queryY).item
        }
        let eps = 1e-6
        let fd = (try adaptedLoss(f64.parameters + eps * v) - adaptedLoss(f64.parameters - eps * v)) / (2 * eps)
        let analytic = g64.dot(v).item
        #expect(abs(fd - analytic) < 1e-6 * max(1, abs(analytic)), "finite differences \(fd) vs meta-gradient \(analytic)")
    }

    /// Tasks spread over several workers give bit-identical meta-steps to one worker.
    @Test func metaStepsDoNotDependOnScheduling() async throws {
        let tasks = SinusoidTaskDistribution().batch(6, using: RandomGenerator(seed: 8))
        func run(workers: Int) async throws -> (Double, [Double]) {
            var rng = RandomGenerator(seed: 2)
            var learner = MetaLearner(model: makeFunctional(SinusoidMLP(hidden: 16, using: &rng)),
                                      configuration: MAMLConfiguration(tasksPerBatch: 6, workers: workers))
            var loss = 0.0
            for _ in 0..<2 { loss = try await learner.step(on: tasks) }
            return (loss, learner.parameters.flattened().scalars)
        }
        let serial = try await run(workers: 1), concurrent = try await run(workers: 3)
        #expect(serial.0 == concurrent.0)
        #expect(serial.1 == concurrent.1)
    }

    /// A short meta-training run (small meta-batches, a larger outer learning rate): the
    /// meta-loss is finite and falls, adaptation lowers the meta-trained model's query
    /// loss on held-out tasks, and more than it does for the pooled baseline.
    @Test func shortMetaTrainingThenAdaptationLowersTheQueryLoss() async throws {
        let distribution = SinusoidTaskDistribution()
        let iterations = 150, tasksPerBatch = 5
        var rng = RandomGenerator(seed: 0)
        var learner = MetaLearner(model: makeFunctional(SinusoidMLP(using: &rng)),
                                  configuration: MAMLConfiguration(tasksPerBatch: tasksPerBatch, outerLearningRate: 0.01))
        var baselineRNG = RandomGenerator(seed: 0)
        var baseline = PooledBaseline(module: SinusoidMLP(using: &baselineRNG), learningRate: 0.01)
        let stream = RandomGenerator(seed: 1)
        var losses: [Double] = []
        for i in 0..<iterations {
            let tasks = distribution.batch(tasksPerBatch, using: stream.fork(i))
            losses.append(try await learner.step(on: tasks))
            try baseline.step(on: tasks)
        }
        #expect(losses.allSatisfy { $0.isFinite && $0 > 0 })
        let firstTenth = losses.prefix(iterations / 10).reduce(0, +), lastTenth = losses.suffix(iterations / 10).reduce(0, +)
        #expect(lastTenth < firstTenth, "meta-loss over the first and last tenth: \(firstTenth), \(lastTenth)")

        let heldOut = distribution.batch(20, using: RandomGenerator(seed: 2017))
        let maml = try await evaluateAdaptation(model: learner.model, parameters: learner.parameters, tasks: heldOut, after: [0, 1, 10])
        let pooled = try await evaluateAdaptation(model: baseline.model, parameters: baseline.parameters, tasks: heldOut, after: [0, 1, 10])
        let m = maml.meanLosses, b = pooled.meanLosses
        #expect(maml.losses.count == 20 && (m + b).allSatisfy(\.isFinite))
        #expect(m[1] < m[0] && m[2] < m[1], "MAML query loss before, after 1 and 10 steps: \(m)")
        #expect(m[2] < b[2], "after 10 steps, MAML \(m[2]) vs baseline \(b[2])")
    }

    @Test func figureIsWellFormedSVG() throws {
        let task = SinusoidTaskDistribution().batch(1, using: RandomGenerator(seed: 9))[0]
        let xs = (0..<11).map { Double($0) - 5 }
        let figure = SinusoidFigure(
            title: "A & φ <test>", xs: xs, truth: xs.map(task.value(at:)),
            support: zip(task.supportX.scalars, task.supportY.scalars).map { ($0, $1) },
            curves: [.init(label: "zero", color: "#000", dash: "2 2", ys: xs.map { _ in 0 })],
            metaLosses: (1...300).map { 4 / Double($0) })
        let svg = figure.svg()
        #expect(svg.hasPrefix("<svg") && svg.hasSuffix("</svg>\n"))
        #expect(svg.contains("A &amp; φ &lt;test&gt;"))
        #expect(svg.components(separatedBy: "<circle").count - 1 == task.supportX.count + 1)
        #expect([formatNumber(pow(10, log10(5))), formatNumber(0.2), formatNumber(0.05), formatNumber(-2)] == ["5", "0.2", "0.05", "-2"])
        let data = try #require(svg.data(using: .utf8))
        let parser = XMLParser(data: data)
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
    }
}
