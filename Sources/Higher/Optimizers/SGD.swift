/// Stochastic gradient descent with optional momentum, dampening, Nesterov momentum,
/// weight decay and maximization (`torch.optim.SGD`).
///
/// Update rule, with `g` the gradient (`−g` when `maximize`), `p` the parameter and `t`
/// the step (1-based):
///
///     g ← g + weightDecay·p                          (when weightDecay ≠ 0)
///     b₁ = g;  b_t = momentum·b_{t−1} + (1 − dampening)·g     (when momentum ≠ 0)
///     g ← g + momentum·b_t  if nesterov,  else  g ← b_t
///     p ← p − lr·g
///
/// The first momentum buffer is the gradient itself and, unlike torch's
/// `differentiable=True` code, it is **not** detached: meta-gradients flow through it.
/// `momentum` equal to 0 (by value, traced or not) means no buffer at all, as in torch;
/// the state then carries none, and no derivative with respect to `momentum` is formed.
/// With a per-parameter momentum, a path whose momentum is 0 steps as plain SGD. A traced
/// or nonzero weight decay always takes part, so its hypergradient exists even at 0.
///
/// Defaults are torch 2.x's: `lr = 0.001`, everything else 0 or off. Invalid settings
/// stop at construction with torch's message (`"SGD: Invalid learning rate: -0.1"`).
///
/// ```swift
/// let sgd = SGD(lr: 0.1, momentum: 0.9, nesterov: true)
/// var state = sgd.initialState(for: params)
/// (state, params) = try sgd.step(state, params, grads)
/// ```
public struct SGD: Optimizer {
    /// SGD's real-valued settings.
    ///
    /// ```swift
    /// let h = SGD.Hyper(lr: Hyperparameter(Tensor(0.1)))   // a traced learning rate
    /// ```
    public struct Hyper: DifferentiableTree, Sendable {
        /// The learning rate.
        ///
        /// ```swift
        /// SGD.Hyper().lr.values     // [0.001]
        /// ```
        public var lr: Hyperparameter
        /// The momentum factor (0: no momentum buffer).
        ///
        /// ```swift
        /// SGD(lr: 0.1, momentum: 0.9).hyper.momentum.values     // [0.9]
        /// ```
        public var momentum: Hyperparameter
        /// Dampening of the gradient's share of the momentum buffer.
        ///
        /// ```swift
        /// SGD(lr: 0.1, momentum: 0.9, dampening: 0.1).hyper.dampening.values     // [0.1]
        /// ```
        public var dampening: Hyperparameter
        /// The weight decay (L2 penalty) factor.
        ///
        /// ```swift
        /// SGD(lr: 0.1, weightDecay: 5e-4).hyper.weightDecay.values     // [0.0005]
        /// ```
        public var weightDecay: Hyperparameter

        /// Settings with torch's defaults for everything not given.
        ///
        /// ```swift
        /// let h = SGD.Hyper(lr: 0.1, momentum: 0.9)
        /// ```
        public init(lr: Hyperparameter = 1e-3, momentum: Hyperparameter = 0,
                    dampening: Hyperparameter = 0, weightDecay: Hyperparameter = 0) {
            self.lr = lr
            self.momentum = momentum
            self.dampening = dampening
            self.weightDecay = weightDecay
        }

        /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
        ///
        /// ```swift
        /// let count = value.leaves.count
        /// ```
        public var leaves: [Tensor] {
            var all = lr.leaves
            all.append(contentsOf: momentum.leaves)
            all.append(contentsOf: dampening.leaves)
            all.append(contentsOf: weightDecay.leaves)
            return all
        }

        /// The same value with every tensor transformed, in the order of ``leaves``.
        ///
        /// ```swift
        /// let doubled = value.mapLeaves { $0 * 2 }
        /// ```
        public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> Hyper {
            Hyper(lr: try lr.mapLeaves(transform), momentum: try momentum.mapLeaves(transform),
                  dampening: try dampening.mapLeaves(transform), weightDecay: try weightDecay.mapLeaves(transform))
        }
    }

    /// SGD's state: the step count and the momentum buffer (absent without momentum).
    ///
    /// ```swift
    /// let state = SGD(lr: 0.1, momentum: 0.9).initialState(for: params)
    /// print(state.step, state.momentumBuffer?.paths ?? [])
    /// ```
    public struct State: DifferentiableTree, Sendable {
        /// The number of steps taken.
        ///
        /// ```swift
        /// SGD(lr: 0.1).initialState(for: params).step     // 0
        /// ```
        public var step: Int
        /// The momentum buffer, when momentum is used.
        ///
        /// ```swift
        /// SGD(lr: 0.1).initialState(for: params).momentumBuffer == nil     // true
        /// ```
        public var momentumBuffer: Parameters?

        /// A state at `step` with the given buffer.
        ///
        /// ```swift
        /// let s = SGD.State(step: 0, momentumBuffer: nil)
        /// ```
        public init(step: Int, momentumBuffer: Parameters?) {
            self.step = step
            self.momentumBuffer = momentumBuffer
        }

        /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
        ///
        /// ```swift
        /// let count = value.leaves.count
        /// ```
        public var leaves: [Tensor] { momentumBuffer?.leaves ?? [] }

        /// The same value with every tensor transformed, in the order of ``leaves``.
        ///
        /// ```swift
        /// let doubled = value.mapLeaves { $0 * 2 }
        /// ```
        public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> State {
            State(step: step, momentumBuffer: try momentumBuffer?.mapLeaves(transform))
        }
    }

    /// The settings this optimizer was made with, used by ``Optimizer/step(_:_:_:)``.
    ///
    /// ```swift
    /// SGD(lr: 0.1).hyper.lr.values     // [0.1]
    /// ```
    public var hyper: Hyper
    /// Nesterov momentum (needs momentum > 0 and zero dampening).
    ///
    /// ```swift
    /// let sgd = SGD(lr: 0.1, momentum: 0.9, nesterov: true)
    /// ```
    public var nesterov: Bool
    /// Ascend the objective instead of descending it.
    ///
    /// ```swift
    /// let ascent = SGD(lr: 0.1, maximize: true)
    /// ```
    public var maximize: Bool

    /// SGD with torch's defaults for everything not given.
    ///
    /// ```swift
    /// let sgd = SGD(lr: 0.1, momentum: 0.9, weightDecay: 5e-4)
    /// ```
    public init(lr: Hyperparameter = 1e-3, momentum: Hyperparameter = 0, dampening: Hyperparameter = 0,
                weightDecay: Hyperparameter = 0, nesterov: Bool = false, maximize: Bool = false) {
        requireValid(lr, "SGD", "Invalid learning rate: ") { $0 >= 0 }
        requireValid(momentum, "SGD", "Invalid momentum value: ") { $0 >= 0 }
        requireValid(weightDecay, "SGD", "Invalid weight_decay value: ") { $0 >= 0 }
        if nesterov {
            let noMomentum = momentum.values.contains { !($0 > 0) }
            let dampened = dampening.values.contains { $0 != 0 }
            precondition(!noMomentum && !dampened, "SGD: Nesterov momentum requires a momentum and zero dampening")
        }
        hyper = Hyper(lr: lr, momentum: momentum, dampening: dampening, weightDecay: weightDecay)
        self.nesterov = nesterov
        self.maximize = maximize
    }

    /// Step 0, with a zero momentum buffer when this optimizer's momentum is nonzero.
    ///
    /// ```swift
    /// let state = SGD(lr: 0.1).initialState(for: params)     // no buffer
    /// ```
    public func initialState(for params: Parameters) -> State {
        State(step: 0, momentumBuffer: hyper.momentum.isConstantZero ? nil : params.mapLeaves { $0.detached().zerosLike() })
    }

    /// One SGD step; see the type's documentation for the rule.
    ///
    /// ```swift
    /// let (state1, params1) = try sgd.step(state0, params0, grads, SGD.Hyper(lr: 0.05))
    /// ```
    public func step(_ state: State, _ params: Parameters, _ grads: Parameters, _ hyper: Hyper) throws
        -> (State, Parameters) {
        try requireFit(grads, params, "SGD gradients")
        if let buffer = state.momentumBuffer { try requireFit(buffer, params, "SGD momentum buffer") }
        let useMomentum = !hyper.momentum.values.allSatisfy { $0 == 0 }
        let decay = !hyper.weightDecay.isConstantZero
        let first = state.step == 0 || state.momentumBuffer == nil
        if let fast = plainStep(state, params, grads, hyper, useMomentum: useMomentum, decay: decay, first: first) {
            return fast
        }
        // Plain SGD with shared scalar settings: one fused update per parameter, which
        // reads the settings in their own dtype (no conversion is recorded).
        if !useMomentum, let lr = hyper.lr.sharedScalar {
            let weightDecay = decay ? hyper.weightDecay.sharedScalar : nil
            if !decay || weightDecay != nil {
                let updated = params.tensors.indices.map { i in
                    params.tensors[i].descentStep(gradient: maximize ? -grads.tensors[i] : grads.tensors[i],
                                                  lr: lr, weightDecay: weightDecay)
                }
                return (State(step: state.step + 1, momentumBuffer: state.momentumBuffer), params.with(tensors: updated))
            }
        }
        var newParams = [Tensor](), newBuffer = [Tensor]()
        newParams.reserveCapacity(params.count)
        let lrs = try hyper.lr.values(for: params, "lr")
        let decays = decay ? try hyper.weightDecay.values(for: params, "weightDecay") : nil
        for i in 0..<params.count {
            let path = params.paths[i], p = params.tensors[i]
            var g = maximize ? -grads.tensors[i] : grads.tensors[i]
            if let decays { g = g + decays[i] * p }
            if useMomentum {
                let mu = try hyper.momentum.value(for: path, like: p, "momentum")
                // A path whose own momentum is 0 steps as plain SGD (a torch group
                // without momentum); its buffer entry starts over from the gradient.
                guard mu.scalars.contains(where: { $0 != 0 }) else {
                    newBuffer.append(g)
                    newParams.append(p - lrs[i] * g)
                    continue
                }
                let b: Tensor
                if first {
                    b = g
                } else {
                    let dampening = try hyper.dampening.value(for: path, like: p, "dampening")
                    b = state.momentumBuffer!.tensors[i] * mu + (1 - dampening) * g
                }
                newBuffer.append(b)
                g = nesterov ? g + mu * b : b
            }
            newParams.append(p - lrs[i] * g)
        }
        let buffer = useMomentum ? params.with(tensors: newBuffer) : state.momentumBuffer
        return (State(step: state.step + 1, momentumBuffer: buffer), params.with(tensors: newParams))
    }
}
