/// Rectified Adam (`torch.optim.RAdam`).
///
/// Update rule (`g` negated when `maximize`, `t` 1-based):
///
///     p ← p·(1 − lr·weightDecay)                (decoupled weight decay)
///     g ← g + weightDecay·p                     (coupled, the default)
///     m ← β₁·m + (1 − β₁)·g;   v ← β₂·v + (1 − β₂)·g²
///     m̂ = m / (1 − β₁ᵗ)
///     ρ∞ = 2/(1 − β₂) − 1;   ρ_t = ρ∞ − 2t·β₂ᵗ/(1 − β₂ᵗ)
///     ρ_t > 5:  r = √((ρ_t − 4)(ρ_t − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρ_t))
///               p ← p − m̂·lr·√(1 − β₂ᵗ)/(√v + ε)·r
///     else:     p ← p − m̂·lr
///
/// With the default β₂ = 0.999, ρ_t ≤ 5 for t ≤ 5: the first five steps are plain
/// momentum steps. The branch is chosen by value (per element when β₂ differs per
/// element); both branches are differentiable in the learning rate and the betas. The
/// square root's derivative at `v = 0` is taken as 0 (see ``Tensor/safeSqrt()``).
///
/// Defaults: `lr = 0.001`, `betas = (0.9, 0.999)`, `eps = 1e-8`, `weightDecay = 0`.
///
/// ```swift
/// let radam = RAdam(lr: 1e-3)
/// (state, params) = try radam.step(state, params, grads)
/// ```
public struct RAdam: Optimizer {
    /// The same settings as Adam.
    ///
    /// ```swift
    /// let h: RAdam.Hyper = Adam.Hyper(lr: 1e-3)
    /// ```
    public typealias Hyper = Adam.Hyper

    /// The step count and the two moments.
    ///
    /// ```swift
    /// let s = RAdam().initialState(for: params)
    /// ```
    public struct State: DifferentiableTree, Sendable {
        /// The number of steps taken.
        ///
        /// ```swift
        /// RAdam().initialState(for: params).step     // 0
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

        /// A state from its parts.
        ///
        /// ```swift
        /// let s = RAdam.State(step: 0, expAvg: zeros, expAvgSq: zeros)
        /// ```
        public init(step: Int, expAvg: Parameters, expAvgSq: Parameters) {
            self.step = step
            self.expAvg = expAvg
            self.expAvgSq = expAvgSq
        }

        /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
        ///
        /// ```swift
        /// let count = value.leaves.count
        /// ```
        public var leaves: [Tensor] { expAvg.leaves + expAvgSq.leaves }

        /// The same value with every tensor transformed, in the order of ``leaves``.
        ///
        /// ```swift
        /// let doubled = value.mapLeaves { $0 * 2 }
        /// ```
        public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> State {
            State(step: step, expAvg: try expAvg.mapLeaves(transform), expAvgSq: try expAvgSq.mapLeaves(transform))
        }
    }

    /// The settings this optimizer was made with, used by ``Optimizer/step(_:_:_:)``.
    ///
    /// ```swift
    /// RAdam(lr: 0.01).hyper.lr.values     // [0.01]
    /// ```
    public var hyper: Hyper
    /// Decay the parameters directly (`p·(1 − lr·weightDecay)`) instead of adding
    /// `weightDecay·p` to the gradient.
    ///
    /// ```swift
    /// let radamw = RAdam(weightDecay: 0.01, decoupledWeightDecay: true)
    /// ```
    public var decoupledWeightDecay: Bool
    /// Ascend the objective instead of descending it.
    ///
    /// ```swift
    /// let ascent = RAdam(maximize: true)
    /// ```
    public var maximize: Bool

    /// RAdam with torch's defaults for everything not given.
    ///
    /// ```swift
    /// let radam = RAdam(lr: 1e-3, weightDecay: 0.01, decoupledWeightDecay: true)
    /// ```
    public init(lr: Hyperparameter = 1e-3, betas: (Hyperparameter, Hyperparameter) = (0.9, 0.999),
                eps: Hyperparameter = 1e-8, weightDecay: Hyperparameter = 0, decoupledWeightDecay: Bool = false,
                maximize: Bool = false) {
        validateAdamSettings("RAdam", lr, betas, eps, weightDecay)
        hyper = Hyper(lr: lr, beta1: betas.0, beta2: betas.1, eps: eps, weightDecay: weightDecay)
        self.decoupledWeightDecay = decoupledWeightDecay
        self.maximize = maximize
    }

    /// Step 0 with zero moments.
    ///
    /// ```swift
    /// let state = RAdam().initialState(for: params)
    /// ```
    public func initialState(for params: Parameters) -> State {
        let zeros = params.mapLeaves { $0.detached().zerosLike() }
        return State(step: 0, expAvg: zeros, expAvgSq: zeros)
    }

    /// One RAdam step; see the type's documentation for the rule.
    ///
    /// ```swift
    /// let (state1, params1) = try RAdam().step(state0, params0, grads)
    /// ```
    public func step(_ state: State, _ params: Parameters, _ grads: Parameters, _ hyper: Hyper) throws
        -> (State, Parameters) {
        try requireFit(grads, params, "RAdam gradients")
        try requireFit(state.expAvg, params, "RAdam state expAvg")
        try requireFit(state.expAvgSq, params, "RAdam state expAvgSq")
        let t = state.step + 1, step = Double(t)
        let decay = !hyper.weightDecay.isConstantZero
        var newP = [Tensor](), newM = [Tensor](), newV = [Tensor]()
        for i in 0..<params.count {
            let path = params.paths[i]
            var p = params.tensors[i]
            var g = maximize ? -grads.tensors[i] : grads.tensors[i]
            let lr = try hyper.lr.value(for: path, like: p, "lr")
            let beta1 = try hyper.beta1.value(for: path, like: p, "beta1")
            let beta2 = try hyper.beta2.value(for: path, like: p, "beta2")
            let eps = try hyper.eps.value(for: path, like: p, "eps")
            if decay {
                let weightDecay = try hyper.weightDecay.value(for: path, like: p, "weightDecay")
                if decoupledWeightDecay { p = p * (1 - lr * weightDecay) } else { g = g + weightDecay * p }
            }
            let m = state.expAvg.tensors[i].lerp(to: g, weight: 1 - beta1)
            let v = (state.expAvgSq.tensors[i] * beta2).addingProduct(1 - beta2, g, g)
            let biasCorrection1 = 1 - beta1.pow(step)
            let biasCorrection2 = 1 - beta2.pow(step)
            let corrected = m / biasCorrection1
            let rhoInfinity = 2 / (1 - beta2) - 1
            let rho = rhoInfinity - 2 * step * beta2.pow(step) / biasCorrection2
            func rectified(_ rho: Tensor) -> Tensor {
                let rect = ((rho - 4) * (rho - 2) * rhoInfinity / ((rhoInfinity - 4) * (rhoInfinity - 2) * rho)).pow(0.5)
                let adaptive = biasCorrection2.pow(0.5) / (v.safeSqrt() + eps)
                return corrected * lr * adaptive * rect
            }
            let update: Tensor
            if rho.count == 1 {
                update = rho.item > 5 ? rectified(rho) : corrected * lr
            } else {
                // Per-element β₂: pick per element; the rectified branch is evaluated at a
                // harmless ρ where it is not picked, so no NaN reaches either derivative.
                let picked = rho.isGreater(than: 5)
                let safeRho = Tensor.where(picked, rho, rho.scalarLike(6))
                update = Tensor.where(picked, rectified(safeRho), corrected * lr)
            }
            newP.append(p - update)
            newM.append(m)
            newV.append(v)
        }
        return (State(step: t, expAvg: params.with(tensors: newM), expAvgSq: params.with(tensors: newV)),
                params.with(tensors: newP))
    }
}
