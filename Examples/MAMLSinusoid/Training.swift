import Foundation
import Higher

/// The settings of MAML meta-training. The defaults are the paper's sinusoid settings:
/// 25 tasks per meta-batch, one inner SGD step with learning rate 0.01, Adam with
/// learning rate 0.001 outside, exact second-order meta-gradients.
///
/// ```swift
/// var configuration = MAMLConfiguration()
/// configuration.innerSteps = 5
/// configuration.strategy = .checkpointed
/// ```
public struct MAMLConfiguration: Sendable {
    /// Tasks per meta-batch.
    public var tasksPerBatch: Int
    /// Inner SGD steps per task during meta-training.
    public var innerSteps: Int
    /// The inner SGD learning rate.
    public var innerLearningRate: Double
    /// The outer Adam learning rate.
    public var outerLearningRate: Double
    /// How each task's meta-gradient is computed.
    public var strategy: MetaGradientStrategy
    /// How many tasks run concurrently (the machine's cores by default).
    public var workers: Int

    /// Settings; every argument has the paper's value by default.
    ///
    /// ```swift
    /// let quick = MAMLConfiguration(tasksPerBatch: 4, strategy: .firstOrder)
    /// ```
    public init(tasksPerBatch: Int = 25, innerSteps: Int = 1, innerLearningRate: Double = 0.01,
                outerLearningRate: Double = 1e-3, strategy: MetaGradientStrategy = .forwardOverReverse,
                workers: Int = ProcessInfo.processInfo.activeProcessorCount) {
        precondition(tasksPerBatch > 0, "MAMLConfiguration: tasksPerBatch \(tasksPerBatch) must be positive")
        precondition(innerSteps > 0, "MAMLConfiguration: innerSteps \(innerSteps) must be positive")
        self.tasksPerBatch = tasksPerBatch
        self.innerSteps = innerSteps
        self.innerLearningRate = innerLearningRate
        self.outerLearningRate = outerLearningRate
        self.strategy = strategy
        self.workers = workers
    }
}

/// The query loss of one task after adapting on its support set, and the gradient of
/// that loss with respect to the starting weights: MAML's per-task meta-gradient.
///
/// ```swift
/// let (loss, g) = try taskMetaGradient(model: f, parameters: f.parameters, task: task,
///                                      configuration: MAMLConfiguration())
/// ```
public func taskMetaGradient<Model: FunctionalModel<Tensor, Tensor>>(
    model: Model, parameters: Parameters, task: SinusoidTask, configuration: MAMLConfiguration
) throws -> (loss: Double, gradient: Parameters) {
    // MAML needs the initial weights' gradient only: the inner learning rate is fixed.
    var loop = InnerLoop(model: model, optimizer: SGD(lr: Hyperparameter(configuration.innerLearningRate)),
                         initialParameters: parameters, strategy: configuration.strategy,
                         hyperparametersReceiveGradients: false)
    for _ in 0..<configuration.innerSteps {
        try loop.step { m in meanSquaredError(predicted: try m(task.supportX), target: task.supportY) }
    }
    let result = try loop.metaGradient { m in meanSquaredError(predicted: try m(task.queryX), target: task.queryY) }
    return (result.outerLoss.item, result.initialParameters!)
}

/// MAML's outer loop: the meta-parameters (the initial weights every task adapts from)
/// and Adam's state, updated by ``step(on:)`` with the mean meta-gradient of a meta-batch.
///
/// ```swift
/// var learner = MetaLearner(model: makeFunctional(net), configuration: MAMLConfiguration())
/// let tasks = SinusoidTaskDistribution().batch(25, using: RandomGenerator(seed: 0))
/// let metaLoss = try await learner.step(on: tasks)
/// ```
public struct MetaLearner: Sendable {
    /// The network as a function of its weights.
    public let model: SinusoidModel
    /// The settings.
    public let configuration: MAMLConfiguration
    /// The outer optimizer.
    public let optimizer: Adam
    /// The meta-parameters (initial weights for adaptation).
    public private(set) var parameters: Parameters
    /// The outer optimizer's state.
    public private(set) var optimizerState: Adam.State

    /// A learner starting from the model's own weights.
    ///
    /// ```swift
    /// let learner = MetaLearner(model: makeFunctional(net), configuration: MAMLConfiguration(innerSteps: 5))
    /// ```
    public init(model: SinusoidModel, configuration: MAMLConfiguration) {
        self.model = model
        self.configuration = configuration
        optimizer = Adam(lr: Hyperparameter(configuration.outerLearningRate))
        parameters = model.parameters
        optimizerState = optimizer.initialState(for: parameters)
    }

    /// One meta-update: every task's meta-gradient (concurrently), summed in task order
    /// and divided by the number of tasks, then one Adam step. Returns the mean query loss
    /// after adaptation (the meta-loss) before the update.
    ///
    /// ```swift
    /// let metaLoss = try await learner.step(on: tasks)
    /// ```
    @discardableResult
    public mutating func step(on tasks: [SinusoidTask]) async throws -> Double {
        precondition(!tasks.isEmpty, "MetaLearner.step: an empty meta-batch")
        let model = self.model, parameters = self.parameters, configuration = self.configuration
        let results = try await concurrentTasks(tasks.count, maxConcurrency: max(1, configuration.workers)) { i in
            try taskMetaGradient(model: model, parameters: parameters, task: tasks[i], configuration: configuration)
        }
        var total = results[0].gradient
        for r in results.dropFirst() { total = total + r.gradient }
        let scale = 1 / Double(tasks.count)
        (optimizerState, self.parameters) = try optimizer.step(optimizerState, parameters, scale * total)
        try model.load(self.parameters)
        return results.reduce(0) { $0 + $1.loss } * scale
    }
}

/// The baseline of the paper: the same network trained with Adam on the pooled data of
/// many tasks (support and query points together), as if they were one regression
/// problem; at test time it is fine-tuned exactly like the MAML model.
///
/// ```swift
/// var baseline = PooledBaseline(module: SinusoidMLP(using: &rng), learningRate: 1e-3)
/// let loss = try baseline.step(on: tasks)
/// ```
public struct PooledBaseline {
    private var trainer: Trainer<SinusoidMLP, Adam>

    /// A baseline training `module` with Adam.
    ///
    /// ```swift
    /// var baseline = PooledBaseline(module: net)
    /// ```
    public init(module: SinusoidMLP, learningRate: Double = 1e-3) {
        trainer = Trainer(model: module, optimizer: Adam(lr: Hyperparameter(learningRate)))
    }

    /// The network as a function of its weights.
    ///
    /// ```swift
    /// let y = try baseline.model(x, parameters: baseline.parameters)
    /// ```
    public var model: SinusoidModel { trainer.model }

    /// The current weights.
    ///
    /// ```swift
    /// print(baseline.parameters.paths)
    /// ```
    public var parameters: Parameters { trainer.parameters }

    /// One Adam step on the mean squared error over every point of `tasks`; returns the
    /// loss before the step.
    ///
    /// ```swift
    /// let loss = try baseline.step(on: tasks)
    /// ```
    @discardableResult
    public mutating func step(on tasks: [SinusoidTask]) throws -> Double {
        let x = Tensor.concatenate(tasks.flatMap { [$0.supportX, $0.queryX] })
        let y = Tensor.concatenate(tasks.flatMap { [$0.supportY, $0.queryY] })
        return try trainer.step { forward in meanSquaredError(predicted: try forward(x), target: y) }
    }
}
