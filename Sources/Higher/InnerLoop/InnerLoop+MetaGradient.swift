extension InnerLoop {
    /// The outer loss at the current parameters and its gradients with respect to the
    /// initial weights, the meta-parameters and every step's hyperparameters, computed
    /// with the loop's ``strategy``.
    ///
    /// ```swift
    /// let result = try loop.metaGradient { m in crossEntropy(logits: try m(queryImages), labels: queryLabels) }
    /// ```
    public func metaGradient(_ outerLoss: Loss) throws -> MetaGradient<Opt> {
        guard isDifferentiable else { throw InnerLoopError.notDifferentiable }
        switch strategy {
        case .reverseOverReverse:
            return try recordedSweep(outerLoss)
        case .forwardOverReverse, .checkpointed:
            return try backwardSweep(outerLoss, window: stepCount, secondOrder: true)
        case .firstOrder:
            return try backwardSweep(outerLoss, window: stepCount, secondOrder: false)
        case .truncated(let window):
            return try backwardSweep(outerLoss, window: Swift.min(Swift.max(window, 0), stepCount), secondOrder: true)
        }
    }

    /// The outer loss and its gradient with respect to the final parameters and the meta-parameters.
    func outerGradient(_ outerLoss: Loss) throws -> (Tensor, Parameters, Parameters) {
        let model = self.model, slot = BufferSlot(buffers)
        var failure: Error?
        let (value, pullback) = vjp(at: [parameters, metaParameters]) { pm -> Tensor in
            do { return try outerLoss(StepModel(parameters: pm[0], meta: pm[1], model: model, buffers: slot)) }
            catch { failure = error; return Tensor(0) }
        }
        if let failure { throw failure }
        guard value.count == 1 else { throw InnerLoopError.nonScalarLoss(step: stepCount, shape: value.shape) }
        let g = pullback([value.onesLike()].first!)
        return (value, g[0], g[1])
    }

    /// The backward sweep over the last `window` steps: each step's update is pulled back
    /// in reverse mode, and, with `secondOrder`, its gradient's dependence on the
    /// parameters and meta-parameters through a Hessian-vector product (forward-over-reverse).
    private func backwardSweep(_ outerLoss: Loss, window: Int, secondOrder: Bool) throws -> MetaGradient<Opt> {
        let (value, finalGrad, outerMeta) = try outerGradient(outerLoss)
        var paramsBar = finalGrad
        var stateBar: [Tensor]? = nil            // nil: zero (the outer loss ignores the state)
        var metaBar = outerMeta
        let meta = metaParameters, model = self.model
        var hyperBars = [Opt.Hyper?](repeating: nil, count: stepCount)
        var segment: [Int: Snapshot] = [:]

        for k in stride(from: stepCount - 1, through: stepCount - window, by: -1) {
            let record = records[k]
            let before = try snapshotForSweep(k, segment: &segment)
            // The gradient the step used, recomputed (it is not stored, to save memory).
            let (_, u) = try lossAndGradient(record, at: before.parameters, step: k, buffers: BufferSlot(record.buffers))
            let h = try hyperValue(record, meta: meta)

            // Pull back through the transform and the optimizer update.
            let differentiatesHyper = differentiatesHyper(record)
            let stateLeaves = before.state.leaves, hLeaves = differentiatesHyper ? h.leaves : []
            let counts = (s: stateLeaves.count, p: before.parameters.count, u: u.count)
            var failure: Error?
            let optimizer = self.optimizer
            let (outLeaves, pullback) = vjp(at: stateLeaves + before.parameters.tensors + u.tensors + hLeaves) { x -> [Tensor] in
                let s = before.state.replacingLeaves(x[0..<counts.s])
                let p = before.parameters.replacingLeaves(x[counts.s..<(counts.s + counts.p)])
                let g0 = u.replacingLeaves(x[(counts.s + counts.p)..<(counts.s + counts.p + counts.u)])
                let hk = differentiatesHyper ? h.replacingLeaves(x[(counts.s + counts.p + counts.u)...]) : h
                do {
                    let g = try record.transform.map { try $0(g0) } ?? g0
                    let (s1, p1) = try optimizer.step(s, p, g, hk)
                    return s1.leaves + p1.tensors
                } catch {
                    failure = error
                    return stateLeaves.map { $0.zerosLike() } + before.parameters.tensors.map { $0.zerosLike() }
                }
            }
            if let failure { throw failure }
            let nextStateCount = outLeaves.count - counts.p
            let seedState = stateBar ?? outLeaves[0..<nextStateCount].map { $0.zerosLike() }
            let bars = pullback(seedState + paramsBar.tensors)
            stateBar = Array(bars[0..<counts.s])
            var thetaBar = before.parameters.replacingLeaves(bars[counts.s..<(counts.s + counts.p)])
            let uBar = u.replacingLeaves(bars[(counts.s + counts.p)..<(counts.s + counts.p + counts.u)])
            let hBar = differentiatesHyper ? h.replacingLeaves(bars[(counts.s + counts.p + counts.u)...]) : nil
            hyperBars[k] = hBar

            if secondOrder {
                // d/d(θ, meta) ⟨ū, ∇θ L(θ, meta)⟩ = H·(ū, 0): one forward-over-reverse pass.
                let hv = try hessianVectorProduct(record, at: before.parameters, meta: meta, along: uBar, model: model)
                thetaBar = thetaBar + hv.parameters
                if !meta.paths.isEmpty { metaBar = metaBar + hv.meta }
            }
            if let hBar, let pull = try hyperPull(record, hBar, meta: meta) { metaBar = metaBar + pull }
            paramsBar = thetaBar
        }
        guard hyperparametersReceiveGradients else {
            return MetaGradient(outerLoss: value, initialParameters: initialWeightsReceiveGradients ? paramsBar : nil,
                                metaParameters: metaBar, hyperparametersPerStep: [])
        }
        // Steps outside a truncated window get zeros; steps with the optimizer's own
        // settings share one zero value.
        let sharedZero = optimizer.hyper.zerosLike()
        var perStep = [Opt.Hyper]()
        perStep.reserveCapacity(stepCount)
        for k in 0..<stepCount {
            if let h = hyperBars[k] {
                perStep.append(h)
            } else if case .optimizer = records[k].hyper {
                perStep.append(sharedZero)
            } else {
                perStep.append(try hyperValue(records[k], meta: meta).zerosLike())
            }
            hyperBars[k] = nil
        }
        return MetaGradient(
            outerLoss: value,
            initialParameters: initialWeightsReceiveGradients ? paramsBar : nil,
            metaParameters: metaBar,
            hyperparametersPerStep: perStep)
    }

    /// H·(ū, 0) for the loss of `record`, split into its parameter and meta-parameter parts.
    private func hessianVectorProduct(
        _ record: StepRecord, at params: Parameters, meta: Parameters, along uBar: Parameters, model: Model
    ) throws -> (parameters: Parameters, meta: Parameters) {
        let buffers = BufferSlot(record.buffers)
        var failure: Error?
        let hv = jvp(at: [params, meta], along: [uBar, meta.zerosLike()]) { pm -> [Parameters] in
            gradient(at: pm) { q -> Tensor in
                do { return try record.loss(StepModel(parameters: q[0], meta: q[1], model: model, buffers: buffers)) }
                catch { failure = error; return Tensor(0) }
            }
        }.differential
        if let failure { throw failure }
        return (hv[0], hv[1])
    }

    /// The state before step `k` during a backward sweep. With checkpoints, the states of
    /// `k`'s segment are recomputed once, from the checkpoint, when the sweep enters it.
    private func snapshotForSweep(_ k: Int, segment: inout [Int: Snapshot]) throws -> Snapshot {
        if let s = stored[k] ?? segment[k] { return s }
        guard let base = stored.keys.filter({ $0 < k }).max(), var current = stored[base] else {
            throw InnerLoopError.stepOutOfRange(k, available: (stored.keys.min() ?? stepCount)...stepCount)
        }
        segment = [base: current]
        for j in base..<k {
            let (_, g) = try lossAndGradient(records[j], at: current.parameters, step: j, buffers: BufferSlot(records[j].buffers))
            current = try advance(records[j], current.parameters, current.state, grads: g)
            segment[j + 1] = current
        }
        return current
    }
}
