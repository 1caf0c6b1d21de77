/// RMSprop (`torch.optim.RMSprop`), with the centered variant, momentum, weight decay and
/// maximization.
///
/// Update rule (`g` negated when `maximize`):
///
///     g ← g + weightDecay·p                            (when weightDecay ≠ 0)
///     s ← α·s + (1 − α)·g²
///     centered:  a ← α·a + (1 − α)·g;   d = √(s − a²) + ε
///     otherwise: d = √s + ε
///     momentum > 0:  b ← momentum·b + g / d;   p ← p − lr·b
///     otherwise:     p ← p − lr·g / d
///
/// The square root's derivative at 0 (an entry whose gradients have all been 0) is
/// taken as 0 (see ``Tensor/safeSqrt()``), so meta-gradients stay finite. `momentum`
/// equal to 0 (a plain value) means no buffer, as in torch.
///
/// Defaults: `lr = 0.01`, `alpha = 0.99`, `eps = 1e-8`, `weightDecay = 0`,
/// `momentum = 0`, not centered.
///
/// ```swift
/// let rmsprop = RMSprop(lr: 0.01, momentum: 0.9, centered: true)
/// (state, params) = try rmsprop.step(state, params, grads)
/// ```
public struct RMSprop: Optimizer {
    /// RMSprop's real-valued settings.
    ///
    /// ```swift
    /// let h = RMSprop.Hyper(lr: 0.001, alpha: 0.9)
    /// ```
    public struct Hyper: DifferentiableTree, Sendable {
        /// The learning rate.
        ///
        /// ```swift
        /// RMSprop.Hyper().lr.values     // [0.01]
        /// ```
        public var lr: Hyperparameter
        /// The decay rate of the running average of squared gradients.
        ///
        /// ```swift
        /// RMSprop.Hyper().alpha.values     // [0.99]
        /// ```
        public var alpha: Hyperparameter
        /// The term added to the denominator for numerical stability.
        ///
        /// ```swift
        /// RMSprop.Hyper().eps.values     // [1e-08]
        /// ```
        public var eps: Hyperparameter
        /// The weight decay (L2 penalty) factor.
        ///
        /// ```swift
        /// RMSprop(weightDecay: 0.01).hyper.weightDecay.values     // [0.01]
        /// ```
        public var weightDecay: Hyperparameter
        /// The momentum factor (0: no momentum buffer).
        ///
        /// ```swift
        /// RMSprop(momentum: 0.9).hyper.momentum.values     // [0.9]
        /// ```
        public var momentum: Hyperparameter

        /// Settings with torch's defaults for everything not given.
        ///
        /// ```swift
        /// let h = RMSprop.Hyper(lr: 0.001)
        /// ```
        public init(lr: Hyperparameter = 1e-2, alpha: Hyperparameter = 0.99, eps: Hyperparameter = 1e-8,
                    weightDecay: Hyperparameter = 0, momentum: Hyperparameter = 0) {
            self.lr = lr
            self.alpha = alpha
            self.eps = eps
            self.weightDecay = weightDecay
            self.momentum = momentum
        }

        /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
        ///
        /// ```swift
        /// let count = value.leaves.count
        /// ```
        public var leaves: [Tensor] { lr.leaves + alpha.leaves + eps.leaves + weightDecay.leaves + momentum.leaves }

        /// The same value with every tensor transformed, in the order of ``leaves``.
        ///
        /// ```swift
        /// let doubled = value.mapLeaves { $0 * 2 }
        /// ```
        public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> Hyper {
            Hyper(lr: try lr.mapLeaves(transform), alpha: try alpha.mapLeaves(transform),
                  eps: try eps.mapLeaves(transform), weightDecay: try weightDecay.mapLeaves(transform),
                  momentum: try momentum.mapLeaves(transform))
        }
    }

    /// The step count, the running average of squared gradients, and (when used) the
    /// running average of gradients (centered) and the momentum buffer.
    ///
    /// ```swift
    /// let s = RMSprop(centered: true).initialState(for: params)
    /// print(s.gradAvg != nil)     // true
    /// ```
    public struct State: DifferentiableTree, Sendable {
        /// The number of steps taken.
        ///
        /// ```swift
        /// RMSprop().initialState(for: params).step     // 0
        /// ```
        public var step: Int
        /// The running average of squared gradients.
        ///
        /// ```swift
        /// let s = state.squareAvg["w"]     // for the parameter "w"
        /// ```
        public var squareAvg: Parameters
        /// The running average of gradients (centered only).
        ///
        /// ```swift
        /// RMSprop().initialState(for: params).gradAvg == nil     // true
        /// ```
        public var gradAvg: Parameters?
        /// The momentum buffer, when momentum is used.
        ///
        /// ```swift
        /// RMSprop(momentum: 0.9).initialState(for: params).momentumBuffer != nil     // true
        /// ```
        public var momentumBuffer: Parameters?

        /// A state from its parts.
        ///
        /// ```swift
        /// let s = RMSprop.State(step: 0, squareAvg: zeros, gradAvg: nil, momentumBuffer: nil)
        /// ```
        public init(step: Int, squareAvg: Parameters, gradAvg: Parameters?, momentumBuffer: Parameters?) {
            self.step = step
            self.squareAvg = squareAvg
            self.gradAvg = gradAvg
            self.momentumBuffer = momentumBuffer
        }

        /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
        ///
        /// ```swift
        /// let count = value.leaves.count
        /// ```
        public var leaves: [Tensor] { squareAvg.leaves + (gradAvg?.leaves ?? []) + (momentumBuffer?.leaves ?? []) }

        /// The same value with every tensor transformed, in the order of ``leaves``.
        ///
        /// ```swift
        /// let doubled = value.mapLeaves { $0 * 2 }
        /// ```
        public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> State {
            State(step: step, squareAvg: try squareAvg.mapLeaves(transform), gradAvg: try gradAvg?.mapLeaves(transform),
                  momentumBuffer: try momentumBuffer?.mapLeaves(transform))
        }
    }

    /// The settings this optimizer was made with, used by ``Optimizer/step(_:_:_:)``.
    ///
    /// ```swift
    /// RMSprop(lr: 0.001).hyper.lr.values     // [0.001]
    /// ```
    public var hyper: Hyper
    /// Normalize by an estimate of the gradient's variance instead of its second moment.
    ///
    /// ```swift
    /// let centered = RMSprop(lr: 0.01, centered: true)
    /// ```
    public var centered: Bool
    /// Ascend the objective instead of descending it.
    ///
    /// ```swift
    /// let ascent = RMSprop(maximize: true)
    /// ```
    public var maximize: Bool

    /// RMSprop with torch's defaults for everything not given.
    ///
    /// ```swift
    /// let rmsprop = RMSprop(lr: 0.01, alpha: 0.99)
    /// ```
    public init(lr: Hyperparameter = 1e-2, alpha: Hyperparameter = 0.99, eps: Hyperparameter = 1e-8,
                weightDecay: Hyperparameter = 0, momentum: Hyperparameter = 0, centered: Bool = false,
                maximize: Bool = false) {
        requireValid(lr, "RMSprop", "Invalid learning rate: ") { $0 >= 0 }
        requireValid(eps, "RMSprop", "Invalid epsilon value: ") { $0 >= 0 }
        requireValid(momentum, "RMSprop", "Invalid momentum value: ") { $0 >= 0 }
        requireValid(weightDecay, "RMSprop", "Invalid weight_decay value: ") { $0 >= 0 }
        requireValid(alpha, "RMSprop", "Invalid alpha value: ") { $0 >= 0 }
        hyper = Hyper(lr: lr, alpha: alpha, eps: eps, weightDecay: weightDecay, momentum: momentum)
        self.centered = centered
        self.maximize = maximize
    }

    /// Step 0 with zero averages (and a zero momentum buffer when momentum is nonzero).
    ///
    /// ```swift
    /// let state = RMSprop().initialState(for: params)
    /// ```
    public func initialState(for params: Parameters) -> State {
        let zeros = params.mapLeaves { $0.detached().zerosLike() }
        return State(step: 0, squareAvg: zeros, gradAvg: centered ? zeros : nil,
                     momentumBuffer: hyper.momentum.isConstantZero ? nil : zeros)
    }

    /// One RMSprop step; see the type's documentation for the rule.
    ///
    /// ```swift
    /// let (state1, params1) = try RMSprop().step(state0, params0, grads)
    /// ```
    public func step(_ state: State, _ params: Parameters, _ grads: Parameters, _ hyper: Hyper) throws
        -> (State, Parameters) {
        try requireFit(grads, params, "RMSprop gradients")
        try requireFit(state.squareAvg, params, "RMSprop state squareAvg")
        if let a = state.gradAvg { try requireFit(a, params, "RMSprop state gradAvg") }
        if let b = state.momentumBuffer { try requireFit(b, params, "RMSprop state momentumBuffer") }
        let useMomentum = hyper.momentum.values.contains { $0 > 0 }
        let decay = !hyper.weightDecay.isConstantZero
        var newP = [Tensor](), newS = [Tensor](), newA = [Tensor](), newB = [Tensor]()
        for i in 0..<params.count {
            let path = params.paths[i], p = params.tensors[i]
            var g = maximize ? -grads.tensors[i] : grads.tensors[i]
            let lr = try hyper.lr.value(for: path, like: p, "lr")
            let alpha = try hyper.alpha.value(for: path, like: p, "alpha")
            let eps = try hyper.eps.value(for: path, like: p, "eps")
            if decay {
                let weightDecay = try hyper.weightDecay.value(for: path, like: p, "weightDecay")
                g = g + weightDecay * p
            }
            let s = (state.squareAvg.tensors[i] * alpha).addingProduct(1 - alpha, g, g)
            newS.append(s)
            var avg: Tensor
            if centered {
                let previous = state.gradAvg?.tensors[i] ?? p.detached().zerosLike()
                let a = previous.lerp(to: g, weight: 1 - alpha)
                newA.append(a)
                avg = s.addingProduct(s.scalarLike(-1), a, a).safeSqrt()
            } else {
                avg = s.safeSqrt()
            }
            avg = avg + eps
            if useMomentum {
                let momentum = try hyper.momentum.value(for: path, like: p, "momentum")
                let previous = state.momentumBuffer?.tensors[i] ?? p.detached().zerosLike()
                let b = (previous * momentum) + g / avg
                newB.append(b)
                newP.append(p - lr * b)
            } else {
                newP.append(p.addingQuotient(-lr, g, avg))
            }
        }
        let newState = State(step: state.step + 1, squareAvg: params.with(tensors: newS),
                             gradAvg: centered ? params.with(tensors: newA) : state.gradAvg,
                             momentumBuffer: useMomentum ? params.with(tensors: newB) : state.momentumBuffer)
        return (newState, params.with(tensors: newP))
    }
}
