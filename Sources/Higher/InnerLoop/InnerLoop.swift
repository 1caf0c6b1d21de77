/// A differentiable inner loop (higher's `innerloop_ctx`): take a model and an optimizer,
/// run steps on a task, measure an outer loss, and get exact gradients with respect to
/// the initial weights, the hyperparameters and any meta-parameters the losses use.
///
/// ```swift
/// let f = makeFunctional(model)
/// var loop = InnerLoop(model: f, optimizer: SGD(lr: 0.01))
/// for _ in 0..<5 {
///     try loop.step { m in meanSquaredError(predicted: try m(xSupport), target: ySupport) }
/// }
/// let result = try loop.metaGradient { m in
///     meanSquaredError(predicted: try m(xQuery), target: yQuery)
/// }
/// let metaGradient = result.initialParameters!          // for the outer optimizer
/// let lrGradient = result.hyperparameters!.lr            // d outer / d lr
/// ```
///
/// Loss functions are *functions* of a ``StepModel`` (the model bound to the step's
/// parameters), so the library can re-run them: that is how the default strategy gets
/// second-order terms without storing every activation. Two choices that confused users
/// of `higher` are explicit here: where the initial weights come from
/// (`initialParameters`, by default the model's own) and whether gradients flow to them
/// (`initialWeightsReceiveGradients`), whether gradients flow to plain hyperparameter values
/// (`hyperparametersReceiveGradients`), and whether the loop is differentiable at all
/// (`differentiable`).
///
/// Meta-parameters (a learned loss, per-example weights, data being distilled) are passed
/// as a ``Parameters`` tree when the loop is made and reach every loss function as
/// `m.meta`; every strategy returns their gradient. A hyperparameter can be overridden per
/// step with a value (its gradient is reported per step) or computed from the
/// meta-parameters (its gradient then flows into them).
public struct InnerLoop<Model: FunctionalModel, Opt: Optimizer> {
    /// A loss as a function of the model at one step.
    ///
    /// ```swift
    /// let loss: InnerLoop<FunctionalModule<Linear>, SGD>.Loss = { m in
    ///     meanSquaredError(predicted: try m(x), target: y)
    /// }
    /// ```
    public typealias Loss = (StepModel<Model>) throws -> Tensor

    /// The model being adapted.
    ///
    /// ```swift
    /// let prediction = try loop.model(x, parameters: loop.parameters)    // the output at the current weights
    /// ```
    public let model: Model
    /// The optimizer of the inner loop.
    ///
    /// ```swift
    /// let lr = loop.optimizer.hyper.lr    // the learning rate of steps given no `hyper`
    /// ```
    public let optimizer: Opt
    /// How ``metaGradient(_:)`` differentiates.
    ///
    /// ```swift
    /// InnerLoop(model: f, optimizer: SGD(lr: 0.01), strategy: .firstOrder).strategy    // .firstOrder
    /// ```
    public let strategy: MetaGradientStrategy
    /// The meta-parameters the loss functions see as `m.meta`.
    ///
    /// ```swift
    /// let loop = InnerLoop(model: f, optimizer: SGD(lr: 0.01), metaParameters: ["scale": Tensor(1)])
    /// loop.metaParameters.paths    // ["scale"]
    /// ```
    public let metaParameters: Parameters
    /// Whether ``MetaGradient/initialParameters`` is computed.
    ///
    /// ```swift
    /// InnerLoop(model: f, optimizer: SGD(lr: 0.01), initialWeightsReceiveGradients: false)
    ///     .initialWeightsReceiveGradients    // false
    /// ```
    public let initialWeightsReceiveGradients: Bool
    /// Whether ``MetaGradient/hyperparametersPerStep`` is computed.
    ///
    /// ```swift
    /// InnerLoop(model: f, optimizer: SGD(lr: 0.01), hyperparametersReceiveGradients: false)
    ///     .hyperparametersReceiveGradients    // false
    /// ```
    public let hyperparametersReceiveGradients: Bool
    /// Whether the loop keeps what a meta-gradient needs.
    ///
    /// ```swift
    /// InnerLoop(model: f, optimizer: SGD(lr: 0.01), differentiable: false).isDifferentiable    // false
    /// ```
    public let isDifferentiable: Bool
    /// Whether a NaN or infinite inner loss stops the loop with ``InnerLoopError/nonFiniteLoss(step:value:)``.
    ///
    /// ```swift
    /// loop.checksFiniteLoss = false    // let NaN and infinite inner losses through
    /// ```
    public var checksFiniteLoss: Bool

    /// The parameters after the steps taken so far.
    ///
    /// ```swift
    /// let adapted = loop.parameters    // the fast weights after the steps so far
    /// ```
    public private(set) var parameters: Parameters
    /// The optimizer state after the steps taken so far.
    ///
    /// ```swift
    /// let state = loop.optimizerState    // e.g. SGD's momentum buffer, Adam's moment estimates
    /// ```
    public private(set) var optimizerState: Opt.State
    /// The buffers (running statistics…) after the steps taken so far.
    ///
    /// ```swift
    /// let statistics = loop.buffers    // e.g. batch-norm running statistics after the steps so far
    /// ```
    public private(set) var buffers: Parameters
    /// The number of steps taken.
    ///
    /// ```swift
    /// try loop.step { m in meanSquaredError(predicted: try m(x), target: y) }
    /// print(loop.stepCount)    // one more than before the call
    /// ```
    public var stepCount: Int { records.count }

    var records: [StepRecord] = []
    /// Stored (parameters, state) before step k, by k; always holds 0 and the current step.
    var stored: [Int: Snapshot] = [:]
    var checkpointInterval = 1
    /// Reverse-over-reverse: the loop's level and its traced values, from the first step on.
    var recording: Recording?

    struct Snapshot {
        let parameters: Parameters
        let state: Opt.State
    }

    enum HyperSource {
        /// The optimizer's own settings (stored once, in `optimizer`, not per step).
        case optimizer
        case value(Opt.Hyper)
        case fromMeta((Parameters) throws -> Opt.Hyper)
    }

    struct StepRecord {
        let loss: Loss
        let hyper: HyperSource
        let transform: GradientTransform?
        let buffers: Parameters
    }

    /// A loop over `model`'s parameters.
    ///
    /// - Parameters:
    ///   - initialParameters: where the loop starts; the model's own parameters by default.
    ///   - metaParameters: values the loss functions may use (`m.meta`) and that receive gradients.
    ///   - strategy: how the meta-gradient is computed (``MetaGradientStrategy``).
    ///   - initialWeightsReceiveGradients: whether the meta-gradient includes the gradient
    ///     with respect to the initial weights (MAML: yes; `higher`'s `copy_initial_weights=True`: no).
    ///   - hyperparametersReceiveGradients: whether the meta-gradient includes the gradient
    ///     with respect to each step's hyperparameter values (a hyperparameter search: yes;
    ///     MAML, where the learning rate is fixed: `false` skips that work). Hyperparameters
    ///     computed from the meta-parameters pass their gradient to them either way.
    ///   - differentiable: `false` keeps only the current step (plain fine-tuning, no
    ///     meta-gradient; `higher`'s `track_higher_grads=False`).
    ///
    /// ```swift
    /// var loop = InnerLoop(model: f, optimizer: Adam(lr: 0.01), strategy: .checkpointed)
    /// ```
    public init(
        model: Model, optimizer: Opt, initialParameters: Parameters? = nil,
        metaParameters: Parameters = Parameters(), strategy: MetaGradientStrategy = .forwardOverReverse,
        initialWeightsReceiveGradients: Bool = true, hyperparametersReceiveGradients: Bool = true,
        differentiable: Bool = true, checksFiniteLoss: Bool = true
    ) {
        self.model = model
        self.optimizer = optimizer
        self.strategy = strategy
        self.metaParameters = metaParameters.detached()
        self.initialWeightsReceiveGradients = initialWeightsReceiveGradients
        self.hyperparametersReceiveGradients = hyperparametersReceiveGradients
        self.isDifferentiable = differentiable
        self.checksFiniteLoss = checksFiniteLoss
        let start = (initialParameters ?? model.parameters).detached()
        parameters = start
        optimizerState = optimizer.initialState(for: start)
        buffers = model.buffers
        stored[0] = Snapshot(parameters: start, state: optimizerState)
    }

    /// Takes one optimizer step on `loss` and returns the loss before the step.
    ///
    /// - Parameters:
    ///   - hyper: this step's hyperparameters instead of the optimizer's own.
    ///   - transform: applied to the gradients before the optimizer (higher's `grad_callback`).
    ///
    /// ```swift
    /// let value = try loop.step { m in crossEntropy(logits: try m(images), labels: labels) }
    /// try loop.step(hyper: SGD.Hyper(lr: 0.05)) { m in loss(try m(x)) }
    /// ```
    @discardableResult
    public mutating func step(hyper: Opt.Hyper? = nil, transform: GradientTransform? = nil,
                              _ loss: @escaping Loss) throws -> Tensor {
        try step(source: hyper.map { .value($0) } ?? .optimizer, transform: transform, loss)
    }

    /// Takes one step with hyperparameters computed from the meta-parameters (a learned
    /// learning rate, for example); their gradient flows into the meta-parameters.
    ///
    /// ```swift
    /// try loop.step(hyperFromMeta: { meta in SGD.Hyper(lr: Hyperparameter(meta.tensor(at: "logLR").exp())) }) { m in
    ///     loss(try m(x))
    /// }
    /// ```
    @discardableResult
    public mutating func step(hyperFromMeta hyper: @escaping (Parameters) throws -> Opt.Hyper,
                              transform: GradientTransform? = nil, _ loss: @escaping Loss) throws -> Tensor {
        try step(source: .fromMeta(hyper), transform: transform, loss)
    }

    private mutating func step(source: HyperSource, transform: GradientTransform?, _ loss: @escaping Loss) throws -> Tensor {
        let k = records.count
        let record = StepRecord(loss: loss, hyper: source, transform: transform, buffers: buffers)
        let slot = BufferSlot(buffers)
        let value: Tensor, next: Snapshot
        if isDifferentiable && strategy == .reverseOverReverse {
            // Moved out of the loop while the step runs: a recording shared with `self` would
            // copy its per-step arrays on every append, and K steps would cost O(K²).
            var current = recording.take() ?? startRecording()
            defer { recording = current }
            (value, next) = try recordedStep(record, step: k, buffers: slot, recording: &current)
        } else {
            let (loss, grads) = try lossAndGradient(record, at: parameters, step: k, buffers: slot)
            (value, next) = (loss, try advance(record, parameters, optimizerState, grads: grads))
        }
        parameters = next.parameters
        optimizerState = next.state
        buffers = slot.value
        records.append(isDifferentiable ? record : StepRecord(loss: { _ in Tensor(0) }, hyper: source, transform: nil, buffers: Parameters()))
        remember(step: k + 1)
        return value
    }

    /// The parameters before step `k` (`k` from 0, the initial weights, to ``stepCount``):
    /// higher's `fmodel.parameters(time=k)`.
    ///
    /// ```swift
    /// let start = try loop.parameters(at: 0)
    /// let adapted = try loop.parameters(at: loop.stepCount)
    /// ```
    public func parameters(at k: Int) throws -> Parameters {
        guard k >= 0 && k <= stepCount else { throw InnerLoopError.stepOutOfRange(k, available: 0...stepCount) }
        if let s = stored[k] { return s.parameters }
        guard isDifferentiable else { throw InnerLoopError.stepOutOfRange(k, available: stepCount...stepCount) }
        return try snapshot(at: k).parameters
    }

    // MARK: - Forward pieces shared by the strategies

    /// The loss and its gradient at `params`, with the scalar and finite checks; `meta`
    /// defaults to the loop's meta-parameters.
    func lossAndGradient(_ record: StepRecord, at params: Parameters, meta: Parameters? = nil, step k: Int,
                         buffers: BufferSlot) throws -> (Tensor, Parameters) {
        let meta = meta ?? metaParameters
        let model = self.model
        let (value, pullback) = try vjp(at: params) { p in
            try record.loss(StepModel(parameters: p, meta: meta, model: model, buffers: buffers))
        }
        guard value.count == 1 else { throw InnerLoopError.nonScalarLoss(step: k, shape: value.shape) }
        if checksFiniteLoss && !value.item.isFinite { throw InnerLoopError.nonFiniteLoss(step: k, value: value.item) }
        return (value, pullback(value.onesLike()))
    }

    /// One optimizer update from a gradient (transform and hyperparameters of the record).
    func advance(_ record: StepRecord, _ params: Parameters, _ state: Opt.State, grads: Parameters) throws -> Snapshot {
        let g = try record.transform.map { try $0(grads) } ?? grads
        let h = try hyperValue(record, meta: metaParameters)
        let (s, p) = try optimizer.step(state, params, g, h)
        return Snapshot(parameters: p, state: s)
    }

    func hyperValue(_ record: StepRecord, meta: Parameters) throws -> Opt.Hyper {
        switch record.hyper {
        case .optimizer: return optimizer.hyper
        case .value(let h): return h
        case .fromMeta(let f): return try f(meta)
        }
    }

    /// Whether a sweep differentiates step `record`'s hyperparameters: when they are
    /// reported, or when they are computed from the meta-parameters.
    func differentiatesHyper(_ record: StepRecord) -> Bool {
        if hyperparametersReceiveGradients { return true }
        if case .fromMeta = record.hyper { return !metaParameters.paths.isEmpty }
        return false
    }

    /// Keeps what the strategy needs after reaching step `k`.
    private mutating func remember(step k: Int) {
        let current = Snapshot(parameters: parameters, state: optimizerState)
        guard isDifferentiable else {
            stored = [k: current]
            return
        }
        stored[k] = current
        switch strategy {
        case .forwardOverReverse, .reverseOverReverse, .firstOrder:
            break
        case .truncated(let window):
            if k - window - 1 > 0 { stored[k - window - 1] = nil }
        case .checkpointed:
            // Keep every `interval`-th state plus the newest; double the interval whenever
            // there are more than about 2√k checkpoints, so memory stays O(√k).
            stored[k - 1] = (k - 1) % checkpointInterval == 0 ? stored[k - 1] : nil
            let limit = 2 * Int(Double(k).squareRoot()) + 2
            if stored.count > limit {
                checkpointInterval *= 2
                for key in Array(stored.keys) where key % checkpointInterval != 0 && key != k { stored[key] = nil }
            }
        }
    }

    /// The parameters and state before step `k`, recomputed from the nearest stored step.
    func snapshot(at k: Int) throws -> Snapshot {
        if let s = stored[k] { return s }
        guard let base = stored.keys.filter({ $0 < k }).max(), var current = stored[base] else {
            throw InnerLoopError.stepOutOfRange(k, available: (stored.keys.min() ?? stepCount)...stepCount)
        }
        for j in base..<k {
            let (_, g) = try lossAndGradient(records[j], at: current.parameters, step: j, buffers: BufferSlot(records[j].buffers))
            current = try advance(records[j], current.parameters, current.state, grads: g)
        }
        return current
    }
}
