/// Adadelta (`torch.optim.Adadelta`).
///
/// Update rule (`g` negated when `maximize`):
///
///     g ← g + weightDecay·p             (when weightDecay ≠ 0)
///     s ← ρ·s + (1 − ρ)·g²
///     δ ← √(a + ε) / √(s + ε) · g
///     a ← ρ·a + (1 − ρ)·δ²
///     p ← p − lr·δ
///
/// ε sits inside both square roots. With ε = 0 a root can be taken at exactly 0; its
/// derivative there is taken as 0 (see ``Tensor/safeSqrt()``), so derivatives stay
/// finite.
///
/// Defaults: `lr = 1.0`, `rho = 0.9`, `eps = 1e-6`, `weightDecay = 0`.
///
/// ```swift
/// let adadelta = Adadelta(rho: 0.95)
/// (state, params) = try adadelta.step(state, params, grads)
/// ```
public struct Adadelta: Optimizer {
    /// Adadelta's real-valued settings.
    ///
    /// ```swift
    /// let h = Adadelta.Hyper(lr: 0.5)
    /// ```
    public struct Hyper: DifferentiableTree, Sendable {
        /// The learning rate.
        ///
        /// ```swift
        /// Adadelta.Hyper().lr.values     // [1.0]
        /// ```
        public var lr: Hyperparameter
        /// The decay rate of the running averages.
        ///
        /// ```swift
        /// Adadelta.Hyper().rho.values     // [0.9]
        /// ```
        public var rho: Hyperparameter
        /// The term added to the denominator for numerical stability.
        ///
        /// ```swift
        /// Adadelta.Hyper().eps.values     // [1e-06]
        /// ```
        public var eps: Hyperparameter
        /// The weight decay (L2 penalty) factor.
        ///
        /// ```swift
        /// Adadelta(weightDecay: 0.01).hyper.weightDecay.values     // [0.01]
        /// ```
        public var weightDecay: Hyperparameter

        /// Settings with torch's defaults for everything not given.
        ///
        /// ```swift
        /// let h = Adadelta.Hyper(rho: 0.95)
        /// ```
        public init(lr: Hyperparameter = 1, rho: Hyperparameter = 0.9, eps: Hyperparameter = 1e-6,
                    weightDecay: Hyperparameter = 0) {
            self.lr = lr
            self.rho = rho
            self.eps = eps
            self.weightDecay = weightDecay
        }

        /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
        ///
        /// ```swift
        /// let count = value.leaves.count
        /// ```
        public var leaves: [Tensor] { lr.leaves + rho.leaves + eps.leaves + weightDecay.leaves }

        /// The same value with every tensor transformed, in the order of ``leaves``.
        ///
        /// ```swift
        /// let doubled = value.mapLeaves { $0 * 2 }
        /// ```
        public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> Hyper {
            Hyper(lr: try lr.mapLeaves(transform), rho: try rho.mapLeaves(transform),
                  eps: try eps.mapLeaves(transform), weightDecay: try weightDecay.mapLeaves(transform))
        }
    }

    /// The step count, the running average of squared gradients and of squared updates.
    ///
    /// ```swift
    /// let s = Adadelta().initialState(for: params)
    /// ```
    public struct State: DifferentiableTree, Sendable {
        /// The number of steps taken.
        ///
        /// ```swift
        /// Adadelta().initialState(for: params).step     // 0
        /// ```
        public var step: Int
        /// The running average of squared gradients.
        ///
        /// ```swift
        /// let s = state.squareAvg["w"]     // for the parameter "w"
        /// ```
        public var squareAvg: Parameters
        /// The running average of squared updates.
        ///
        /// ```swift
        /// let a = state.accDelta["w"]     // for the parameter "w"
        /// ```
        public var accDelta: Parameters

        /// A state from its parts.
        ///
        /// ```swift
        /// let s = Adadelta.State(step: 0, squareAvg: zeros, accDelta: zeros)
        /// ```
        public init(step: Int, squareAvg: Parameters, accDelta: Parameters) {
            self.step = step
            self.squareAvg = squareAvg
            self.accDelta = accDelta
        }

        /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
        ///
        /// ```swift
        /// let count = value.leaves.count
        /// ```
        public var leaves: [Tensor] { squareAvg.leaves + accDelta.leaves }

        /// The same value with every tensor transformed, in the order of ``leaves``.
        ///
        /// ```swift
        /// let doubled = value.mapLeaves { $0 * 2 }
        /// ```
        public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> State {
            State(step: step, squareAvg: try squareAvg.mapLeaves(transform), accDelta: try accDelta.mapLeaves(transform))
        }
    }

    /// The settings this optimizer was made with, used by ``Optimizer/step(_:_:_:)``.
    ///
    /// ```swift
    /// Adadelta(rho: 0.95).hyper.rho.values     // [0.95]
    /// ```
    public var hyper: Hyper
    /// Ascend the objective instead of descending it.
    ///
    /// ```swift
    /// let ascent = Adadelta(maximize: true)
    /// ```
    public var maximize: Bool

    /// Adadelta with torch's defaults for everything not given.
    ///
    /// ```swift
    /// let adadelta = Adadelta(lr: 1, rho: 0.9, eps: 1e-6)
    /// ```
    public init(lr: Hyperparameter = 1, rho: Hyperparameter = 0.9, eps: Hyperparameter = 1e-6,
                weightDecay: Hyperparameter = 0, maximize: Bool = false) {
        requireValid(lr, "Adadelta", "Invalid learning rate: ") { $0 >= 0 }
        requireValid(rho, "Adadelta", "Invalid rho value: ") { $0 >= 0 && $0 <= 1 }
        requireValid(eps, "Adadelta", "Invalid epsilon value: ") { $0 >= 0 }
        requireValid(weightDecay, "Adadelta", "Invalid weight_decay value: ") { $0 >= 0 }
        hyper = Hyper(lr: lr, rho: rho, eps: eps, weightDecay: weightDecay)
        self.maximize = maximize
    }

    /// Step 0 with zero averages.
    ///
    /// ```swift
    /// let state = Adadelta().initialState(for: params)
    /// ```
    public func initialState(for params: Parameters) -> State {
        let zeros = params.mapLeaves { $0.detached().zerosLike() }
        return State(step: 0, squareAvg: zeros, accDelta: zeros)
    }

    /// One Adadelta step; see the type's documentation for the rule.
    ///
    /// ```swift
    /// let (state1, params1) = try Adadelta().step(state0, params0, grads)
    /// ```
    public func step(_ state: State, _ params: Parameters, _ grads: Parameters, _ hyper: Hyper) throws
        -> (State, Parameters) {
        try requireFit(grads, params, "Adadelta gradients")
        try requireFit(state.squareAvg, params, "Adadelta state squareAvg")
        try requireFit(state.accDelta, params, "Adadelta state accDelta")
        let decay = !hyper.weightDecay.isConstantZero
        var newP = [Tensor](), newS = [Tensor](), newA = [Tensor]()
        for i in 0..<params.count {
            let path = params.paths[i], p = params.tensors[i]
            var g = maximize ? -grads.tensors[i] : grads.tensors[i]
            let lr = try hyper.lr.value(for: path, like: p, "lr")
            let rho = try hyper.rho.value(for: path, like: p, "rho")
            let eps = try hyper.eps.value(for: path, like: p, "eps")
            if decay {
                let weightDecay = try hyper.weightDecay.value(for: path, like: p, "weightDecay")
                g = g + weightDecay * p
            }
            let s = (state.squareAvg.tensors[i] * rho).addingProduct(1 - rho, g, g)
            let std = (s + eps).safeSqrt()
            let delta = (state.accDelta.tensors[i] + eps).safeSqrt() / std * g
            let a = (state.accDelta.tensors[i] * rho).addingProduct(1 - rho, delta, delta)
            newP.append(p - lr * delta)
            newS.append(s)
            newA.append(a)
        }
        return (State(step: state.step + 1, squareAvg: params.with(tensors: newS), accDelta: params.with(tensors: newA)),
                params.with(tensors: newP))
    }
}
