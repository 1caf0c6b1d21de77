/// Lion (EvoLved Sign Momentum; Chen et al., "Symbolic Discovery of Optimization
/// Algorithms", 2023), as in the paper's reference implementation.
///
/// Update rule (`g` negated when `maximize`):
///
///     c = β₁·m + (1 − β₁)·g
///     p ← p·(1 − lr·weightDecay)                 (decoupled; when weightDecay ≠ 0)
///     p ← p − lr·sign(c)
///     m ← β₂·m + (1 − β₂)·g
///
/// `sign` has derivative 0 everywhere, so the parameters depend differentiably on the
/// learning rate and the weight decay (and on the previous parameters through the
/// decay), but not on the gradients; the momentum does.
///
/// Defaults (the paper's): `lr = 1e-4`, `betas = (0.9, 0.99)`, `weightDecay = 0`. Lion's
/// updates have unit size per element, so its learning rate is usually 3–10× smaller
/// than AdamW's.
///
/// ```swift
/// let lion = Lion(lr: 1e-4, weightDecay: 1.0)
/// (state, params) = try lion.step(state, params, grads)
/// ```
public struct Lion: Optimizer {
    /// Lion's real-valued settings.
    ///
    /// ```swift
    /// let h = Lion.Hyper(lr: 3e-4)
    /// ```
    public struct Hyper: DifferentiableTree, Sendable {
        /// The learning rate.
        ///
        /// ```swift
        /// Lion.Hyper().lr.values     // [0.0001]
        /// ```
        public var lr: Hyperparameter
        /// The weight of the momentum in the update's direction, `c = β₁·m + (1 − β₁)·g`.
        ///
        /// ```swift
        /// Lion.Hyper().beta1.values     // [0.9]
        /// ```
        public var beta1: Hyperparameter
        /// The decay rate of the momentum.
        ///
        /// ```swift
        /// Lion.Hyper().beta2.values     // [0.99]
        /// ```
        public var beta2: Hyperparameter
        /// The weight decay (L2 penalty) factor.
        ///
        /// ```swift
        /// Lion(weightDecay: 1.0).hyper.weightDecay.values     // [1.0]
        /// ```
        public var weightDecay: Hyperparameter

        /// Settings with the paper's defaults for everything not given.
        ///
        /// ```swift
        /// let h = Lion.Hyper(lr: 3e-4, beta2: 0.98)
        /// ```
        public init(lr: Hyperparameter = 1e-4, beta1: Hyperparameter = 0.9, beta2: Hyperparameter = 0.99,
                    weightDecay: Hyperparameter = 0) {
            self.lr = lr
            self.beta1 = beta1
            self.beta2 = beta2
            self.weightDecay = weightDecay
        }

        /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
        ///
        /// ```swift
        /// let count = value.leaves.count
        /// ```
        public var leaves: [Tensor] { lr.leaves + beta1.leaves + beta2.leaves + weightDecay.leaves }

        /// The same value with every tensor transformed, in the order of ``leaves``.
        ///
        /// ```swift
        /// let doubled = value.mapLeaves { $0 * 2 }
        /// ```
        public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> Hyper {
            Hyper(lr: try lr.mapLeaves(transform), beta1: try beta1.mapLeaves(transform),
                  beta2: try beta2.mapLeaves(transform), weightDecay: try weightDecay.mapLeaves(transform))
        }
    }

    /// The step count and the momentum.
    ///
    /// ```swift
    /// let s = Lion().initialState(for: params)
    /// ```
    public struct State: DifferentiableTree, Sendable {
        /// The number of steps taken.
        ///
        /// ```swift
        /// Lion().initialState(for: params).step     // 0
        /// ```
        public var step: Int
        /// The running average of gradients (first moment).
        ///
        /// ```swift
        /// let m = state.expAvg["w"]     // for the parameter "w"
        /// ```
        public var expAvg: Parameters

        /// A state from its parts.
        ///
        /// ```swift
        /// let s = Lion.State(step: 0, expAvg: zeros)
        /// ```
        public init(step: Int, expAvg: Parameters) {
            self.step = step
            self.expAvg = expAvg
        }

        /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
        ///
        /// ```swift
        /// let count = value.leaves.count
        /// ```
        public var leaves: [Tensor] { expAvg.leaves }

        /// The same value with every tensor transformed, in the order of ``leaves``.
        ///
        /// ```swift
        /// let doubled = value.mapLeaves { $0 * 2 }
        /// ```
        public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> State {
            State(step: step, expAvg: try expAvg.mapLeaves(transform))
        }
    }

    /// The settings this optimizer was made with, used by ``Optimizer/step(_:_:_:)``.
    ///
    /// ```swift
    /// Lion(lr: 3e-4).hyper.lr.values     // [0.0003]
    /// ```
    public var hyper: Hyper
    /// Ascend the objective instead of descending it.
    ///
    /// ```swift
    /// let ascent = Lion(maximize: true)
    /// ```
    public var maximize: Bool

    /// Lion with the paper's defaults for everything not given.
    ///
    /// ```swift
    /// let lion = Lion(lr: 3e-4, betas: (0.95, 0.98))
    /// ```
    public init(lr: Hyperparameter = 1e-4, betas: (Hyperparameter, Hyperparameter) = (0.9, 0.99),
                weightDecay: Hyperparameter = 0, maximize: Bool = false) {
        requireValid(lr, "Lion", "Invalid learning rate: ") { $0 >= 0 }
        requireValid(betas.0, "Lion", "Invalid beta parameter at index 0: ") { $0 >= 0 && $0 <= 1 }
        requireValid(betas.1, "Lion", "Invalid beta parameter at index 1: ") { $0 >= 0 && $0 <= 1 }
        requireValid(weightDecay, "Lion", "Invalid weight_decay value: ") { $0 >= 0 }
        hyper = Hyper(lr: lr, beta1: betas.0, beta2: betas.1, weightDecay: weightDecay)
        self.maximize = maximize
    }

    /// Step 0 with zero momentum.
    ///
    /// ```swift
    /// let state = Lion().initialState(for: params)
    /// ```
    public func initialState(for params: Parameters) -> State {
        State(step: 0, expAvg: params.mapLeaves { $0.detached().zerosLike() })
    }

    /// One Lion step; see the type's documentation for the rule.
    ///
    /// ```swift
    /// let (state1, params1) = try Lion().step(state0, params0, grads)
    /// ```
    public func step(_ state: State, _ params: Parameters, _ grads: Parameters, _ hyper: Hyper) throws
        -> (State, Parameters) {
        try requireFit(grads, params, "Lion gradients")
        try requireFit(state.expAvg, params, "Lion state expAvg")
        let decay = !hyper.weightDecay.isConstantZero
        var newP = [Tensor](), newM = [Tensor]()
        for i in 0..<params.count {
            let path = params.paths[i]
            var p = params.tensors[i]
            let g = maximize ? -grads.tensors[i] : grads.tensors[i]
            let lr = try hyper.lr.value(for: path, like: p, "lr")
            let beta1 = try hyper.beta1.value(for: path, like: p, "beta1")
            let beta2 = try hyper.beta2.value(for: path, like: p, "beta2")
            let m = state.expAvg.tensors[i]
            let direction = (m * beta1 + (1 - beta1) * g).sign()
            if decay {
                let weightDecay = try hyper.weightDecay.value(for: path, like: p, "weightDecay")
                p = p * (1 - lr * weightDecay)
            }
            newP.append(p - lr * direction)
            newM.append(m * beta2 + (1 - beta2) * g)
        }
        return (State(step: state.step + 1, expAvg: params.with(tensors: newM)), params.with(tensors: newP))
    }
}
