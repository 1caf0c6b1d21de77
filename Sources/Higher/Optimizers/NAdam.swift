/// NAdam (`torch.optim.NAdam`): Adam with Nesterov momentum and a momentum schedule.
///
/// Update rule (`g` negated when `maximize`, `t` 1-based):
///
///     p ← p·(1 − lr·weightDecay)                    (decoupled weight decay)
///     g ← g + weightDecay·p                         (coupled, the default)
///     μ_t = β₁·(1 − ½·0.96^(t·momentumDecay));   μ_{t+1} likewise
///     Π_t = Π_{t−1}·μ_t                             (Π₀ = 1, kept in the state)
///     m ← β₁·m + (1 − β₁)·g;   v ← β₂·v + (1 − β₂)·g²
///     d = √(v / (1 − β₂ᵗ)) + ε
///     p ← p − lr·(1 − μ_t)/(1 − Π_t) · g/d − lr·μ_{t+1}/(1 − Π_t·μ_{t+1}) · m/d
///
/// The learning rate enters both terms (and the decoupled decay). The square root's
/// derivative at 0 is taken as 0 (see ``Tensor/safeSqrt()``).
///
/// Defaults: `lr = 0.002`, `betas = (0.9, 0.999)`, `eps = 1e-8`, `weightDecay = 0`,
/// `momentumDecay = 0.004`, coupled weight decay.
///
/// ```swift
/// let nadam = NAdam(lr: 0.002, weightDecay: 0.01, decoupledWeightDecay: true)
/// (state, params) = try nadam.step(state, params, grads)
/// ```
public struct NAdam: Optimizer {
    /// NAdam's real-valued settings.
    ///
    /// ```swift
    /// let h = NAdam.Hyper(lr: 0.001)
    /// ```
    public struct Hyper: DifferentiableTree, Sendable {
        /// The learning rate.
        ///
        /// ```swift
        /// NAdam.Hyper().lr.values     // [0.002]
        /// ```
        public var lr: Hyperparameter
        /// The decay rate of the first moment.
        ///
        /// ```swift
        /// NAdam.Hyper().beta1.values     // [0.9]
        /// ```
        public var beta1: Hyperparameter
        /// The decay rate of the second moment.
        ///
        /// ```swift
        /// NAdam.Hyper().beta2.values     // [0.999]
        /// ```
        public var beta2: Hyperparameter
        /// The term added to the denominator for numerical stability.
        ///
        /// ```swift
        /// NAdam.Hyper().eps.values     // [1e-08]
        /// ```
        public var eps: Hyperparameter
        /// The weight decay (L2 penalty) factor.
        ///
        /// ```swift
        /// NAdam(weightDecay: 0.01).hyper.weightDecay.values     // [0.01]
        /// ```
        public var weightDecay: Hyperparameter
        /// The decay of the momentum schedule.
        ///
        /// ```swift
        /// NAdam.Hyper().momentumDecay.values     // [0.004]
        /// ```
        public var momentumDecay: Hyperparameter

        /// Settings with torch's defaults for everything not given.
        ///
        /// ```swift
        /// let h = NAdam.Hyper(lr: 0.001, momentumDecay: 0.008)
        /// ```
        public init(lr: Hyperparameter = 2e-3, beta1: Hyperparameter = 0.9, beta2: Hyperparameter = 0.999,
                    eps: Hyperparameter = 1e-8, weightDecay: Hyperparameter = 0, momentumDecay: Hyperparameter = 4e-3) {
            self.lr = lr
            self.beta1 = beta1
            self.beta2 = beta2
            self.eps = eps
            self.weightDecay = weightDecay
            self.momentumDecay = momentumDecay
        }

        /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
        ///
        /// ```swift
        /// let count = value.leaves.count
        /// ```
        public var leaves: [Tensor] {
            lr.leaves + beta1.leaves + beta2.leaves + eps.leaves + weightDecay.leaves + momentumDecay.leaves
        }

        /// The same value with every tensor transformed, in the order of ``leaves``.
        ///
        /// ```swift
        /// let doubled = value.mapLeaves { $0 * 2 }
        /// ```
        public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> Hyper {
            Hyper(lr: try lr.mapLeaves(transform), beta1: try beta1.mapLeaves(transform),
                  beta2: try beta2.mapLeaves(transform), eps: try eps.mapLeaves(transform),
                  weightDecay: try weightDecay.mapLeaves(transform), momentumDecay: try momentumDecay.mapLeaves(transform))
        }
    }

    /// The step count, the moments and the running product of the momentum schedule
    /// (one tensor per path, rank 0 unless a per-parameter β₁ makes it larger).
    ///
    /// ```swift
    /// let s = NAdam().initialState(for: params)
    /// print(s.muProduct.tensor(at: "w").item)     // 1.0
    /// ```
    public struct State: DifferentiableTree, Sendable {
        /// The number of steps taken.
        ///
        /// ```swift
        /// NAdam().initialState(for: params).step     // 0
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
        /// The running product of the momentum schedule, one tensor per path.
        ///
        /// ```swift
        /// NAdam().initialState(for: ["w": Tensor.zeros([2])]).muProduct["w"]?.item     // 1.0
        /// ```
        public var muProduct: Parameters

        /// A state from its parts.
        ///
        /// ```swift
        /// let s = NAdam.State(step: 0, expAvg: zeros, expAvgSq: zeros, muProduct: ones)
        /// ```
        public init(step: Int, expAvg: Parameters, expAvgSq: Parameters, muProduct: Parameters) {
            self.step = step
            self.expAvg = expAvg
            self.expAvgSq = expAvgSq
            self.muProduct = muProduct
        }

        /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
        ///
        /// ```swift
        /// let count = value.leaves.count
        /// ```
        public var leaves: [Tensor] { expAvg.leaves + expAvgSq.leaves + muProduct.leaves }

        /// The same value with every tensor transformed, in the order of ``leaves``.
        ///
        /// ```swift
        /// let doubled = value.mapLeaves { $0 * 2 }
        /// ```
        public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> State {
            State(step: step, expAvg: try expAvg.mapLeaves(transform), expAvgSq: try expAvgSq.mapLeaves(transform),
                  muProduct: try muProduct.mapLeaves(transform))
        }
    }

    /// The settings this optimizer was made with, used by ``Optimizer/step(_:_:_:)``.
    ///
    /// ```swift
    /// NAdam(lr: 0.001).hyper.lr.values     // [0.001]
    /// ```
    public var hyper: Hyper
    /// Decay the parameters directly (`p·(1 − lr·weightDecay)`, NAdamW) instead of
    /// adding `weightDecay·p` to the gradient.
    ///
    /// ```swift
    /// let nadamw = NAdam(weightDecay: 0.01, decoupledWeightDecay: true)
    /// ```
    public var decoupledWeightDecay: Bool
    /// Ascend the objective instead of descending it.
    ///
    /// ```swift
    /// let ascent = NAdam(maximize: true)
    /// ```
    public var maximize: Bool

    /// NAdam with torch's defaults for everything not given.
    ///
    /// ```swift
    /// let nadam = NAdam(lr: 0.002, momentumDecay: 0.004)
    /// ```
    public init(lr: Hyperparameter = 2e-3, betas: (Hyperparameter, Hyperparameter) = (0.9, 0.999),
                eps: Hyperparameter = 1e-8, weightDecay: Hyperparameter = 0, momentumDecay: Hyperparameter = 4e-3,
                decoupledWeightDecay: Bool = false, maximize: Bool = false) {
        validateAdamSettings("NAdam", lr, betas, eps, weightDecay)
        requireValid(momentumDecay, "NAdam", "Invalid momentum_decay value: ") { $0 >= 0 }
        hyper = Hyper(lr: lr, beta1: betas.0, beta2: betas.1, eps: eps, weightDecay: weightDecay,
                      momentumDecay: momentumDecay)
        self.decoupledWeightDecay = decoupledWeightDecay
        self.maximize = maximize
    }

    /// Step 0 with zero moments and momentum products of 1.
    ///
    /// ```swift
    /// let state = NAdam().initialState(for: params)
    /// ```
    public func initialState(for params: Parameters) -> State {
        let zeros = params.mapLeaves { $0.detached().zerosLike() }
        return State(step: 0, expAvg: zeros, expAvgSq: zeros, muProduct: params.mapLeaves { $0.scalarLike(1) })
    }

    /// One NAdam step; see the type's documentation for the rule.
    ///
    /// ```swift
    /// let (state1, params1) = try NAdam().step(state0, params0, grads)
    /// ```
    public func step(_ state: State, _ params: Parameters, _ grads: Parameters, _ hyper: Hyper) throws
        -> (State, Parameters) {
        try requireFit(grads, params, "NAdam gradients")
        try requireFit(state.expAvg, params, "NAdam state expAvg")
        try requireFit(state.expAvgSq, params, "NAdam state expAvgSq")
        try requireSamePaths(state.muProduct, params, "NAdam state muProduct")
        let t = state.step + 1
        let decay = !hyper.weightDecay.isConstantZero
        var newP = [Tensor](), newM = [Tensor](), newV = [Tensor](), newProduct = [Tensor]()
        for i in 0..<params.count {
            let path = params.paths[i]
            var p = params.tensors[i]
            var g = maximize ? -grads.tensors[i] : grads.tensors[i]
            let lr = try hyper.lr.value(for: path, like: p, "lr")
            let beta1 = try hyper.beta1.value(for: path, like: p, "beta1")
            let beta2 = try hyper.beta2.value(for: path, like: p, "beta2")
            let eps = try hyper.eps.value(for: path, like: p, "eps")
            let momentumDecay = try hyper.momentumDecay.value(for: path, like: p, "momentumDecay")
            let biasCorrection2 = 1 - beta2.pow(Double(t))
            if decay {
                let weightDecay = try hyper.weightDecay.value(for: path, like: p, "weightDecay")
                if decoupledWeightDecay { p = p * (1 - lr * weightDecay) } else { g = g + weightDecay * p }
            }
            let mu = beta1 * (1 - 0.5 * pow(0.96, Double(t) * momentumDecay))
            let muNext = beta1 * (1 - 0.5 * pow(0.96, Double(t + 1) * momentumDecay))
            let product = state.muProduct.tensors[i].cast(to: p.dtype) * mu
            let m = state.expAvg.tensors[i].lerp(to: g, weight: 1 - beta1)
            let v = (state.expAvgSq.tensors[i] * beta2).addingProduct(1 - beta2, g, g)
            let denom = (v / biasCorrection2).safeSqrt() + eps
            let productNext = product * muNext
            p = p.addingQuotient(-lr * (1 - mu) / (1 - product), g, denom)
            p = p.addingQuotient(-lr * muNext / (1 - productNext), m, denom)
            newP.append(p)
            newM.append(m)
            newV.append(v)
            newProduct.append(product)
        }
        let newState = State(step: t, expAvg: params.with(tensors: newM), expAvgSq: params.with(tensors: newV),
                             muProduct: params.with(tensors: newProduct))
        return (newState, params.with(tensors: newP))
    }
}
