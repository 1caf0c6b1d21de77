import Foundation
import Higher

/// The weights after `steps` plain SGD steps on the task's support set (no
/// meta-gradient is kept): test-time adaptation.
///
/// ```swift
/// let adapted = try adapt(model: f, parameters: learner.parameters, to: task, steps: 10)
/// ```
public func adapt<Model: FunctionalModel<Tensor, Tensor>>(
    model: Model, parameters: Parameters, to task: SinusoidTask, steps: Int, learningRate: Double = 0.01
) throws -> Parameters {
    try adaptationLosses(model: model, parameters: parameters, task: task, after: [steps],
                         learningRate: learningRate).parameters
}

/// The query loss after each number of SGD steps in `after` (0 is before adaptation),
/// and the weights after the largest.
///
/// ```swift
/// let (losses, _) = try adaptationLosses(model: f, parameters: p, task: task, after: [0, 1, 10])
/// ```
public func adaptationLosses<Model: FunctionalModel<Tensor, Tensor>>(
    model: Model, parameters: Parameters, task: SinusoidTask, after: [Int], learningRate: Double = 0.01
) throws -> (losses: [Double], parameters: Parameters) {
    precondition(after.allSatisfy { $0 >= 0 }, "adaptationLosses: negative step counts in \(after)")
    var loop = InnerLoop(model: model, optimizer: SGD(lr: Hyperparameter(learningRate)),
                         initialParameters: parameters, differentiable: false)
    func queryLoss() throws -> Double {
        meanSquaredError(predicted: try model(task.queryX, parameters: loop.parameters), target: task.queryY).item
    }
    var losses = [Double](repeating: 0, count: after.count)
    for k in 0...(after.max() ?? 0) {
        if after.contains(k) {
            let value = try queryLoss()
            for (i, s) in after.enumerated() where s == k { losses[i] = value }
        }
        if k < (after.max() ?? 0) {
            try loop.step { m in meanSquaredError(predicted: try m(task.supportX), target: task.supportY) }
        }
    }
    return (losses, loop.parameters)
}

/// The mean query loss over a set of tasks after each number of adaptation steps.
///
/// ```swift
/// let report = try await evaluateAdaptation(model: f, parameters: p, tasks: heldOut, after: [0, 1, 10])
/// print(report.meanLosses)
/// ```
public struct AdaptationReport: Sendable {
    /// The step counts, as asked.
    public let steps: [Int]
    /// The query loss of each task (outer index) after each step count (inner index).
    public let losses: [[Double]]

    /// The mean over tasks, per step count.
    ///
    /// ```swift
    /// let afterTen = report.meanLosses[2]
    /// ```
    public var meanLosses: [Double] {
        steps.indices.map { i in losses.reduce(0) { $0 + $1[i] } / Double(max(losses.count, 1)) }
    }

    /// The mean query loss after `count` steps, if it was measured.
    ///
    /// ```swift
    /// let before = report.meanLoss(after: 0)
    /// ```
    public func meanLoss(after count: Int) -> Double? {
        steps.firstIndex(of: count).map { meanLosses[$0] }
    }
}

/// Adapts `parameters` to every task (concurrently) and collects the query losses
/// after each step count in `after`; the result is in task order.
///
/// ```swift
/// let report = try await evaluateAdaptation(model: f, parameters: p, tasks: heldOut, after: [0, 1, 10])
/// ```
public func evaluateAdaptation(
    model: SinusoidModel, parameters: Parameters, tasks: [SinusoidTask], after: [Int],
    learningRate: Double = 0.01, workers: Int = ProcessInfo.processInfo.activeProcessorCount
) async throws -> AdaptationReport {
    let losses = try await concurrentTasks(tasks.count, maxConcurrency: max(1, workers)) { i in
        try adaptationLosses(model: model, parameters: parameters, task: tasks[i], after: after,
                             learningRate: learningRate).losses
    }
    return AdaptationReport(steps: after, losses: losses)
}

/// The model's predictions at the points `xs`.
///
/// ```swift
/// let ys = try predictions(model: f, parameters: p, at: [-1, 0, 1])
/// ```
public func predictions<Model: FunctionalModel<Tensor, Tensor>>(
    model: Model, parameters: Parameters, at xs: [Double]
) throws -> [Double] {
    let dtype = parameters.tensors.first?.dtype ?? .float64
    return try model(Tensor(xs, shape: [xs.count, 1], dtype: dtype), parameters: parameters).scalars
}
