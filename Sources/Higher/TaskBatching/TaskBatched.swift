/// A model run for T tasks at once: its parameters and buffers carry a leading task axis
/// and its input is `[T, …]`. Give one to ``InnerLoop`` to adapt a whole meta-batch in a
/// single batched unroll; the gradients are those of the per-task loops, stacked.
///
/// Losses must be sums of per-task terms (each task's loss depends on its own slice only),
/// and the optimizer must act on each element independently (SGD, Adam, RMSprop… without
/// global-norm clipping), so that task `t`'s update sees task `t`'s gradient only.
///
/// ```swift
/// let batched = TaskBatched(makeFunctional(model), taskCount: 8)
/// var loop = InnerLoop(model: batched, optimizer: SGD(lr: 0.01))
/// try loop.step { m in perTaskLoss(try m(xSupport), ySupport).sum() }   // xSupport: [8, N, 1]
/// let result = try loop.metaGradient { m in perTaskLoss(try m(xQuery), yQuery).sum() }
/// let metaGradient = result.initialParameters!.summedOverTasks()
/// ```
public struct TaskBatched<Base: FunctionalModel>: FunctionalModel {
    /// The base model's input type; its tensors carry a leading task axis.
    ///
    /// ```swift
    /// let x: TaskBatched<FunctionalModule<Linear>>.Input = Tensor.ones([8, 5, 4])    // 8 tasks
    /// ```
    public typealias Input = Base.Input
    /// The base model's output type; its tensors carry a leading task axis.
    ///
    /// ```swift
    /// let y: TaskBatched<FunctionalModule<Linear>>.Output = try batched(x, parameters: batched.parameters)
    /// ```
    public typealias Output = Base.Output

    /// The single-task model.
    ///
    /// ```swift
    /// TaskBatched(makeFunctional(fc), taskCount: 8).base.parameters.paths    // ["weight", "bias"]
    /// ```
    public let base: Base
    /// The number of tasks.
    ///
    /// ```swift
    /// TaskBatched(makeFunctional(fc), taskCount: 8).taskCount    // 8
    /// ```
    public let taskCount: Int

    /// A batched view of `base` for `taskCount` tasks.
    ///
    /// ```swift
    /// let batched = TaskBatched(f, taskCount: 32)
    /// ```
    public init(_ base: Base, taskCount: Int) {
        precondition(taskCount >= 1, "TaskBatched: taskCount \(taskCount) must be at least 1")
        self.base = base
        self.taskCount = taskCount
    }

    /// The base model's parameters repeated for every task.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// let batched = TaskBatched(makeFunctional(Linear(4, 3, using: &rng)), taskCount: 8)
    /// batched.parameters["weight"]!.shape    // [8, 3, 4]
    /// ```
    public var parameters: Parameters { base.parameters.repeatedForTasks(taskCount) }
    /// The base model's buffers repeated for every task.
    ///
    /// ```swift
    /// TaskBatched(makeFunctional(BatchNorm1d(4)), taskCount: 8).buffers["runningMean"]!.shape    // [8, 4]
    /// ```
    public var buffers: Parameters { base.buffers.repeatedForTasks(taskCount) }

    /// The forward pass of every task at once, with task-stacked parameters and buffers.
    ///
    /// ```swift
    /// let (y, _) = try batched.apply(x, parameters: batched.parameters, buffers: batched.buffers)
    /// ```
    public func apply(_ input: Input, parameters: Parameters, buffers: Parameters) throws -> (output: Output, buffers: Parameters) {
        try TaskBatch.run(taskCount: taskCount) { try base.apply(input, parameters: parameters, buffers: buffers) }
    }
}
