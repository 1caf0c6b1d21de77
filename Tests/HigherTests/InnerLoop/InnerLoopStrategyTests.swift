import Testing
@testable import Higher

/// The strategies against each other, and against finite differences, on problems with
/// meta-parameters, learned hyperparameters, gradient transforms and Adam.
@Suite struct InnerLoopStrategyTests {
    let task = LoopTask(seed: 11)
    let model = PlainMLP(hidden: 6, seed: 5)
    /// Per-example weights of the inner loss: a meta-parameter (learning to reweight).
    let meta = Parameters([("weights", Tensor([0.2, 1.5, 0.7, 1.1, 0.9, 1.3, 0.4, 1.0, 0.8, 1.2], shape: [10, 1], dtype: .float64)),
                           ("logLR", Tensor(-2.5))])

    /// K Adam steps whose inner loss is weighted by `meta.weights`, one step's learning
    /// rate computed from `meta.logLR`, gradients clipped, and an outer loss on the query set.
    func unroll(_ strategy: MetaGradientStrategy, steps: Int = 4, meta: Parameters? = nil,
                initial: Parameters? = nil, hyperGradients: Bool = true) throws -> (InnerLoop<PlainMLP, Adam>, MetaGradient<Adam>) {
        let task = self.task
        var loop = InnerLoop(model: model, optimizer: Adam(lr: 0.05), initialParameters: initial,
                             metaParameters: meta ?? self.meta, strategy: strategy,
                             hyperparametersReceiveGradients: hyperGradients)
        let inner: InnerLoop<PlainMLP, Adam>.Loss = { m in
            ((try m(task.xs) - task.ys).squared() * m.meta.tensor(at: "weights")).mean()
        }
        for k in 0..<steps {
            if k == 1 {
                try loop.step(hyperFromMeta: { meta in Adam.Hyper(lr: Hyperparameter(meta.tensor(at: "logLR").exp())) }, inner)
            } else {
                try loop.step(transform: .clipByGlobalNorm(0.5), inner)
            }
        }
        let result = try loop.metaGradient { m in meanSquaredError(predicted: try m(task.xq), target: task.yq) }
        return (loop, result)
    }

    @Test func fullStrategiesAgree() throws {
        let (_, fwd) = try unroll(.forwardOverReverse)
        let (_, rev) = try unroll(.reverseOverReverse)
        let (_, ckpt) = try unroll(.checkpointed)
        let (_, trunc) = try unroll(.truncated(steps: 4))
        for other in [rev, ckpt, trunc] {
            #expect(loopRelativeDifference(other.initialParameters!, fwd.initialParameters!) < 1e-10)
            #expect(loopRelativeDifference(other.metaParameters, fwd.metaParameters) < 1e-10)
            for (a, b) in zip(other.hyperparametersPerStep, fwd.hyperparametersPerStep) {
                for (x, y) in zip(a.leaves, b.leaves) { #expect(abs(x.item - y.item) <= 1e-10 * max(1, abs(y.item))) }
            }
        }
        // Checkpointing recomputes the same operations: identical, not merely close.
        #expect(ckpt.initialParameters!.tensors.map(\.scalars) == fwd.initialParameters!.tensors.map(\.scalars))
    }

    /// Without hyperparameter gradients every strategy returns the same weight and
    /// meta-parameter gradients (the learned learning rate of step 1 still reaches
    /// `logLR`) and reports no hyperparameter gradient.
    @Test(arguments: [MetaGradientStrategy.forwardOverReverse, .reverseOverReverse, .checkpointed,
                      .truncated(steps: 3), .firstOrder])
    func hyperparameterGradientsCanBeSkipped(_ strategy: MetaGradientStrategy) throws {
        let (_, full) = try unroll(strategy)
        let (_, skipped) = try unroll(strategy, hyperGradients: false)
        #expect(skipped.hyperparametersPerStep.isEmpty && skipped.hyperparameters == nil)
        #expect(full.hyperparametersPerStep.count == 4)
        #expect(loopRelativeDifference(skipped.initialParameters!, full.initialParameters!) < 1e-12)
        #expect(loopRelativeDifference(skipped.metaParameters, full.metaParameters) < 1e-12)
        #expect(skipped.metaParameters.tensor(at: "logLR").item != 0)
    }

    @Test func metaGradientsMatchFiniteDifferences() throws {
        let (_, result) = try unroll(.forwardOverReverse)
        let outer = { (initial: Parameters, meta: Parameters) throws -> Double in
            try unroll(.forwardOverReverse, meta: meta, initial: initial).1.outerLoss.item
        }
        let entries = [("w0", 2), ("b1", 3), ("w2", 5), ("b2", 0)]
        let fdInitial = try loopFiniteDifferences(model.parameters, entries: entries) { try outer($0, meta) }
        for ((path, i), fd) in zip(entries, fdInitial) {
            let g = result.initialParameters!.tensor(at: path).scalars[i]
            #expect(abs(g - fd) < 1e-6 * max(1, abs(fd)), "initial \(path)[\(i)]: \(g) vs \(fd)")
        }
        let metaEntries = [("weights", 0), ("weights", 7), ("logLR", 0)]
        let fdMeta = try loopFiniteDifferences(meta, entries: metaEntries) { try outer(model.parameters, $0) }
        for ((path, i), fd) in zip(metaEntries, fdMeta) {
            let g = result.metaParameters.tensor(at: path).scalars[i]
            #expect(abs(g - fd) < 1e-6 * max(1, abs(fd)), "meta \(path)[\(i)]: \(g) vs \(fd)")
        }
    }

    @Test func hyperparameterGradientMatchesFiniteDifferences() throws {
        // d outer / d lr for a learning rate shared by every step, against differences.
        func outer(_ lr: Double) throws -> (Double, Double) {
            var loop = InnerLoop(model: model, optimizer: SGD(lr: Hyperparameter(lr), momentum: 0.9))
            for _ in 0..<3 { try loop.step { m in meanSquaredError(predicted: try m(task.xs), target: task.ys) } }
            let r = try loop.metaGradient { m in meanSquaredError(predicted: try m(task.xq), target: task.yq) }
            return (r.outerLoss.item, r.hyperparameters!.lr.tensor!.item)
        }
        let (_, analytic) = try outer(0.02)
        let fd = (try outer(0.02 + 1e-6).0 - outer(0.02 - 1e-6).0) / 2e-6
        #expect(abs(analytic - fd) < 1e-6 * max(1, abs(fd)))
    }

    @Test func firstOrderIsTheOuterGradientAtTheAdaptedWeights() throws {
        // With the Hessian terms dropped, dθ_K/dθ_0 is the identity for SGD, so the
        // first-order meta-gradient is the outer gradient at θ_K.
        var loop = InnerLoop(model: model, optimizer: SGD(lr: 0.05), strategy: .firstOrder)
        for _ in 0..<3 { try loop.step { m in meanSquaredError(predicted: try m(task.xs), target: task.ys) } }
        let result = try loop.metaGradient { m in meanSquaredError(predicted: try m(task.xq), target: task.yq) }
        let direct = try gradient(at: loop.parameters) { p in
            meanSquaredError(predicted: try model(task.xq, parameters: p), target: task.yq)
        }
        #expect(loopRelativeDifference(result.initialParameters!, direct) < 1e-14)
    }

    @Test func truncatedIsTheFullGradientOfTheWindow() throws {
        // Truncated to the last 2 of 4 steps = the full meta-gradient of a 2-step loop
        // started at θ_2 with the optimizer state at step 2.
        let (loop, truncated) = try unroll(.truncated(steps: 2))
        let (full, _) = try unroll(.forwardOverReverse)
        let end = try loop.parameters(at: 4), fullEnd = try full.parameters(at: 4)
        #expect(end.tensors.map(\.scalars) == fullEnd.tensors.map(\.scalars))
        let start = try full.parameters(at: 2)
        let task = self.task
        // Rebuild steps 3 and 4 (clipped, shared lr) from θ_2 and the state at step 2.
        let windowLoss = { (theta: Parameters) throws -> Double in
            var state = try full.snapshot(at: 2).state
            var p = theta
            for _ in 0..<2 {
                let g = try gradient(at: p) { q in
                    ((try model(task.xs, parameters: q) - task.ys).squared() * meta.tensor(at: "weights")).mean()
                }
                (state, p) = try Adam(lr: 0.05).step(state, p, try GradientTransform.clipByGlobalNorm(0.5)(g))
            }
            return try meanSquaredError(predicted: model(task.xq, parameters: p), target: task.yq).item
        }
        let entries = [("w1", 4), ("b0", 1), ("w2", 2)]
        let fd = try loopFiniteDifferences(start, entries: entries, windowLoss)
        for ((path, i), d) in zip(entries, fd) {
            let g = truncated.initialParameters!.tensor(at: path).scalars[i]
            #expect(abs(g - d) < 1e-6 * max(1, abs(d)), "\(path)[\(i)]: \(g) vs \(d)")
        }
        // The first two steps' hyperparameters are outside the window.
        #expect(truncated.hyperparametersPerStep[0].leaves.allSatisfy { $0.scalars.allSatisfy { $0 == 0 } })
    }

    @Test func historyIsAvailableForEveryStrategy() throws {
        let (reference, _) = try unroll(.forwardOverReverse)
        for strategy in [MetaGradientStrategy.reverseOverReverse, .firstOrder, .checkpointed, .truncated(steps: 2)] {
            let (loop, _) = try unroll(strategy)
            for k in 0...4 {
                let got = try loop.parameters(at: k), expected = try reference.parameters(at: k)
                #expect(got.tensors.map(\.scalars) == expected.tensors.map(\.scalars), "\(strategy) step \(k)")
            }
        }
    }

    @Test func longAdamUnrollWithDeadUnitsStaysFiniteAndExact() throws {
        // Biases shifted far negative: most ReLU units are dead, so many gradient entries
        // are exactly 0 at every one of the 100 steps (Adam's sqrt at 0).
        let model = PlainMLP(hidden: 6, seed: 9, biasShift: -1.2)
        let task = self.task
        func run(_ initial: Parameters) throws -> MetaGradient<Adam> {
            var loop = InnerLoop(model: model, optimizer: Adam(lr: 0.01), initialParameters: initial)
            for _ in 0..<100 { try loop.step { m in meanSquaredError(predicted: try m(task.xs), target: task.ys) } }
            return try loop.metaGradient { m in meanSquaredError(predicted: try m(task.xq), target: task.yq) }
        }
        let result = try run(model.parameters)
        let grads = result.initialParameters!.tensors.flatMap(\.scalars)
        #expect(grads.allSatisfy { $0.isFinite })
        #expect(grads.contains { $0 == 0 })          // dead units do exist
        let entries = [("b2", 0), ("w2", 0), ("w2", 3), ("b1", 2)]
        let fd = try loopFiniteDifferences(model.parameters, entries: entries) { try run($0).outerLoss.item }
        for ((path, i), d) in zip(entries, fd) {
            let g = result.initialParameters!.tensor(at: path).scalars[i]
            #expect(abs(g - d) < 1e-5 * max(1, abs(d)), "\(path)[\(i)]: \(g) vs \(d)")
        }
    }
}
