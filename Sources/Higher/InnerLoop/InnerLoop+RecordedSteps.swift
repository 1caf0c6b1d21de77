/// Reverse-over-reverse: every step is taken once, on its own tape, and its pullback kept;
/// the meta-gradient chains the pullbacks from the last step to the first.
extension InnerLoop {
    /// One step's pullback: cotangents of the state and parameters after the step →
    /// cotangents of the state, parameters, meta-parameters and hyperparameters before it.
    struct StepPullback {
        let pullback: ([Tensor]) -> [Tensor]
        /// The hyperparameters the step used (the shape of their cotangent), when they
        /// were differentiated.
        let hyper: Opt.Hyper?
        let stateCount: Int
        let parameterCount: Int
        let metaCount: Int
    }

    /// Takes step `k` from the current parameters and state on a tape that records the
    /// loss, its gradient and the update, and returns the loss, the new parameters and
    /// state (plain values) and the step's pullback.
    func recordedStep(_ record: StepRecord, step k: Int, buffers: BufferSlot) throws
        -> (loss: Tensor, next: Snapshot, pullback: StepPullback) {
        let params = parameters, state = optimizerState, meta = metaParameters, optimizer = self.optimizer
        let h = try hyperValue(record, meta: meta)
        let differentiatesHyper = differentiatesHyper(record)
        let stateLeaves = state.leaves
        let (ns, np, nm) = (stateLeaves.count, params.count, meta.count)
        var loss = Tensor(0)
        var after: (state: Opt.State, parameters: Parameters)?
        // The leaves are gathered into one array and read back as slices of it: every
        // intermediate array would copy (and retain) each tensor again, at every step.
        let hyperLeaves = differentiatesHyper ? h.leaves : []
        var leaves = [Tensor]()
        leaves.reserveCapacity(ns + np + nm + hyperLeaves.count)
        leaves.append(contentsOf: stateLeaves)
        leaves.append(contentsOf: params.tensors)
        leaves.append(contentsOf: meta.tensors)
        leaves.append(contentsOf: hyperLeaves)
        let (outputs, pullback) = try vjp(at: leaves) { x -> [Tensor] in
            let s = state.replacingLeaves(x[0..<ns])
            let p = params.replacingLeaves(x[ns..<(ns + np)])
            let m = meta.replacingLeaves(x[(ns + np)..<(ns + np + nm)])
            let hk = differentiatesHyper ? h.replacingLeaves(x[(ns + np + nm)...]) : h
            let (value, u) = try lossAndGradient(record, at: p, meta: m, step: k, buffers: buffers)
            loss = value.detached()
            let g = try record.transform.map { try $0(u) } ?? u
            let (s1, p1) = try optimizer.step(s, p, g, hk)
            after = (s1, p1)
            var out = s1.leaves
            out.append(contentsOf: p1.tensors)
            return out
        }
        guard let after else { preconditionFailure("internal: a recorded step returned without an update") }
        let nextStateCount = outputs.count - np
        let next = Snapshot(parameters: after.parameters.replacingLeaves(outputs[nextStateCount...]),
                            state: after.state.replacingLeaves(outputs[..<nextStateCount]))
        return (loss, next, StepPullback(pullback: pullback, hyper: differentiatesHyper ? h : nil,
                                         stateCount: ns, parameterCount: np, metaCount: nm))
    }

    /// The meta-gradient from the recorded steps' pullbacks.
    func recordedSweep(_ outerLoss: Loss) throws -> MetaGradient<Opt> {
        let (value, finalGrad, outerMeta) = try outerGradient(outerLoss)
        let meta = metaParameters
        var paramsBar = finalGrad.tensors
        var stateBar = optimizerState.leaves.map { $0.zerosLike() }     // the outer loss ignores the state
        var metaBar = outerMeta
        var hyperBars = [Opt.Hyper?](repeating: nil, count: stepCount)
        for k in stride(from: stepCount - 1, through: 0, by: -1) {
            let step = stepPullbacks[k]
            let bars = step.pullback(stateBar + paramsBar)
            let (ns, np, nm) = (step.stateCount, step.parameterCount, step.metaCount)
            stateBar = Array(bars[0..<ns])
            paramsBar = Array(bars[ns..<(ns + np)])
            if nm > 0 { metaBar = metaBar + meta.replacingLeaves(bars[(ns + np)..<(ns + np + nm)]) }
            if let hyper = step.hyper {
                let hBar = hyper.replacingLeaves(bars[(ns + np + nm)...])
                if let pull = try hyperPull(records[k], hBar, meta: meta) { metaBar = metaBar + pull }
                hyperBars[k] = hBar
            }
        }
        let start = try snapshot(at: 0).parameters
        return MetaGradient(
            outerLoss: value,
            initialParameters: initialWeightsReceiveGradients ? start.replacingLeaves(paramsBar) : nil,
            metaParameters: metaBar,
            hyperparametersPerStep: hyperparametersReceiveGradients ? hyperBars.map { $0! } : [])
    }

    /// For a step whose hyperparameters are computed from the meta-parameters, their
    /// cotangent `hBar` pulled back into the meta-parameters; `nil` for other steps.
    func hyperPull(_ record: StepRecord, _ hBar: Opt.Hyper, meta: Parameters) throws -> Parameters? {
        guard case .fromMeta(let f) = record.hyper, !meta.paths.isEmpty else { return nil }
        let (_, pullback) = try vjp(at: meta) { m -> [Tensor] in try f(m).leaves }
        return pullback(hBar.leaves)
    }
}
