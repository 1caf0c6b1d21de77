/// Adamax (`torch.optim.Adamax`): Adam with an infinity norm in place of the second moment.
///
/// Update rule (`g` negated when `maximize`, `t` 1-based):
///
///     g ← g + weightDecay·p             (when weightDecay ≠ 0)
///     m ← β₁·m + (1 − β₁)·g
///     u ← max(β₂·u, |g| + ε)
///     p ← p − (lr / (1 − β₁ᵗ)) · m / u
///
/// No square root is involved; `|g|` has derivative 0 at `g = 0` and the maximum splits
/// its derivative evenly at ties (as torch's `amax`), so derivatives are finite for zero
/// gradients.
///
/// Defaults: `lr = 0.002`, `betas = (0.9, 0.999)`, `eps = 1e-8`, `weightDecay = 0`.
///
/// ```swift
/// let adamax = Adamax(lr: 0.002)
/// (state, params) = try adamax.step(state, params, grads)
/// ```
public struct Adamax: Optimizer {
    /// Adamax's real-valued settings.
    ///
    /// ```swift
    /// let h = Adamax.Hyper(lr: 0.01)
    /// ```
    public struct Hyper: DifferentiableTree, Sendable {
        /// The learning rate.
        ///
        /// ```swift
        /// Adamax.Hyper().lr.values     // [0.002]
        /// ```
        public var lr: Hyperparameter
        /// The decay rate of the first moment.
        ///
        /// ```swift
        /// Adamax.Hyper().beta1.values     // [0.9]
        /// ```
        public var beta1: Hyperparameter
        /// The decay rate of the exponentially weighted infinity norm.
        ///
        /// ```swift
        /// Adamax.Hyper().beta2.values     // [0.999]
        /// ```
        public var beta2: Hyperparameter
        /// The term added to the denominator for numerical stability.
        ///
        /// ```swift
        /// Adamax.Hyper().eps.values     // [1e-08]
        /// ```
        public var eps: Hyperparameter
        /// The weight decay (L2 penalty) factor.
        ///
        /// ```swift
        /// Adamax(weightDecay: 0.01).hyper.weightDecay.values     // [0.01]
        /// ```
        public var weightDecay: Hyperparameter

        /// Settings with torch's defaults for everything not given.
        ///
        /// ```swift
        /// let h = Adamax.Hyper(lr: 0.01, beta1: 0.8)
        /// ```
        public init(lr: Hyperparameter = 2e-3, beta1: Hyperparameter = 0.9, beta2: Hyperparameter = 0.999,
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

    /// The step count, the first moment and the exponentially weighted infinity norm.
    ///
    /// ```swift
    /// let s = Adamax().initialState(for: params)     // zeros, step 0
    /// ```
    public struct State: DifferentiableTree, Sendable {
        /// The number of steps taken.
        ///
        /// ```swift
        /// Adamax().initialState(for: params).step     // 0
        /// ```
        public var step: Int
        /// The running average of gradients (first moment).
        ///
        /// ```swift
        /// let m = state.expAvg["w"]     // for the parameter "w"
        /// ```
        public var expAvg: Parameters
        /// The exponentially weighted infinity norm of the gradients.
        ///
        /// ```swift
        /// let u = state.expInf["w"]     // for the parameter "w"
        /// ```
        public var expInf: Parameters

        /// A state from its parts.
        ///
        /// ```swift
        /// let s = Adamax.State(step: 0, expAvg: zeros, expInf: zeros)
        /// ```
        public init(step: Int, expAvg: Parameters, expInf: Parameters) {
            self.step = step
            self.expAvg = expAvg
            self.expInf = expInf
        }

        /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
        ///
        /// ```swift
        /// let count = value.leaves.count
        /// ```
        public var leaves: [Tensor] { expAvg.leaves + expInf.leaves }

        /// The same value with every tensor transformed, in the order of ``leaves``.
        ///
        /// ```swift
        /// let doubled = value.mapLeaves { $0 * 2 }
        /// ```
        public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> State {
            State(step: step, expAvg: try expAvg.mapLeaves(transform), expInf: try expInf.mapLeaves(transform))
        }
    }

    /// The settings this optimizer was made with, used by ``Optimizer/step(_:_:_:)``.
    ///
    /// ```swift
    /// Adamax(lr: 0.01).hyper.lr.values     // [0.01]
    /// ```
    public var hyper: Hyper
    /// Ascend the objective instead of descending it.
    ///
    /// ```swift
    /// let ascent = Adamax(maximize: true)
    /// ```
    public var maximize: Bool

    /// Adamax with torch's defaults for everything not given.
    ///
    /// ```swift
    /// let adamax = Adamax(lr: 0.002, betas: (0.9, 0.999))
    /// ```
    public init(lr: Hyperparameter = 2e-3, betas: (Hyperparameter, Hyperparameter) = (0.9, 0.999),
                eps: Hyperparameter = 1e-8, weightDecay: Hyperparameter = 0, maximize: Bool = false) {
        validateAdamSettings("Adamax", lr, betas, eps, weightDecay)
        hyper = Hyper(lr: lr, beta1: betas.0, beta2: betas.1, eps: eps, weightDecay: weightDecay)
        self.maximize = maximize
    }

    /// Step 0 with zero moments.
    ///
    /// ```swift
    /// let state = Adamax().initialState(for: params)
    /// ```
    public func initialState(for params: Parameters) -> State {
        let zeros = params.mapLeaves { $0.detached().zerosLike() }
        return State(step: 0, expAvg: zeros, expInf: zeros)
    }

    /// One Adamax step; see the type's documentation for the rule.
    ///
    /// ```swift
    /// let (state1, params1) = try Adamax().step(state0, params0, grads)
    /// ```
    public func step(_ state: State, _ params: Parameters, _ grads: Parameters, _ hyper: Hyper) throws
        -> (State, Parameters) {
        try requireFit(grads, params, "Adamax gradients")
        try requireFit(state.expAvg, params, "Adamax state expAvg")
        try requireFit(state.expInf, params, "Adamax state expInf")
        let t = state.step + 1
        let decay = !hyper.weightDecay.isConstantZero
        var newP = [Tensor](), newM = [Tensor](), newU = [Tensor]()
        for i in 0..<params.count {
            let path = params.paths[i], p = params.tensors[i]
            var g = maximize ? -grads.tensors[i] : grads.tensors[i]
            let lr = try hyper.lr.value(for: path, like: p, "lr")
            let beta1 = try hyper.beta1.value(for: path, like: p, "beta1")
            let beta2 = try hyper.beta2.value(for: path, like: p, "beta2")
            let eps = try hyper.eps.value(for: path, like: p, "eps")
            if decay {
                let weightDecay = try hyper.weightDecay.value(for: path, like: p, "weightDecay")
                g = g + weightDecay * p
            }
            let m = state.expAvg.tensors[i].lerp(to: g, weight: 1 - beta1)
            let u = Tensor.maximum(state.expInf.tensors[i] * beta2, g.abs() + eps)
            let clr = lr / (1 - beta1.pow(Double(t)))
            newP.append(p.addingQuotient(-clr, m, u))
            newM.append(m)
            newU.append(u)
        }
        return (State(step: t, expAvg: params.with(tensors: newM), expInf: params.with(tensors: newU)),
                params.with(tensors: newP))
    }
}
