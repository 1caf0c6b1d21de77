/// Averaged stochastic gradient descent (`torch.optim.ASGD`).
///
/// Update rule (`g` negated when `maximize`, `t` 1-based):
///
///     g ← g + weightDecay·p                              (when weightDecay ≠ 0)
///     η_t = lr / (1 + λ·lr·(t − 1))^α                    (η₁ = lr)
///     p ← p·(1 − λ·η_t) − η_t·g
///     μ_t = 1 / max(1, t − 1 − t0)                       (μ₁ = 1)
///     ax ← p  if μ_t = 1,  else  ax + μ_t·(p − ax)
///
/// torch keeps η and μ in its state and recomputes them after each step from the same
/// formulas; here they are computed from the step count and the current settings, so
/// the learning rate, `lambd` and `alpha` are differentiable hyperparameters. `t0` is a
/// step count and stays a plain number. The averaged parameters `ax` are in the state;
/// they do not feed back into the parameters.
///
/// Defaults: `lr = 0.01`, `lambd = 1e-4`, `alpha = 0.75`, `t0 = 1e6`, `weightDecay = 0`.
///
/// ```swift
/// let asgd = ASGD(lr: 0.01, t0: 100)
/// (state, params) = try asgd.step(state, params, grads)
/// let averaged = state.ax
/// ```
public struct ASGD: Optimizer {
    /// ASGD's real-valued settings.
    ///
    /// ```swift
    /// let h = ASGD.Hyper(lr: 0.05, lambd: 1e-3)
    /// ```
    public struct Hyper: DifferentiableTree, Sendable {
        /// The learning rate.
        ///
        /// ```swift
        /// ASGD.Hyper().lr.values     // [0.01]
        /// ```
        public var lr: Hyperparameter
        /// The decay term of the step size η.
        ///
        /// ```swift
        /// ASGD.Hyper(lambd: 1e-3).lambd.values     // [0.001]
        /// ```
        public var lambd: Hyperparameter
        /// The exponent of the step size's decay, `η_t = lr / (1 + λ·lr·(t − 1))^α`.
        ///
        /// ```swift
        /// ASGD.Hyper().alpha.values     // [0.75]
        /// ```
        public var alpha: Hyperparameter
        /// The weight decay (L2 penalty) factor.
        ///
        /// ```swift
        /// ASGD(weightDecay: 0.01).hyper.weightDecay.values     // [0.01]
        /// ```
        public var weightDecay: Hyperparameter

        /// Settings with torch's defaults for everything not given.
        ///
        /// ```swift
        /// let h = ASGD.Hyper(lr: 0.05)
        /// ```
        public init(lr: Hyperparameter = 1e-2, lambd: Hyperparameter = 1e-4, alpha: Hyperparameter = 0.75,
                    weightDecay: Hyperparameter = 0) {
            self.lr = lr
            self.lambd = lambd
            self.alpha = alpha
            self.weightDecay = weightDecay
        }

        /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
        ///
        /// ```swift
        /// let count = value.leaves.count
        /// ```
        public var leaves: [Tensor] { lr.leaves + lambd.leaves + alpha.leaves + weightDecay.leaves }

        /// The same value with every tensor transformed, in the order of ``leaves``.
        ///
        /// ```swift
        /// let doubled = value.mapLeaves { $0 * 2 }
        /// ```
        public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> Hyper {
            Hyper(lr: try lr.mapLeaves(transform), lambd: try lambd.mapLeaves(transform),
                  alpha: try alpha.mapLeaves(transform), weightDecay: try weightDecay.mapLeaves(transform))
        }
    }

    /// The step count and the averaged parameters.
    ///
    /// ```swift
    /// let s = ASGD().initialState(for: params)
    /// ```
    public struct State: DifferentiableTree, Sendable {
        /// The number of steps taken.
        ///
        /// ```swift
        /// ASGD().initialState(for: params).step     // 0
        /// ```
        public var step: Int
        /// The averaged parameters.
        ///
        /// ```swift
        /// (state, params) = try ASGD(t0: 0).step(state, params, grads)
        /// let averaged = state.ax     // evaluate with these instead of params
        /// ```
        public var ax: Parameters

        /// A state from its parts.
        ///
        /// ```swift
        /// let s = ASGD.State(step: 0, ax: zeros)
        /// ```
        public init(step: Int, ax: Parameters) {
            self.step = step
            self.ax = ax
        }

        /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
        ///
        /// ```swift
        /// let count = value.leaves.count
        /// ```
        public var leaves: [Tensor] { ax.leaves }

        /// The same value with every tensor transformed, in the order of ``leaves``.
        ///
        /// ```swift
        /// let doubled = value.mapLeaves { $0 * 2 }
        /// ```
        public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> State {
            State(step: step, ax: try ax.mapLeaves(transform))
        }
    }

    /// The settings this optimizer was made with, used by ``Optimizer/step(_:_:_:)``.
    ///
    /// ```swift
    /// ASGD(lr: 0.05).hyper.lr.values     // [0.05]
    /// ```
    public var hyper: Hyper
    /// The step after which averaging starts.
    ///
    /// ```swift
    /// ASGD(t0: 100).t0     // 100.0
    /// ```
    public var t0: Double
    /// Ascend the objective instead of descending it.
    ///
    /// ```swift
    /// let ascent = ASGD(lr: 0.01, maximize: true)
    /// ```
    public var maximize: Bool

    /// ASGD with torch's defaults for everything not given.
    ///
    /// ```swift
    /// let asgd = ASGD(lr: 0.01, lambd: 1e-4, alpha: 0.75, t0: 1e6)
    /// ```
    public init(lr: Hyperparameter = 1e-2, lambd: Hyperparameter = 1e-4, alpha: Hyperparameter = 0.75,
                t0: Double = 1e6, weightDecay: Hyperparameter = 0, maximize: Bool = false) {
        requireValid(lr, "ASGD", "Invalid learning rate: ") { $0 >= 0 }
        requireValid(weightDecay, "ASGD", "Invalid weight_decay value: ") { $0 >= 0 }
        hyper = Hyper(lr: lr, lambd: lambd, alpha: alpha, weightDecay: weightDecay)
        self.t0 = t0
        self.maximize = maximize
    }

    /// Step 0 with zero averages.
    ///
    /// ```swift
    /// let state = ASGD().initialState(for: params)
    /// ```
    public func initialState(for params: Parameters) -> State {
        State(step: 0, ax: params.mapLeaves { $0.detached().zerosLike() })
    }

    /// One ASGD step; see the type's documentation for the rule.
    ///
    /// ```swift
    /// let (state1, params1) = try ASGD().step(state0, params0, grads)
    /// ```
    public func step(_ state: State, _ params: Parameters, _ grads: Parameters, _ hyper: Hyper) throws
        -> (State, Parameters) {
        try requireFit(grads, params, "ASGD gradients")
        try requireFit(state.ax, params, "ASGD state ax")
        let t = state.step + 1
        let decay = !hyper.weightDecay.isConstantZero
        let mu = t == 1 ? 1 : 1 / Swift.max(1, Double(t - 1) - t0)
        var newP = [Tensor](), newAx = [Tensor]()
        for i in 0..<params.count {
            let path = params.paths[i], p = params.tensors[i]
            var g = maximize ? -grads.tensors[i] : grads.tensors[i]
            let lr = try hyper.lr.value(for: path, like: p, "lr")
            let lambd = try hyper.lambd.value(for: path, like: p, "lambd")
            let alpha = try hyper.alpha.value(for: path, like: p, "alpha")
            if decay {
                let weightDecay = try hyper.weightDecay.value(for: path, like: p, "weightDecay")
                g = g + weightDecay * p
            }
            let eta = t == 1 ? lr : lr / (1 + lambd * lr * Double(t - 1)).pow(alpha)
            let updated = p * (1 - lambd * eta) - eta * g
            let ax = mu == 1 ? updated : state.ax.tensors[i] + (updated - state.ax.tensors[i]) * mu
            newP.append(updated)
            newAx.append(ax)
        }
        return (State(step: t, ax: params.with(tensors: newAx)), params.with(tensors: newP))
    }
}
