/// Adagrad (`torch.optim.Adagrad`), with learning-rate decay, an initial accumulator
/// value, weight decay and maximization.
///
/// Update rule (`g` negated when `maximize`, `t` 1-based):
///
///     g ← g + weightDecay·p                       (when weightDecay ≠ 0)
///     clr = lr / (1 + (t − 1)·lrDecay)
///     s ← s + g²                                  (s starts at initialAccumulatorValue)
///     p ← p − clr · g / (√s + ε)
///
/// With a zero initial accumulator, an entry whose gradients have all been 0 has
/// `s = 0`; the square root's derivative there is taken as 0 (see
/// ``Tensor/safeSqrt()``), so meta-gradients stay finite.
///
/// Defaults: `lr = 0.01`, `lrDecay = 0`, `weightDecay = 0`,
/// `initialAccumulatorValue = 0`, `eps = 1e-10`.
///
/// ```swift
/// let adagrad = Adagrad(lr: 0.1, initialAccumulatorValue: 0.1)
/// var state = adagrad.initialState(for: params)
/// (state, params) = try adagrad.step(state, params, grads)
/// ```
public struct Adagrad: Optimizer {
    /// Adagrad's real-valued step settings.
    ///
    /// ```swift
    /// let h = Adagrad.Hyper(lr: 0.1, lrDecay: 0.01)
    /// ```
    public struct Hyper: DifferentiableTree, Sendable {
        /// The learning rate.
        ///
        /// ```swift
        /// Adagrad.Hyper().lr.values     // [0.01]
        /// ```
        public var lr: Hyperparameter
        /// The learning-rate decay per step.
        ///
        /// ```swift
        /// Adagrad(lrDecay: 1e-3).hyper.lrDecay.values     // [0.001]
        /// ```
        public var lrDecay: Hyperparameter
        /// The weight decay (L2 penalty) factor.
        ///
        /// ```swift
        /// Adagrad(weightDecay: 0.01).hyper.weightDecay.values     // [0.01]
        /// ```
        public var weightDecay: Hyperparameter
        /// The term added to the denominator for numerical stability.
        ///
        /// ```swift
        /// Adagrad.Hyper().eps.values     // [1e-10]
        /// ```
        public var eps: Hyperparameter

        /// Settings with torch's defaults for everything not given.
        ///
        /// ```swift
        /// let h = Adagrad.Hyper(lr: 0.1)
        /// ```
        public init(lr: Hyperparameter = 1e-2, lrDecay: Hyperparameter = 0, weightDecay: Hyperparameter = 0,
                    eps: Hyperparameter = 1e-10) {
            self.lr = lr
            self.lrDecay = lrDecay
            self.weightDecay = weightDecay
            self.eps = eps
        }

        /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
        ///
        /// ```swift
        /// let count = value.leaves.count
        /// ```
        public var leaves: [Tensor] { lr.leaves + lrDecay.leaves + weightDecay.leaves + eps.leaves }

        /// The same value with every tensor transformed, in the order of ``leaves``.
        ///
        /// ```swift
        /// let doubled = value.mapLeaves { $0 * 2 }
        /// ```
        public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> Hyper {
            Hyper(lr: try lr.mapLeaves(transform), lrDecay: try lrDecay.mapLeaves(transform),
                  weightDecay: try weightDecay.mapLeaves(transform), eps: try eps.mapLeaves(transform))
        }
    }

    /// The step count and the running sum of squared gradients.
    ///
    /// ```swift
    /// let s = Adagrad(initialAccumulatorValue: 0.1).initialState(for: params)
    /// ```
    public struct State: DifferentiableTree, Sendable {
        /// The number of steps taken.
        ///
        /// ```swift
        /// Adagrad().initialState(for: params).step     // 0
        /// ```
        public var step: Int
        /// The running sum of squared gradients.
        ///
        /// ```swift
        /// let s = Adagrad(initialAccumulatorValue: 0.1).initialState(for: ["w": Tensor.zeros([2])])
        /// s.sum["w"]?.scalars     // [0.1, 0.1]
        /// ```
        public var sum: Parameters

        /// A state from its parts.
        ///
        /// ```swift
        /// let s = Adagrad.State(step: 0, sum: zeros)
        /// ```
        public init(step: Int, sum: Parameters) {
            self.step = step
            self.sum = sum
        }

        /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
        ///
        /// ```swift
        /// let count = value.leaves.count
        /// ```
        public var leaves: [Tensor] { sum.leaves }

        /// The same value with every tensor transformed, in the order of ``leaves``.
        ///
        /// ```swift
        /// let doubled = value.mapLeaves { $0 * 2 }
        /// ```
        public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> State {
            State(step: step, sum: try sum.mapLeaves(transform))
        }
    }

    /// The settings this optimizer was made with, used by ``Optimizer/step(_:_:_:)``.
    ///
    /// ```swift
    /// Adagrad(lr: 0.1).hyper.lr.values     // [0.1]
    /// ```
    public var hyper: Hyper
    /// The value the sum of squares starts from. It only shapes ``initialState(for:)``;
    /// a traced value makes the initial state (and so the unroll) differentiable in it.
    ///
    /// ```swift
    /// Adagrad(initialAccumulatorValue: 0.1).initialAccumulatorValue.values     // [0.1]
    /// ```
    public var initialAccumulatorValue: Hyperparameter
    /// Ascend the objective instead of descending it.
    ///
    /// ```swift
    /// let ascent = Adagrad(maximize: true)
    /// ```
    public var maximize: Bool

    /// Adagrad with torch's defaults for everything not given.
    ///
    /// ```swift
    /// let adagrad = Adagrad(lr: 0.1, lrDecay: 1e-3)
    /// ```
    public init(lr: Hyperparameter = 1e-2, lrDecay: Hyperparameter = 0, weightDecay: Hyperparameter = 0,
                initialAccumulatorValue: Hyperparameter = 0, eps: Hyperparameter = 1e-10, maximize: Bool = false) {
        requireValid(lr, "Adagrad", "Invalid learning rate: ") { $0 >= 0 }
        requireValid(lrDecay, "Adagrad", "Invalid lr_decay value: ") { $0 >= 0 }
        requireValid(weightDecay, "Adagrad", "Invalid weight_decay value: ") { $0 >= 0 }
        requireValid(initialAccumulatorValue, "Adagrad", "Invalid initial_accumulator_value value: ") { $0 >= 0 }
        requireValid(eps, "Adagrad", "Invalid epsilon value: ") { $0 >= 0 }
        hyper = Hyper(lr: lr, lrDecay: lrDecay, weightDecay: weightDecay, eps: eps)
        self.initialAccumulatorValue = initialAccumulatorValue
        self.maximize = maximize
    }

    /// Step 0 with every sum at ``initialAccumulatorValue``. Stops when a per-parameter
    /// initial value lacks a path or does not broadcast to its parameter.
    ///
    /// ```swift
    /// let state = Adagrad(initialAccumulatorValue: 0.1).initialState(for: params)
    /// ```
    public func initialState(for params: Parameters) -> State {
        let sums = params.map { path, p -> Tensor in
            do {
                return try initialAccumulatorValue.value(for: path, like: p, "initialAccumulatorValue")
                    .broadcast(to: p.shape)
            } catch {
                preconditionFailure("Adagrad initialState: \(error)")
            }
        }
        return State(step: 0, sum: sums)
    }

    /// One Adagrad step; see the type's documentation for the rule.
    ///
    /// ```swift
    /// let (state1, params1) = try Adagrad(lr: 0.1).step(state0, params0, grads)
    /// ```
    public func step(_ state: State, _ params: Parameters, _ grads: Parameters, _ hyper: Hyper) throws
        -> (State, Parameters) {
        try requireFit(grads, params, "Adagrad gradients")
        try requireFit(state.sum, params, "Adagrad state sum")
        let t = state.step + 1
        let decay = !hyper.weightDecay.isConstantZero
        var newP = [Tensor](), newS = [Tensor]()
        for i in 0..<params.count {
            let path = params.paths[i], p = params.tensors[i]
            var g = maximize ? -grads.tensors[i] : grads.tensors[i]
            let lr = try hyper.lr.value(for: path, like: p, "lr")
            let lrDecay = try hyper.lrDecay.value(for: path, like: p, "lrDecay")
            let eps = try hyper.eps.value(for: path, like: p, "eps")
            if decay {
                let weightDecay = try hyper.weightDecay.value(for: path, like: p, "weightDecay")
                g = g + weightDecay * p
            }
            let clr = lr / (1 + Double(t - 1) * lrDecay)
            let s = state.sum.tensors[i] + g * g
            let std = s.safeSqrt() + eps
            newP.append(p.addingQuotient(-clr, g, std))
            newS.append(s)
        }
        return (State(step: t, sum: params.with(tensors: newS)), params.with(tensors: newP))
    }
}
