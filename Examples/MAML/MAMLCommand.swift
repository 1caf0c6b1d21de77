// MAML on sinusoids (Finn, Abbeel and Levine 2017, section 5.1): meta-train the initial
// weights of a small regressor so that a few SGD steps on 10 points of a new sinusoid
// fit it, compare with a network trained on the pooled data of all tasks, and draw one
// held-out task and the meta-loss curve as SVG.
import ArgumentParser
import Foundation
import Higher
import MAMLSinusoid

@main
struct MAMLCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "MAML",
        abstract: "MAML on sinusoid regression, against a jointly trained baseline.")

    @Option(help: "Meta-training iterations (the baseline gets as many Adam steps).")
    var iterations = 6000

    @Option(help: "Seed for the initial weights and the training tasks (held-out tasks have their own fixed seed).")
    var seed: UInt64 = 0

    @Option(help: "Tasks per meta-batch.")
    var tasksPerBatch = 25

    @Option(help: "Inner SGD steps per task during meta-training.")
    var innerSteps = 1

    @Option(help: "Meta-gradient strategy: forwardOverReverse (default), reverseOverReverse, firstOrder, checkpointed, truncated:N.",
            transform: { text in
                guard let strategy = MetaGradientStrategy(name: text) else {
                    throw ValidationError("unknown strategy '\(text)'; use forwardOverReverse, reverseOverReverse, firstOrder, checkpointed or truncated:N")
                }
                return strategy
            })
    var strategy = MetaGradientStrategy.forwardOverReverse

    @Option(help: "Where to write the SVG picture.")
    var output = "out/maml-sinusoid.svg"

    /// Test-time adaptation: the paper's K = 10 points, SGD with the inner learning rate.
    static let evaluationSteps = [0, 1, 10]
    static let heldOutTasks = 100
    static let heldOutSeed: UInt64 = 2017

    func validate() throws {
        guard iterations > 0 else { throw ValidationError("--iterations must be positive") }
        guard tasksPerBatch > 0 else { throw ValidationError("--tasks-per-batch must be positive") }
        guard innerSteps > 0 else { throw ValidationError("--inner-steps must be positive") }
    }

    func run() async throws {
        let clock = ContinuousClock(), start = clock.now
        let distribution = SinusoidTaskDistribution()
        let configuration = MAMLConfiguration(tasksPerBatch: tasksPerBatch, innerSteps: innerSteps, strategy: strategy)
        say("MAML on sinusoids: A ∈ [0.1, 5], φ ∈ [0, π], x ∈ [-5, 5], K = \(distribution.supportCount) support "
              + "and \(distribution.queryCount) query points, 1-40-40-1 ReLU MLP in Float32")
        say("iterations \(iterations), \(tasksPerBatch) tasks per meta-batch, \(innerSteps) inner SGD step(s) "
              + "(lr \(configuration.innerLearningRate)), Adam (lr \(configuration.outerLearningRate)), "
              + "strategy \(strategy.name), seed \(seed), \(configuration.workers) worker(s)")

        // Both networks start from the same weights and see the same task batches.
        let root = RandomGenerator(seed: seed)
        var initialization = root.fork(0), baselineInitialization = root.fork(0)
        let trainingTasks = root.fork(1)
        var learner = MetaLearner(model: makeFunctional(SinusoidMLP(using: &initialization)), configuration: configuration)
        var baseline = PooledBaseline(module: SinusoidMLP(using: &baselineInitialization),
                                      learningRate: configuration.outerLearningRate)

        say("\nMeta-training (loss: query MSE after adaptation, mean over the meta-batch)")
        var metaLosses: [Double] = []
        metaLosses.reserveCapacity(iterations)
        var progress = Progress(label: "MAML iteration", total: iterations)
        for i in 0..<iterations {
            let tasks = distribution.batch(tasksPerBatch, using: trainingTasks.fork(i))
            let loss = try await learner.step(on: tasks)
            metaLosses.append(loss)
            progress.record(iteration: i, loss: loss)
        }
        let mamlTime = progress.elapsed

        say("\nBaseline: Adam on the pooled points of the same task batches")
        progress = Progress(label: "baseline iteration", total: iterations, lines: 5)
        for i in 0..<iterations {
            let tasks = distribution.batch(tasksPerBatch, using: trainingTasks.fork(i))
            progress.record(iteration: i, loss: try baseline.step(on: tasks))
        }

        let heldOut = distribution.batch(Self.heldOutTasks, using: RandomGenerator(seed: Self.heldOutSeed))
        let steps = Self.evaluationSteps
        let lr = configuration.innerLearningRate
        let maml = try await evaluateAdaptation(model: learner.model, parameters: learner.parameters,
                                                tasks: heldOut, after: steps, learningRate: lr)
        let pooled = try await evaluateAdaptation(model: baseline.model, parameters: baseline.parameters,
                                                  tasks: heldOut, after: steps, learningRate: lr)
        say("\nHeld-out tasks: \(heldOut.count) (seed \(Self.heldOutSeed)); query MSE, mean over tasks, "
              + "after k SGD steps (lr \(lr)) on the support set")
        say("             " + steps.map { pad("k = \($0)") }.joined())
        say("  MAML       " + maml.meanLosses.map { pad(String(format: "%.4f", $0)) }.joined())
        say("  baseline   " + pooled.meanLosses.map { pad(String(format: "%.4f", $0)) }.joined())
        let last = steps.max()!
        let ratio = maml.meanLoss(after: last)! / pooled.meanLoss(after: last)!
        say(String(format: "  MAML / baseline after %d steps: %.3f", last, ratio))

        // Draw a typical task: the one with the median loss of the adapted MAML model.
        let lastColumn = steps.firstIndex(of: last)!
        let order = heldOut.indices.sorted { maml.losses[$0][lastColumn] < maml.losses[$1][lastColumn] }
        let path = try writeFigure(task: heldOut[order[order.count / 2]], learner: learner, baseline: baseline, steps: last,
                                   learningRate: lr, metaLosses: metaLosses)
        say("\nPicture: \(path)")
        say(String(format: "Time: %@ meta-training (%.1f it/s), %@ in all",
                     duration(mamlTime), Double(iterations) / mamlTime, duration(seconds(clock.now - start))))
    }

    /// Draws the first held-out task and the meta-loss curve; returns the file's path.
    private func writeFigure(task: SinusoidTask, learner: MetaLearner, baseline: PooledBaseline, steps: Int,
                             learningRate: Double, metaLosses: [Double]) throws -> String {
        let xs = (0..<241).map { -5 + Double($0) / 24 }
        let adapted = try adapt(model: learner.model, parameters: learner.parameters, to: task, steps: steps,
                                learningRate: learningRate)
        let baselineAdapted = try adapt(model: baseline.model, parameters: baseline.parameters, to: task, steps: steps,
                                        learningRate: learningRate)
        let support = zip(task.supportX.scalars, task.supportY.scalars).map { ($0, $1) }
        let figure = SinusoidFigure(
            title: String(format: "median held-out task: A = %.2f, φ = %.2f, K = %d", task.amplitude, task.phase, support.count),
            xs: xs, truth: xs.map(task.value(at:)), support: support,
            curves: [
                .init(label: "MAML, before adaptation", color: "#e69f00", dash: "7 5",
                      ys: try predictions(model: learner.model, parameters: learner.parameters, at: xs)),
                .init(label: "MAML, after \(steps) steps", color: "#0072b2",
                      ys: try predictions(model: learner.model, parameters: adapted, at: xs)),
                .init(label: "baseline, after \(steps) steps", color: "#009e73", dash: "2 4",
                      ys: try predictions(model: baseline.model, parameters: baselineAdapted, at: xs)),
            ],
            metaLosses: metaLosses)
        let url = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try figure.svg().write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }
}

private func pad(_ text: String) -> String {
    String(repeating: " ", count: max(0, 11 - text.count)) + text
}
