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
    public typealias Input = Base.Input
    public typealias Output = Base.Output

    /// The single-task model.
    public let base: Base
    /// The number of tasks.
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
    public var parameters: Parameters { base.parameters.repeatedForTasks(taskCount) }
    /// The base model's buffers repeated for every task.
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
