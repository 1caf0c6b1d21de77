import Testing
@testable import Higher

/// Buffers, the two named choices, and errors.
@Suite struct InnerLoopBehaviourTests {
    let task = LoopTask(seed: 4)

    @Test func batchNormBuffersArePerStepAndReachTheModuleOnlyWhenAsked() throws {
        let net = LoopNet()
        let f = makeFunctional(net)
        let before = net.norm.runningMean!.scalars
        var loop = InnerLoop(model: f, optimizer: SGD(lr: 0.1))
        for _ in 0..<3 { try loop.step { m in meanSquaredError(predicted: try m(task.xs), target: task.ys) } }
        #expect(loop.buffers.tensor(at: "norm.numBatchesTracked").item == 3)
        #expect(net.norm.runningMean!.scalars == before)                     // untouched so far
        // An evaluation-mode outer loss uses the running statistics of step 3.
        let result = try loop.metaGradient { m in
            meanSquaredError(predicted: try m(task.xq, mode: .evaluation), target: task.yq)
        }
        #expect(result.initialParameters!.tensors.allSatisfy { $0.scalars.allSatisfy { $0.isFinite } })
        #expect(net.norm.runningMean!.scalars == before)
        try f.syncBuffers(loop.buffers)
        #expect(net.norm.runningMean!.scalars == loop.buffers.tensor(at: "norm.runningMean").scalars)
        #expect(net.norm.runningMean!.scalars != before)
    }

    @Test func batchNormLoopStrategiesAgree() throws {
        let f = makeFunctional(LoopNet())
        func run(_ s: MetaGradientStrategy) throws -> Parameters {
            var loop = InnerLoop(model: f, optimizer: Adam(lr: 0.01), strategy: s)
            for _ in 0..<3 { try loop.step { m in meanSquaredError(predicted: try m(task.xs), target: task.ys) } }
            return try loop.metaGradient { m in meanSquaredError(predicted: try m(task.xq), target: task.yq) }.initialParameters!
        }
        let fwd = try run(.forwardOverReverse)
        #expect(loopRelativeDifference(try run(.reverseOverReverse), fwd) < 1e-10)
        #expect(loopRelativeDifference(try run(.checkpointed), fwd) < 1e-12)
    }

    @Test(arguments: stepKinds) func initialWeightsChoice(_ strategy: MetaGradientStrategy) throws {
        let model = PlainMLP(hidden: 4, seed: 1)
        let start = model.parameters.mapLeaves { $0 * 0.5 }
        var loop = InnerLoop(model: model, optimizer: SGD(lr: 0.1), initialParameters: start, strategy: strategy,
                             initialWeightsReceiveGradients: false)
        try loop.step { m in meanSquaredError(predicted: try m(task.xs), target: task.ys) }
        #expect(try loop.parameters(at: 0).tensors.map(\.scalars) == start.tensors.map(\.scalars))
        let result = try loop.metaGradient { m in meanSquaredError(predicted: try m(task.xq), target: task.yq) }
        #expect(result.initialParameters == nil)
        #expect(result.hyperparameters!.lr.tensor!.item != 0)
    }

    /// Without gradients for the initial weights a recorded loop does not trace them; the
    /// learning rate's and the meta-parameters' gradients are those of the default strategy.
    @Test func recordedLoopWithoutInitialWeightGradients() throws {
        let model = PlainMLP(hidden: 4, seed: 3)
        func run(_ strategy: MetaGradientStrategy) throws -> (Double, Parameters, Double) {
            var loop = InnerLoop(model: model, optimizer: SGD(lr: 0.05, momentum: 0.9),
                                 metaParameters: ["scale": Tensor(1.5)], strategy: strategy,
                                 initialWeightsReceiveGradients: false)
            for _ in 0..<4 {
                try loop.step { m in meanSquaredError(predicted: try m(task.xs) * m.meta.tensor(at: "scale"), target: task.ys) }
            }
            let r = try loop.metaGradient { m in meanSquaredError(predicted: try m(task.xq), target: task.yq) }
            #expect(r.initialParameters == nil && r.hyperparametersPerStep.count == 4)
            return (r.outerLoss.item, r.metaParameters, r.hyperparameters!.lr.tensor!.item)
        }
        let (loss, meta, lr) = try run(.forwardOverReverse)
        let (recordedLoss, recordedMeta, recordedLR) = try run(.reverseOverReverse)
        #expect(recordedLoss == loss)
        #expect(loopRelativeDifference(recordedMeta, meta) < 1e-10)
        #expect(abs(recordedLR - lr) <= 1e-10 * abs(lr) && lr != 0)
    }

    /// A recorded loop is one differentiation level: a step taken inside a `gradient` call
    /// its first step was not in stops with a message, instead of mixing the two levels.
    @Test func recordedStepAtAnotherDepthStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let task = LoopTask(seed: 4)
            var loop = InnerLoop(model: PlainMLP(hidden: 3, seed: 1), optimizer: SGD(lr: 0.1), strategy: .reverseOverReverse)
            let loss: InnerLoop<PlainMLP, SGD>.Loss = { m in meanSquaredError(predicted: try m(task.xs), target: task.ys) }
            _ = try? loop.step(loss)
            _ = gradient(at: Tensor(1.0)) { x in
                _ = try? loop.step(loss)
                return x * x
            }
        }
        if let message = standardError(of: result) {
            #expect(message.contains("step 1 of a reverse-over-reverse loop runs inside a different number of gradient or jvp calls"))
        }
    }

    @Test func nonDifferentiableLoopKeepsOnlyTheCurrentStep() throws {
        var loop = InnerLoop(model: PlainMLP(hidden: 4, seed: 1), optimizer: SGD(lr: 0.1), differentiable: false)
        for _ in 0..<3 { try loop.step { m in meanSquaredError(predicted: try m(task.xs), target: task.ys) } }
        #expect(loop.stored.count == 1)
        _ = try loop.parameters(at: 3)
        #expect(throws: InnerLoopError.stepOutOfRange(1, available: 3...3)) { try loop.parameters(at: 1) }
        #expect(throws: InnerLoopError.notDifferentiable) { try loop.metaGradient { _ in Tensor(0) } }
    }

    /// The default strategy takes steps on plain values; reverse-over-reverse records them.
    static let stepKinds: [MetaGradientStrategy] = [.forwardOverReverse, .reverseOverReverse]

    @Test(arguments: stepKinds) func errorsNameTheProblem(_ strategy: MetaGradientStrategy) throws {
        let model = PlainMLP(hidden: 4, seed: 1)
        var loop = InnerLoop(model: model, optimizer: SGD(lr: 0.1), strategy: strategy)
        try loop.step { m in meanSquaredError(predicted: try m(task.xs), target: task.ys) }
        #expect(throws: InnerLoopError.stepOutOfRange(2, available: 0...1)) { try loop.parameters(at: 2) }
        #expect(throws: InnerLoopError.nonScalarLoss(step: 1, shape: [10, 1])) {
            try loop.step { m in try m(task.xs) }
        }
        #expect(throws: InnerLoopError.nonFiniteLoss(step: 1, value: .infinity)) {
            try loop.step { m in meanSquaredError(predicted: try m(task.xs), target: task.ys) / 0 }
        }
        #expect(loop.stepCount == 1)                      // failed steps change nothing
        #expect(loop.recording?.hyperNodes.count == (strategy == .reverseOverReverse ? 1 : nil))
        var unchecked = InnerLoop(model: model, optimizer: SGD(lr: 0.1), strategy: strategy, checksFiniteLoss: false)
        try unchecked.step { m in meanSquaredError(predicted: try m(task.xs), target: task.ys) * .infinity }
        #expect(unchecked.stepCount == 1)
    }

    @Test(arguments: stepKinds) func optimizerStateThatDoesNotFitNamesThePath(_ strategy: MetaGradientStrategy) throws {
        let model = PlainMLP(hidden: 4, seed: 1)
        var loop = InnerLoop(model: model, optimizer: SGD(lr: 0.1), strategy: strategy)
        // A gradient transform that drops a path: the optimizer names it.
        #expect(throws: ParametersError.self) {
            try loop.step(transform: GradientTransform { g in g.filter { path, _ in path != "b1" } }) { m in
                meanSquaredError(predicted: try m(task.xs), target: task.ys)
            }
        }
        #expect(loop.stepCount == 0)
    }

    /// Recorded steps are values like the rest of the loop: a copy steps on alone, and a
    /// meta-gradient can be taken again, after more steps, with the same result as the
    /// default strategy.
    @Test func recordedStepsBehaveAsValues() throws {
        let model = PlainMLP(hidden: 5, seed: 2)
        let inner: InnerLoop<PlainMLP, Adam>.Loss = { m in meanSquaredError(predicted: try m(task.xs), target: task.ys) }
        let outer: InnerLoop<PlainMLP, Adam>.Loss = { m in meanSquaredError(predicted: try m(task.xq), target: task.yq) }
        var recorded = InnerLoop(model: model, optimizer: Adam(lr: 0.05), strategy: .reverseOverReverse)
        var plain = InnerLoop(model: model, optimizer: Adam(lr: 0.05))
        for _ in 0..<3 {
            let a = try recorded.step(inner), b = try plain.step(inner)
            #expect(a.scalars == b.scalars)
        }
        var longer = recorded
        try longer.step(inner)
        let first = try recorded.metaGradient(outer), again = try recorded.metaGradient(outer)
        #expect(first.initialParameters!.tensors.map(\.scalars) == again.initialParameters!.tensors.map(\.scalars))
        #expect(loopRelativeDifference(first.initialParameters!, try plain.metaGradient(outer).initialParameters!) < 1e-10)
        #expect(recorded.stepCount == 3 && longer.stepCount == 4)
        try plain.step(inner)
        #expect(loopRelativeDifference(try longer.metaGradient(outer).initialParameters!,
                                       try plain.metaGradient(outer).initialParameters!) < 1e-10)
    }
}
