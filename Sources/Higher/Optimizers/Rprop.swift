/// Resilient backpropagation (`torch.optim.Rprop`): per-element step sizes that grow
/// while the gradient keeps its sign and shrink when it flips.
///
/// Update rule (`g` negated when `maximize`; `prev` starts at 0, the step sizes `η` at
/// `lr`):
///
///     s = sign(g · prev)
///     η ← clamp(η · (etaPlus if s > 0, etaMinus if s < 0, 1 if s = 0), minStep, maxStep)
///     g ← 0 where s < 0
///     p ← p − sign(g) · η
///     prev ← g
///
/// On the first step the step sizes start from the `lr` passed to that step (torch
/// fills them with the learning rate when it creates the state); the state's `stepSize`
/// is not read before then. After that `lr` is not used again, as in torch. The update
/// is differentiable in `lr`, the etas and the bounds (through the step sizes); `sign`
/// has derivative 0, so gradients do not flow through the direction. The clamp's
/// derivative goes to the step size where it lies within the bounds, bounds included.
///
/// Defaults: `lr = 0.01`, `etas = (0.5, 1.2)`, `stepSizes = (1e-6, 50)`.
///
/// ```swift
/// let rprop = Rprop(lr: 0.01, etas: (0.5, 1.2), stepSizes: (1e-6, 50))
/// (state, params) = try rprop.step(state, params, grads)
/// ```
public struct Rprop: Optimizer {
    /// Rprop's real-valued settings.
    ///
    /// ```swift
    /// let h = Rprop.Hyper(lr: 0.05)
    /// ```
    public struct Hyper: DifferentiableTree, Sendable {
        /// The learning rate.
        ///
        /// ```swift
        /// Rprop.Hyper().lr.values     // [0.01]
        /// ```
        public var lr: Hyperparameter
        /// The factor applied to a step size when the gradient changes sign.
        ///
        /// ```swift
        /// Rprop.Hyper().etaMinus.values     // [0.5]
        /// ```
        public var etaMinus: Hyperparameter
        /// The factor applied to a step size when the gradient keeps its sign.
        ///
        /// ```swift
        /// Rprop.Hyper().etaPlus.values     // [1.2]
        /// ```
        public var etaPlus: Hyperparameter
        /// The smallest step size.
        ///
        /// ```swift
        /// Rprop.Hyper().minStepSize.values     // [1e-06]
        /// ```
        public var minStepSize: Hyperparameter
        /// The largest step size.
        ///
        /// ```swift
        /// Rprop.Hyper().maxStepSize.values     // [50.0]
        /// ```
        public var maxStepSize: Hyperparameter

        /// Settings with torch's defaults for everything not given.
        ///
        /// ```swift
        /// let h = Rprop.Hyper(lr: 0.05, etaPlus: 1.1)
        /// ```
        public init(lr: Hyperparameter = 1e-2, etaMinus: Hyperparameter = 0.5, etaPlus: Hyperparameter = 1.2,
                    minStepSize: Hyperparameter = 1e-6, maxStepSize: Hyperparameter = 50) {
            self.lr = lr
            self.etaMinus = etaMinus
            self.etaPlus = etaPlus
            self.minStepSize = minStepSize
            self.maxStepSize = maxStepSize
        }

        /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
        ///
        /// ```swift
        /// let count = value.leaves.count
        /// ```
        public var leaves: [Tensor] {
            lr.leaves + etaMinus.leaves + etaPlus.leaves + minStepSize.leaves + maxStepSize.leaves
        }

        /// The same value with every tensor transformed, in the order of ``leaves``.
        ///
        /// ```swift
        /// let doubled = value.mapLeaves { $0 * 2 }
        /// ```
        public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> Hyper {
            Hyper(lr: try lr.mapLeaves(transform), etaMinus: try etaMinus.mapLeaves(transform),
                  etaPlus: try etaPlus.mapLeaves(transform), minStepSize: try minStepSize.mapLeaves(transform),
                  maxStepSize: try maxStepSize.mapLeaves(transform))
        }
    }

    /// The step count, the previous (masked) gradient and the per-element step sizes.
    ///
    /// ```swift
    /// let s = Rprop().initialState(for: params)
    /// ```
    public struct State: DifferentiableTree, Sendable {
        /// The number of steps taken.
        ///
        /// ```swift
        /// Rprop().initialState(for: params).step     // 0
        /// ```
        public var step: Int
        /// The previous gradient, zeroed where its sign flipped.
        ///
        /// ```swift
        /// let previous = state.prev["w"]     // for the parameter "w"
        /// ```
        public var prev: Parameters
        /// The per-element step sizes.
        ///
        /// ```swift
        /// let s = Rprop(lr: 0.05).initialState(for: ["w": Tensor.zeros([2])])
        /// s.stepSize["w"]?.scalars     // [0.05, 0.05]
        /// ```
        public var stepSize: Parameters

        /// A state from its parts.
        ///
        /// ```swift
        /// let s = Rprop.State(step: 0, prev: zeros, stepSize: zeros)
        /// ```
        public init(step: Int, prev: Parameters, stepSize: Parameters) {
            self.step = step
            self.prev = prev
            self.stepSize = stepSize
        }

        /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
        ///
        /// ```swift
        /// let count = value.leaves.count
        /// ```
        public var leaves: [Tensor] { prev.leaves + stepSize.leaves }

        /// The same value with every tensor transformed, in the order of ``leaves``.
        ///
        /// ```swift
        /// let doubled = value.mapLeaves { $0 * 2 }
        /// ```
        public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> State {
            State(step: step, prev: try prev.mapLeaves(transform), stepSize: try stepSize.mapLeaves(transform))
        }
    }

    /// The settings this optimizer was made with, used by ``Optimizer/step(_:_:_:)``.
    ///
    /// ```swift
    /// Rprop(lr: 0.05).hyper.lr.values     // [0.05]
    /// ```
    public var hyper: Hyper
    /// Ascend the objective instead of descending it.
    ///
    /// ```swift
    /// let ascent = Rprop(maximize: true)
    /// ```
    public var maximize: Bool

    /// Rprop with torch's defaults for everything not given.
    ///
    /// ```swift
    /// let rprop = Rprop(lr: 0.01)
    /// ```
    public init(lr: Hyperparameter = 1e-2, etas: (Hyperparameter, Hyperparameter) = (0.5, 1.2),
                stepSizes: (Hyperparameter, Hyperparameter) = (1e-6, 50), maximize: Bool = false) {
        requireValid(lr, "Rprop", "Invalid learning rate: ") { $0 >= 0 }
        let minus = etas.0.values, plus = etas.1.values
        let valid = minus.allSatisfy { $0 > 0 && $0 < 1 } && plus.allSatisfy { $0 > 1 }
        precondition(valid, "Rprop: Invalid eta values: \(etas.0), \(etas.1)")
        hyper = Hyper(lr: lr, etaMinus: etas.0, etaPlus: etas.1, minStepSize: stepSizes.0, maxStepSize: stepSizes.1)
        self.maximize = maximize
    }

    /// Step 0: zero previous gradients; the step sizes are filled with this optimizer's
    /// `lr` for display, but the first step starts from the `lr` it is given.
    ///
    /// ```swift
    /// let state = Rprop().initialState(for: params)
    /// ```
    public func initialState(for params: Parameters) -> State {
        let sizes = params.map { path, p -> Tensor in
            let lr = (try? hyper.lr.value(for: path, like: p, "lr")) ?? p.scalarLike(0)
            return lr.detached().broadcast(to: p.shape)
        }
        return State(step: 0, prev: params.mapLeaves { $0.detached().zerosLike() }, stepSize: sizes)
    }

    /// One Rprop step; see the type's documentation for the rule.
    ///
    /// ```swift
    /// let (state1, params1) = try Rprop().step(state0, params0, grads)
    /// ```
    public func step(_ state: State, _ params: Parameters, _ grads: Parameters, _ hyper: Hyper) throws
        -> (State, Parameters) {
        try requireFit(grads, params, "Rprop gradients")
        try requireFit(state.prev, params, "Rprop state prev")
        try requireFit(state.stepSize, params, "Rprop state stepSize")
        var newP = [Tensor](), newPrev = [Tensor](), newSize = [Tensor]()
        for i in 0..<params.count {
            let path = params.paths[i], p = params.tensors[i]
            let g = maximize ? -grads.tensors[i] : grads.tensors[i]
            let etaMinus = try hyper.etaMinus.value(for: path, like: p, "etaMinus")
            let etaPlus = try hyper.etaPlus.value(for: path, like: p, "etaPlus")
            let lower = try hyper.minStepSize.value(for: path, like: p, "minStepSize")
            let upper = try hyper.maxStepSize.value(for: path, like: p, "maxStepSize")
            let previousSize: Tensor
            if state.step == 0 {
                previousSize = try hyper.lr.value(for: path, like: p, "lr").broadcast(to: p.shape)
            } else {
                previousSize = state.stepSize.tensors[i]
            }
            let direction = (g * state.prev.tensors[i]).detached().sign()
            let growing = direction.isGreater(than: 0), shrinking = direction.isLess(than: 0)
            let factor = Tensor.where(growing, etaPlus, Tensor.where(shrinking, etaMinus, p.scalarLike(1)))
            let size = (previousSize * factor).clamped(lower: lower, upper: upper)
            let masked = Tensor.where(shrinking, p.scalarLike(0), g)
            newP.append(p.addingProduct(p.scalarLike(-1), masked.sign(), size))
            newPrev.append(masked)
            newSize.append(size)
        }
        return (State(step: state.step + 1, prev: params.with(tensors: newPrev), stepSize: params.with(tensors: newSize)),
                params.with(tensors: newP))
    }
}
