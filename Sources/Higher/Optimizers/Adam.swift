/// Adam (`torch.optim.Adam`), with AMSGrad, weight decay (coupled, or decoupled as in
/// AdamW) and maximization.
///
/// Update rule, with `g` the gradient (`−g` when `maximize`), `p` the parameter and `t`
/// the step (1-based):
///
///     p ← p·(1 − lr·weightDecay)        (decoupled weight decay)
///     g ← g + weightDecay·p             (coupled, the default)
///     m ← β₁·m + (1 − β₁)·g
///     v ← β₂·v + (1 − β₂)·g²
///     v̂ ← max(v̂, v)                     (amsgrad; v̂ replaces v below)
///     p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// ε is added outside the square root, after the bias correction (torch's formula since
/// 1.x; higher 0.2.1 used an older one). The square root's derivative at `v = 0` (a
/// gradient entry that has always been 0) is taken as 0, so meta-gradients stay finite;
/// see ``Tensor/safeSqrt()``. AMSGrad's maximum splits its derivative evenly at ties,
/// as `torch.maximum` does.
///
/// Defaults: `lr = 0.001`, `betas = (0.9, 0.999)`, `eps = 1e-8`, `weightDecay = 0`.
///
/// ```swift
/// let adam = Adam(lr: 0.01, amsgrad: true)
/// var state = adam.initialState(for: params)
/// (state, params) = try adam.step(state, params, grads)
/// ```
public struct Adam: Optimizer {
    /// The real-valued settings of Adam and AdamW.
    ///
    /// ```swift
    /// var h = Adam(lr: 0.01).hyper
    /// h.lr = Hyperparameter(learnedRate)
    /// ```
    public struct Hyper: DifferentiableTree, Sendable {
        /// The learning rate.
        ///
        /// ```swift
        /// Adam.Hyper().lr.values     // [0.001]
        /// ```
        public var lr: Hyperparameter
        /// The decay rate of the first moment.
        ///
        /// ```swift
        /// Adam.Hyper().beta1.values     // [0.9]
        /// ```
        public var beta1: Hyperparameter
        /// The decay rate of the second moment.
        ///
        /// ```swift
        /// Adam(betas: (0.9, 0.98)).hyper.beta2.values     // [0.98]
        /// ```
        public var beta2: Hyperparameter
        /// The term added to the denominator for numerical stability.
        ///
        /// ```swift
        /// Adam.Hyper().eps.values     // [1e-08]
        /// ```
        public var eps: Hyperparameter
        /// The weight decay (L2 penalty) factor.
        ///
        /// ```swift
        /// Adam(weightDecay: 0.01).hyper.weightDecay.values     // [0.01]
        /// ```
        public var weightDecay: Hyperparameter

        /// Settings with torch's Adam defaults for everything not given.
        ///
        /// ```swift
        /// let h = Adam.Hyper(lr: 0.01)
        /// ```
        public init(lr: Hyperparameter = 1e-3, beta1: Hyperparameter = 0.9, beta2: Hyperparameter = 0.999,
                    eps: Hyperparameter = 1e-8, weightDecay: Hyperparameter = 0) {
            self.lr = lr
            self.beta1 = beta1
            self.beta2 = beta2
            self.eps = eps
            self.weightDecay = weightDecay
        }

        /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
        ///
        /// ```swift
        /// let count = value.leaves.count
        /// ```
        public var leaves: [Tensor] { lr.leaves + beta1.leaves + beta2.leaves + eps.leaves + weightDecay.leaves }

        /// The same value with every tensor transformed, in the order of ``leaves``.
        ///
        /// ```swift
        /// let doubled = value.mapLeaves { $0 * 2 }
        /// ```
        public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> Hyper {
            Hyper(lr: try lr.mapLeaves(transform), beta1: try beta1.mapLeaves(transform),
                  beta2: try beta2.mapLeaves(transform), eps: try eps.mapLeaves(transform),
                  weightDecay: try weightDecay.mapLeaves(transform))
        }
    }

    /// The step count, the first and second moments and, with AMSGrad, the running
    /// maximum of the second moment.
    ///
    /// ```swift
    /// let s = Adam(amsgrad: true).initialState(for: params)
    /// print(s.step, s.maxExpAvgSq != nil)     // 0 true
    /// ```
    public struct State: DifferentiableTree, Sendable {
        /// The number of steps taken.
        ///
        /// ```swift
        /// Adam().initialState(for: params).step     // 0
        /// ```
        public var step: Int
        /// The running average of gradients (first moment).
        ///
        /// ```swift
        /// let m = state.expAvg["w"]     // for the parameter "w"
        /// ```
        public var expAvg: Parameters
        /// The running average of squared gradients (second moment).
        ///
        /// ```swift
        /// let v = state.expAvgSq["w"]     // for the parameter "w"
        /// ```
        public var expAvgSq: Parameters
        /// The running maximum of the second moment (AMSGrad only).
        ///
        /// ```swift
        /// Adam().initialState(for: params).maxExpAvgSq == nil     // true
        /// ```
        public var maxExpAvgSq: Parameters?

        /// A state from its parts.
        ///
        /// ```swift
        /// let s = Adam.State(step: 0, expAvg: zeros, expAvgSq: zeros, maxExpAvgSq: nil)
        /// ```
        public init(step: Int, expAvg: Parameters, expAvgSq: Parameters, maxExpAvgSq: Parameters?) {
            self.step = step
            self.expAvg = expAvg
            self.expAvgSq = expAvgSq
            self.maxExpAvgSq = maxExpAvgSq
        }

        /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
        ///
        /// ```swift
        /// let count = value.leaves.count
        /// ```
        public var leaves: [Tensor] { expAvg.leaves + expAvgSq.leaves + (maxExpAvgSq?.leaves ?? []) }

        /// The same value with every tensor transformed, in the order of ``leaves``.
        ///
        /// ```swift
        /// let doubled = value.mapLeaves { $0 * 2 }
        /// ```
        public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> State {
            State(step: step, expAvg: try expAvg.mapLeaves(transform), expAvgSq: try expAvgSq.mapLeaves(transform),
                  maxExpAvgSq: try maxExpAvgSq?.mapLeaves(transform))
        }
    }

    /// The settings this optimizer was made with, used by ``Optimizer/step(_:_:_:)``.
    ///
    /// ```swift
    /// Adam(lr: 0.01).hyper.lr.values     // [0.01]
    /// ```
    public var hyper: Hyper
    /// Normalize by the running maximum of the second moment (AMSGrad).
    ///
    /// ```swift
    /// var adam = Adam(lr: 0.01)
    /// adam.amsgrad = true     // initialState(for:) now includes maxExpAvgSq
    /// ```
    public var amsgrad: Bool
    /// Ascend the objective instead of descending it.
    ///
    /// ```swift
    /// let ascent = Adam(lr: 0.01, maximize: true)
    /// ```
    public var maximize: Bool
    /// Decay the parameters directly (`p·(1 − lr·weightDecay)`, AdamW) instead of
    /// adding `weightDecay·p` to the gradient.
    ///
    /// ```swift
    /// let adamw = Adam(weightDecay: 0.01, decoupledWeightDecay: true)     // as AdamW(weightDecay: 0.01)
    /// ```
    public var decoupledWeightDecay: Bool

    /// Adam with torch's defaults for everything not given. Stops on invalid settings
    /// with torch's messages (`"Adam: Invalid beta parameter at index 0: 1.0"`).
    ///
    /// ```swift
    /// let adam = Adam(lr: 3e-4, betas: (0.9, 0.98), weightDecay: 0.01)
    /// ```
    public init(lr: Hyperparameter = 1e-3, betas: (Hyperparameter, Hyperparameter) = (0.9, 0.999),
                eps: Hyperparameter = 1e-8, weightDecay: Hyperparameter = 0, amsgrad: Bool = false,
                maximize: Bool = false, decoupledWeightDecay: Bool = false) {
        validateAdamSettings("Adam", lr, betas, eps, weightDecay)
        hyper = Hyper(lr: lr, beta1: betas.0, beta2: betas.1, eps: eps, weightDecay: weightDecay)
        self.amsgrad = amsgrad
        self.maximize = maximize
        self.decoupledWeightDecay = decoupledWeightDecay
    }

    /// Step 0 with zero moments (and a zero maximum with AMSGrad).
    ///
    /// ```swift
    /// let state = Adam().initialState(for: params)
    /// ```
    public func initialState(for params: Parameters) -> State {
        adamInitialState(params, amsgrad: amsgrad)
    }

    /// One Adam step; see the type's documentation for the rule.
    ///
    /// ```swift
    /// let (state1, params1) = try Adam(lr: 0.01).step(state0, params0, grads)
    /// ```
    public func step(_ state: State, _ params: Parameters, _ grads: Parameters, _ hyper: Hyper) throws
        -> (State, Parameters) {
        try adamStep("Adam", state, params, grads, hyper, amsgrad: amsgrad, maximize: maximize,
                     decoupled: decoupledWeightDecay)
    }
}

/// AdamW (`torch.optim.AdamW`): Adam with decoupled weight decay, whose default is 0.01.
///
/// Update rule (`g` negated when `maximize`, `t` 1-based):
///
///     p ← p·(1 − lr·weightDecay)
///     m ← β₁·m + (1 − β₁)·g;   v ← β₂·v + (1 − β₂)·g²;   v̂ ← max(v̂, v) (amsgrad)
///     p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + ε)
///
/// The learning rate enters twice (decay factor and step), and hypergradients see both.
/// Same state and settings as ``Adam``; the square root's derivative at 0 is 0.
///
/// ```swift
/// let adamw = AdamW(lr: 1e-3, weightDecay: 0.05)
/// (state, params) = try adamw.step(state, params, grads)
/// ```
public struct AdamW: Optimizer {
    /// Adam's settings.
    ///
    /// ```swift
    /// let h: AdamW.Hyper = Adam.Hyper(lr: 3e-4, weightDecay: 0.01)
    /// ```
    public typealias Hyper = Adam.Hyper
    /// Adam's state.
    ///
    /// ```swift
    /// let s: AdamW.State = AdamW().initialState(for: params)
    /// ```
    public typealias State = Adam.State

    /// The settings this optimizer was made with, used by ``Optimizer/step(_:_:_:)``.
    ///
    /// ```swift
    /// AdamW().hyper.weightDecay.values     // [0.01]
    /// ```
    public var hyper: Hyper
    /// Normalize by the running maximum of the second moment (AMSGrad).
    ///
    /// ```swift
    /// AdamW(amsgrad: true).initialState(for: params).maxExpAvgSq != nil     // true
    /// ```
    public var amsgrad: Bool
    /// Ascend the objective instead of descending it.
    ///
    /// ```swift
    /// let ascent = AdamW(maximize: true)
    /// ```
    public var maximize: Bool

    /// AdamW with torch's defaults for everything not given.
    ///
    /// ```swift
    /// let adamw = AdamW(lr: 3e-4)
    /// ```
    public init(lr: Hyperparameter = 1e-3, betas: (Hyperparameter, Hyperparameter) = (0.9, 0.999),
                eps: Hyperparameter = 1e-8, weightDecay: Hyperparameter = 1e-2, amsgrad: Bool = false,
                maximize: Bool = false) {
        validateAdamSettings("AdamW", lr, betas, eps, weightDecay)
        hyper = Hyper(lr: lr, beta1: betas.0, beta2: betas.1, eps: eps, weightDecay: weightDecay)
        self.amsgrad = amsgrad
        self.maximize = maximize
    }

    /// Step 0 with zero moments.
    ///
    /// ```swift
    /// let state = AdamW().initialState(for: params)
    /// ```
    public func initialState(for params: Parameters) -> State {
        adamInitialState(params, amsgrad: amsgrad)
    }

    /// One AdamW step; see the type's documentation for the rule.
    ///
    /// ```swift
    /// let (state1, params1) = try AdamW().step(state0, params0, grads)
    /// ```
    public func step(_ state: State, _ params: Parameters, _ grads: Parameters, _ hyper: Hyper) throws
        -> (State, Parameters) {
        try adamStep("AdamW", state, params, grads, hyper, amsgrad: amsgrad, maximize: maximize, decoupled: true)
    }
}

func validateAdamSettings(_ name: String, _ lr: Hyperparameter, _ betas: (Hyperparameter, Hyperparameter),
                          _ eps: Hyperparameter, _ weightDecay: Hyperparameter) {
    requireValid(lr, name, "Invalid learning rate: ") { $0 >= 0 }
    requireValid(eps, name, "Invalid epsilon value: ") { $0 >= 0 }
    requireValid(betas.0, name, "Invalid beta parameter at index 0: ") { $0 >= 0 && $0 < 1 }
    requireValid(betas.1, name, "Invalid beta parameter at index 1: ") { $0 >= 0 && $0 < 1 }
    requireValid(weightDecay, name, "Invalid weight_decay value: ") { $0 >= 0 }
}

func adamInitialState(_ params: Parameters, amsgrad: Bool) -> Adam.State {
    let zeros = params.mapLeaves { $0.detached().zerosLike() }
    return Adam.State(step: 0, expAvg: zeros, expAvgSq: zeros, maxExpAvgSq: amsgrad ? zeros : nil)
}

/// Adam's and AdamW's step, in the order of torch's single-tensor implementation.
func adamStep(
    _ name: String, _ state: Adam.State, _ params: Parameters, _ grads: Parameters, _ hyper: Adam.Hyper,
    amsgrad: Bool, maximize: Bool, decoupled: Bool
) throws -> (Adam.State, Parameters) {
    try requireFit(grads, params, "\(name) gradients")
    try requireFit(state.expAvg, params, "\(name) state expAvg")
    try requireFit(state.expAvgSq, params, "\(name) state expAvgSq")
    if amsgrad {
        guard let maxima = state.maxExpAvgSq else {
            throw ParametersError.missingPath(params.paths.first ?? "", in: "\(name) state maxExpAvgSq (amsgrad)")
        }
        try requireFit(maxima, params, "\(name) state maxExpAvgSq")
    }
    let decay = !hyper.weightDecay.isConstantZero
    if let fast = adamPlainStep(state, params, grads, hyper, amsgrad: amsgrad, maximize: maximize,
                                decoupled: decoupled, decay: decay) {
        return fast
    }
    let t = state.step + 1
    let n = params.count
    var newP = [Tensor](), newM = [Tensor](), newV = [Tensor](), newMax = [Tensor]()
    newP.reserveCapacity(n); newM.reserveCapacity(n); newV.reserveCapacity(n)
    for i in 0..<n {
        let path = params.paths[i]
        var p = params.tensors[i]
        var g = maximize ? -grads.tensors[i] : grads.tensors[i]
        let lr = try hyper.lr.value(for: path, like: p, "lr")
        let beta1 = try hyper.beta1.value(for: path, like: p, "beta1")
        let beta2 = try hyper.beta2.value(for: path, like: p, "beta2")
        let eps = try hyper.eps.value(for: path, like: p, "eps")
        if decay {
            let weightDecay = try hyper.weightDecay.value(for: path, like: p, "weightDecay")
            if decoupled { p = p * (1 - lr * weightDecay) } else { g = g + weightDecay * p }
        }
        let m = state.expAvg.tensors[i].lerp(to: g, weight: 1 - beta1)
        let v = (state.expAvgSq.tensors[i] * beta2).addingProduct(1 - beta2, g, g)
        let biasCorrection1 = 1 - beta1.pow(Double(t))
        let biasCorrection2 = 1 - beta2.pow(Double(t))
        let stepSize = lr / biasCorrection1
        let biasCorrection2Sqrt = biasCorrection2.pow(0.5)
        var second = v
        if amsgrad {
            second = Tensor.maximum(state.maxExpAvgSq!.tensors[i], v)
            newMax.append(second)
        }
        let denom = second.safeSqrt() / biasCorrection2Sqrt + eps
        newP.append(p.addingQuotient(-stepSize, m, denom))
        newM.append(m)
        newV.append(v)
    }
    let newState = Adam.State(step: t, expAvg: params.with(tensors: newM), expAvgSq: params.with(tensors: newV),
                              maxExpAvgSq: amsgrad ? params.with(tensors: newMax) : state.maxExpAvgSq)
    return (newState, params.with(tensors: newP))
}
