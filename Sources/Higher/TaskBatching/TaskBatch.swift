/// Task-batched execution: T tasks' parameters stacked on a leading axis and one forward
/// pass for all of them (batched matrix products, grouped convolutions), instead of a loop
/// over tasks.
///
/// Inside ``run(taskCount:_:)`` the layers expect every parameter and buffer with a leading
/// axis of `taskCount` and inputs shaped `[taskCount, …]`, and compute task `t`'s output from
/// task `t`'s input and weights only. ``TaskBatched`` sets this up for a whole model; the
/// layers that support it are `Linear`, `Conv2d`, `BatchNorm1d`/`BatchNorm2d`, `MaxPool2d`,
/// `AvgPool2d`, `Flatten`, `Sequential` and the activation layers.
///
/// ```swift
/// let y = TaskBatch.run(taskCount: 8) { fc(x) }   // x: [8, N, in], fc's weight bound as [8, out, in]
/// ```
public enum TaskBatch {
    static let taskLocal = TaskLocal<Int?>(wrappedValue: nil)

    /// The number of stacked tasks in effect, or `nil` outside task-batched execution.
    ///
    /// ```swift
    /// if let tasks = TaskBatch.taskCount { print("running \(tasks) tasks at once") }
    /// ```
    public static var taskCount: Int? { taskLocal.get() }

    /// Runs `body` in task-batched mode for `taskCount` tasks.
    ///
    /// ```swift
    /// let outputs = try TaskBatch.run(taskCount: 4) { try f(x, parameters: stacked) }
    /// ```
    public static func run<R>(taskCount: Int, _ body: () throws -> R) rethrows -> R {
        precondition(taskCount >= 1, "TaskBatch.run: taskCount \(taskCount) must be at least 1")
        return try taskLocal.withValue(taskCount, operation: body)
    }

    /// Stops with a message when `input` does not start with the task axis.
    static func requireTaskAxis(_ input: Tensor, _ tasks: Int, _ layer: String) {
        precondition(input.rank >= 1 && input.shape[0] == tasks,
                     "\(layer): in task-batched mode the input must start with the task axis \(tasks); got \(input.shape)")
    }
}
