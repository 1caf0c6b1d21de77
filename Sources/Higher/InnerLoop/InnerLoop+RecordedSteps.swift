/// Reverse-over-reverse: the whole loop is one reverse-mode level. Every step is taken
/// once, on traced values, so its loss, gradient and update land on the loop's tape;
/// the meta-gradient is one backward sweep of that tape.
extension InnerLoop {
    /// The loop's level and the traced values that carry it from one step to the next.
    ///
    /// The level stays open across steps (one tape, not one per step: a step adds its
    /// operations and nothing else). Copies of a loop share the level and append their own
    /// steps to its tape; each sweep starts from its own loop's final values, so a
    /// branch's steps receive no cotangent from another's.
    struct Recording {
        let level: Level
        /// The parameters and optimizer state after the recorded steps, traced at `level`.
        var parameters: Parameters
        var state: Opt.State
        /// The meta-parameters as the level's inputs (one node each, shared by all steps).
        let meta: Parameters
        /// The initial parameters' nodes; empty when they receive no gradient.
        let initialNodes: [Int]
        /// Per recorded step, its hyperparameters' nodes (`nil` when they are constants).
        var hyperNodes: [[Int]?] = []
    }

    /// Starts the recording at the current parameters, state and meta-parameters.
    func startRecording() -> Recording {
        let level = Level(mode: .reverse)
        var initialNodes = [Int]()
        var start = parameters
        if initialWeightsReceiveGradients {
            start = parameters.mapLeaves { level.leaf($0) }
            initialNodes = start.tensors.map { level.node(of: $0) }
        }
        return Recording(level: level, parameters: start, state: optimizerState,
                         meta: metaParameters.mapLeaves { level.leaf($0) }, initialNodes: initialNodes)
    }

    /// Takes step `k` on the recording's traced values, advances the recording and returns
    /// the loss and the new parameters and state (plain values). A step that throws leaves
    /// the recording as it was (and unused nodes on the tape).
    func recordedStep(_ record: StepRecord, step k: Int, buffers: BufferSlot, recording: inout Recording) throws
        -> (loss: Tensor, next: Snapshot) {
        let level = recording.level
        precondition(Level.currentDepth.get() == level.depth - 1, """
            InnerLoop: step \(k) of a reverse-over-reverse loop runs inside a different number of \
            gradient or jvp calls than its first step; take all steps at one nesting depth
            """)
        let h = try hyperValue(record, meta: metaParameters)
        let differentiatesHyper = differentiatesHyper(record)
        let optimizer = self.optimizer
        // Only what the step reads: holding the whole recording here would share its
        // per-step array with the one appended to below, which would then be copied.
        let (params, state, meta) = (recording.parameters, recording.state, recording.meta)
        let (value, newState, newParameters, hyperNodes) = try level.enter {
            let hk = differentiatesHyper ? h.mapLeaves { level.leaf($0) } : h
            let (value, u) = try lossAndGradient(record, at: params, meta: meta, step: k, buffers: buffers)
            let g = try record.transform.map { try $0(u) } ?? u
            let (s1, p1) = try optimizer.step(state, params, g, hk)
            return (value, s1, p1, differentiatesHyper ? hk.leaves.map { level.node(of: $0) } : nil)
        }
        recording.parameters = newParameters
        recording.state = newState
        recording.hyperNodes.append(hyperNodes)
        return (value.detached(), Snapshot(parameters: newParameters.detached(), state: newState.detached()))
    }

    /// The meta-gradient from one backward sweep of the recording's tape.
    func recordedSweep(_ outerLoss: Loss) throws -> MetaGradient<Opt> {
        let (value, finalGrad, outerMeta) = try outerGradient(outerLoss)
        let recording = self.recording ?? startRecording()
        let level = recording.level
        let metaNodes = recording.meta.tensors.map { level.node(of: $0) }
        let hyperNodes = recording.hyperNodes.flatMap { $0 ?? [] }
        // The outer loss ignores the optimizer state: only the parameters are seeded.
        let seeds = recording.parameters.tensors.indices.map { i in
            (node: level.node(of: recording.parameters.tensors[i]), cotangent: finalGrad.tensors[i])
        }
        var bars = level.tape!.backward(seeds: seeds, leaves: recording.initialNodes + metaNodes + hyperNodes)
        var next = 0
        // The cotangents of the next `like.count` leaves, zeros shaped like `like` where none arrived.
        func take(_ like: [Tensor]) -> [Tensor] {
            defer { next += like.count }
            return like.indices.map { i in bars[next + i].take() ?? like[i].zerosLike() }
        }

        let start = try snapshot(at: 0).parameters
        let initialBar = take(recording.initialNodes.isEmpty ? [] : start.tensors)
        var metaBar = outerMeta + metaParameters.replacingLeaves(take(metaParameters.tensors))
        var perStep = [Opt.Hyper]()
        perStep.reserveCapacity(stepCount)
        for k in 0..<stepCount where recording.hyperNodes[k] != nil {
            // Recomputed, not kept per step: cheap for the optimizer's own or a given value,
            // one more call for values computed from the meta-parameters, while keeping them
            // made the 100-step hypergradient 2.5 % slower (generic copies in every step).
            let h = try hyperValue(records[k], meta: metaParameters)
            let hBar = h.replacingLeaves(take(h.leaves))
            if let pull = try hyperPull(records[k], hBar, meta: metaParameters) { metaBar = metaBar + pull }
            perStep.append(hBar)
        }
        return MetaGradient(
            outerLoss: value,
            initialParameters: initialWeightsReceiveGradients ? start.replacingLeaves(initialBar) : nil,
            metaParameters: metaBar,
            hyperparametersPerStep: hyperparametersReceiveGradients ? perStep : [])
    }

    /// For a step whose hyperparameters are computed from the meta-parameters, their
    /// cotangent `hBar` pulled back into the meta-parameters; `nil` for other steps.
    func hyperPull(_ record: StepRecord, _ hBar: Opt.Hyper, meta: Parameters) throws -> Parameters? {
        guard case .fromMeta(let f) = record.hyper, !meta.paths.isEmpty else { return nil }
        let (_, pullback) = try vjp(at: meta) { m -> [Tensor] in try f(m).leaves }
        return pullback(hBar.leaves)
    }
}
