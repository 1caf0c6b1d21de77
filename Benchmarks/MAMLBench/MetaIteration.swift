import Higher

/// How the T tasks of a meta-batch are run: one task-batched unroll, one loop per task
/// (serially or over `--threads` threads), or `--threads` task-batched chunks at once.
enum Mode: String { case batched, loop, concurrent, batchedConcurrent = "batched-concurrent" }

/// The meta-weights and the outer Adam state, advanced one meta-iteration at a time.
struct MetaLearner<M: Module & SendableMetatype> where M.Input == Tensor, M.Output == Tensor {
    let model: FunctionalModule<M>
    var weights: Parameters
    var adamState: Adam.State
    let adam = Adam(lr: 1e-3)
    let workload: Workload
    let strategy: MetaGradientStrategy

    init(_ module: M, _ workload: Workload, strategy: MetaGradientStrategy) {
        model = makeFunctional(module)
        weights = model.parameters
        adamState = adam.initialState(for: weights)
        self.workload = workload
        self.strategy = strategy
    }

    /// One meta-iteration: K inner SGD steps per task (the learning rate is fixed, as in every
    /// peer, so no hyperparameter gradient is computed), the query loss's meta-gradient
    /// summed over tasks, one outer Adam step. Returns the summed query loss.
    ///
    /// The serial modes run on the calling thread, so a whole run stays on one thread (and
    /// one allocator arena); `iterateConcurrently` runs the concurrent modes.
    mutating func iterate(_ batch: MetaBatch, mode: Mode) throws -> Double {
        precondition(mode == .batched || mode == .loop, "the concurrent modes run through iterateConcurrently")
        return try update(mode == .batched ? batched(batch) : perTask(batch))
    }

    /// One meta-iteration with the tasks spread over `threads` concurrent tasks: one loop per
    /// task (`.concurrent`) or one task-batched chunk per thread (`.batchedConcurrent`).
    mutating func iterateConcurrently(_ batch: MetaBatch, mode: Mode, threads: Int) async throws -> Double {
        try update(await mode == .batchedConcurrent ? batchedChunks(batch, threads: threads)
                                                    : concurrent(batch, threads: threads))
    }

    private mutating func update(_ result: (loss: Double, grad: Parameters)) throws -> Double {
        (adamState, weights) = try adam.step(adamState, weights, result.grad)
        return result.loss
    }

    /// All tasks of `b` in one task-batched unroll.
    func batched(_ b: MetaBatch) throws -> (Double, Parameters) {
        let cnn = workload.isCNN, tasks = b.taskCount
        let stacked = TaskBatched(model, taskCount: tasks)
        var loop = InnerLoop(model: stacked, optimizer: SGD(lr: Hyperparameter(workload.innerLR)),
                             initialParameters: weights.repeatedForTasks(tasks), strategy: strategy,
                             hyperparametersReceiveGradients: false)
        for _ in 0..<workload.steps { try loop.step { m in taskLoss(try m(b.supportX), b.supportY, cnn: cnn) } }
        let r = try loop.metaGradient { m in taskLoss(try m(b.queryX), b.queryY, cnn: cnn) }
        return (r.outerLoss.item, r.initialParameters!.summedOverTasks())
    }

    /// One task's loop (its slice of the batch).
    func single(_ b: MetaBatch, _ t: Int) throws -> (Double, Parameters) {
        let cnn = workload.isCNN
        let sx = b.supportX[t], sy = b.supportY[t], qx = b.queryX[t], qy = b.queryY[t]
        var loop = InnerLoop(model: model, optimizer: SGD(lr: Hyperparameter(workload.innerLR)),
                             initialParameters: weights, strategy: strategy, hyperparametersReceiveGradients: false)
        // The per-task loss of one task is the batched loss with a task axis of one.
        let lossOf = { (out: Tensor, y: Tensor) in taskLoss(out.unsqueezed(at: 0), y.unsqueezed(at: 0), cnn: cnn) }
        for _ in 0..<workload.steps { try loop.step { m in lossOf(try m(sx), sy) } }
        let r = try loop.metaGradient { m in lossOf(try m(qx), qy) }
        return (r.outerLoss.item, r.initialParameters!)
    }

    func perTask(_ b: MetaBatch) throws -> (Double, Parameters) {
        let results = try (0..<workload.tasks).map { try single(b, $0) }
        return sum(results)
    }

    func concurrent(_ b: MetaBatch, threads: Int) async throws -> (Double, Parameters) {
        let me = self
        let results = try await concurrentTasks(workload.tasks, maxConcurrency: threads) { t in try me.single(b, t) }
        return sum(results)
    }

    /// The tasks in `threads` contiguous chunks, each one task-batched unroll, run concurrently.
    func batchedChunks(_ b: MetaBatch, threads: Int) async throws -> (Double, Parameters) {
        let me = self, tasks = b.taskCount, chunks = min(threads, tasks)
        let results = try await concurrentTasks(chunks, maxConcurrency: threads) { c in
            try me.batched(b.tasks(c * tasks / chunks ..< (c + 1) * tasks / chunks))
        }
        return sum(results)
    }

    func sum(_ results: [(Double, Parameters)]) -> (Double, Parameters) {
        (results.reduce(0) { $0 + $1.0 }, results.dropFirst().reduce(results[0].1) { $0 + $1.1 })
    }
}

extension MetaLearner: @unchecked Sendable {}

/// The learning rate's gradient through K SGD steps on one task.
func hypergradient(_ model: FunctionalModule<SineMLP>, _ b: MetaBatch, steps: Int, strategy: MetaGradientStrategy) throws -> Double {
    let sx = b.supportX[0], sy = b.supportY[0]
    var loop = InnerLoop(model: model, optimizer: SGD(lr: 0.01), strategy: strategy,
                         initialWeightsReceiveGradients: false)
    for _ in 0..<steps { try loop.step { m in meanSquaredError(predicted: try m(sx), target: sy) } }
    let r = try loop.metaGradient { m in meanSquaredError(predicted: try m(sx), target: sy) }
    return r.hyperparameters!.lr.tensor!.item
}
