/// Adafactor (`torch.optim.Adafactor`): a second-moment estimate kept as row and column
/// factors for matrices, with relative step sizes and update clipping.
///
/// Update rule (`g` negated when `maximize`, `t` 1-based, `n` the element count, `RMS(x)
/// = ‖x‖₂/√n`):
///
///     β̂_t = t^beta2Decay;   ρ_t = min(lr, 1/√t);   α = max(ε₂, RMS(p))·ρ_t
///     p ← p·(1 − lr·weightDecay)                           (when weightDecay ≠ 0)
///     rank ≥ 2 (factored over the last two axes):
///         R ← lerp(R, mean(g², last axis), β̂_t);   C ← lerp(C, mean(g², second-to-last), β̂_t)
///         V = R·C / max(mean(R, second-to-last axis), ε₁)
///     rank ≤ 1:   V ← lerp(V, g², β̂_t)
///     u = g / √max(V, ε₁²);   p ← p − α / max(1, RMS(u)/d) · u
///
/// ε₁ defaults to the dtype's machine epsilon (torch's `eps=(None, 1e-3)`).
///
/// torch computes `α` and the clipping denominator with `.item()`, which cuts them out of
/// any graph (its Adafactor has no differentiable mode). Here every quantity stays a
/// differentiable tensor, so meta-gradients include the dependence of `α` on the
/// parameters and of the clipping on the update; values agree with torch to round-off.
/// `RMS` at an all-zero tensor (zero parameters or a zero gradient) uses the square
/// root's derivative 0 at 0 (see ``Tensor/safeSqrt()``); `max` and `min` split their
/// derivative evenly at ties, and `max(V, ε₁²)` passes it to `V` at the bound.
///
/// Defaults: `lr = 0.01`, `beta2Decay = −0.8`, `eps = (nil, 1e-3)`, `d = 1`,
/// `weightDecay = 0`.
///
/// ```swift
/// let adafactor = Adafactor(lr: 0.01)
/// (state, params) = try adafactor.step(state, params, grads)
/// ```
public struct Adafactor: Optimizer {
    /// Adafactor's real-valued settings; `eps1 == nil` means the dtype's machine epsilon.
    ///
    /// ```swift
    /// let h = Adafactor.Hyper(lr: 0.02, d: 2)
    /// ```
    public struct Hyper: DifferentiableTree, Sendable {
        /// The learning rate.
        ///
        /// ```swift
        /// Adafactor.Hyper().lr.values     // [0.01]
        /// ```
        public var lr: Hyperparameter
        /// The exponent of the second moment's decay rate `t^beta2Decay`.
        ///
        /// ```swift
        /// Adafactor.Hyper().beta2Decay.values     // [-0.8]
        /// ```
        public var beta2Decay: Hyperparameter
        /// The floor of the second-moment estimate (`nil`: the dtype's machine epsilon).
        ///
        /// ```swift
        /// Adafactor.Hyper().eps1 == nil     // true
        /// Adafactor(eps: (1e-30, 1e-3)).hyper.eps1?.values     // [1e-30]
        /// ```
        public var eps1: Hyperparameter?
        /// The floor of the relative step size's parameter scale.
        ///
        /// ```swift
        /// Adafactor.Hyper().eps2.values     // [0.001]
        /// ```
        public var eps2: Hyperparameter
        /// The update-clipping threshold.
        ///
        /// ```swift
        /// Adafactor.Hyper(d: 2).d.values     // [2.0]
        /// ```
        public var d: Hyperparameter
        /// The weight decay (L2 penalty) factor.
        ///
        /// ```swift
        /// Adafactor(weightDecay: 0.01).hyper.weightDecay.values     // [0.01]
        /// ```
        public var weightDecay: Hyperparameter

        /// Settings with torch's defaults for everything not given.
        ///
        /// ```swift
        /// let h = Adafactor.Hyper(lr: 0.01, beta2Decay: -0.8)
        /// ```
        public init(lr: Hyperparameter = 1e-2, beta2Decay: Hyperparameter = -0.8, eps1: Hyperparameter? = nil,
                    eps2: Hyperparameter = 1e-3, d: Hyperparameter = 1, weightDecay: Hyperparameter = 0) {
            self.lr = lr
            self.beta2Decay = beta2Decay
            self.eps1 = eps1
            self.eps2 = eps2
            self.d = d
            self.weightDecay = weightDecay
        }

        /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
        ///
        /// ```swift
        /// let count = value.leaves.count
        /// ```
        public var leaves: [Tensor] {
            lr.leaves + beta2Decay.leaves + (eps1?.leaves ?? []) + eps2.leaves + d.leaves + weightDecay.leaves
        }

        /// The same value with every tensor transformed, in the order of ``leaves``.
        ///
        /// ```swift
        /// let doubled = value.mapLeaves { $0 * 2 }
        /// ```
        public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> Hyper {
            Hyper(lr: try lr.mapLeaves(transform), beta2Decay: try beta2Decay.mapLeaves(transform),
                  eps1: try eps1?.mapLeaves(transform), eps2: try eps2.mapLeaves(transform),
                  d: try d.mapLeaves(transform), weightDecay: try weightDecay.mapLeaves(transform))
        }
    }

    /// The step count and the second-moment estimate: row and column factors for
    /// parameters of rank ≥ 2 (shapes `[…, rows, 1]` and `[…, 1, columns]`), the full
    /// `variance` for the others. Each tree holds only the paths it applies to.
    ///
    /// ```swift
    /// let s = Adafactor().initialState(for: params)
    /// print(s.rowVar.paths, s.variance.paths)
    /// ```
    public struct State: DifferentiableTree, Sendable {
        /// The number of steps taken.
        ///
        /// ```swift
        /// Adafactor().initialState(for: params).step     // 0
        /// ```
        public var step: Int
        /// The row factors of the second moment, for parameters of rank ≥ 2.
        ///
        /// ```swift
        /// let s = Adafactor().initialState(for: ["w": Tensor.ones([3, 4])])
        /// s.rowVar["w"]?.shape     // [3, 1]
        /// ```
        public var rowVar: Parameters
        /// The column factors of the second moment, for parameters of rank ≥ 2.
        ///
        /// ```swift
        /// let s = Adafactor().initialState(for: ["w": Tensor.ones([3, 4])])
        /// s.colVar["w"]?.shape     // [1, 4]
        /// ```
        public var colVar: Parameters
        /// The second moment, for parameters of rank ≤ 1.
        ///
        /// ```swift
        /// let s = Adafactor().initialState(for: ["w": Tensor.ones([3, 4]), "b": Tensor.zeros([4])])
        /// s.variance.paths     // ["b"]
        /// ```
        public var variance: Parameters

        /// A state from its parts.
        ///
        /// ```swift
        /// let s = Adafactor.State(step: 0, rowVar: rows, colVar: cols, variance: vectors)
        /// ```
        public init(step: Int, rowVar: Parameters, colVar: Parameters, variance: Parameters) {
            self.step = step
            self.rowVar = rowVar
            self.colVar = colVar
            self.variance = variance
        }

        /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
        ///
        /// ```swift
        /// let count = value.leaves.count
        /// ```
        public var leaves: [Tensor] { rowVar.leaves + colVar.leaves + variance.leaves }

        /// The same value with every tensor transformed, in the order of ``leaves``.
        ///
        /// ```swift
        /// let doubled = value.mapLeaves { $0 * 2 }
        /// ```
        public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> State {
            State(step: step, rowVar: try rowVar.mapLeaves(transform), colVar: try colVar.mapLeaves(transform),
                  variance: try variance.mapLeaves(transform))
        }
    }

    /// The settings this optimizer was made with, used by ``Optimizer/step(_:_:_:)``.
    ///
    /// ```swift
    /// Adafactor(lr: 0.02).hyper.lr.values     // [0.02]
    /// ```
    public var hyper: Hyper
    /// Ascend the objective instead of descending it.
    ///
    /// ```swift
    /// let ascent = Adafactor(maximize: true)
    /// ```
    public var maximize: Bool

    /// Adafactor with torch's defaults for everything not given; `eps.0 == nil` uses the
    /// dtype's machine epsilon.
    ///
    /// ```swift
    /// let adafactor = Adafactor(lr: 0.01, eps: (nil, 1e-3), d: 1)
    /// ```
    public init(lr: Hyperparameter = 1e-2, beta2Decay: Hyperparameter = -0.8,
                eps: (Hyperparameter?, Hyperparameter) = (nil, 1e-3), d: Hyperparameter = 1,
                weightDecay: Hyperparameter = 0, maximize: Bool = false) {
        requireValid(lr, "Adafactor", "Learning rate should be >= 0 but is: ") { $0 >= 0 }
        requireValid(beta2Decay, "Adafactor", "beta2_decay should be <= 0 but is: ") { $0 <= 0 }
        if let eps1 = eps.0 { requireValid(eps1, "Adafactor", "epsilon1 should be >= 0 but is: ") { $0 >= 0 } }
        requireValid(eps.1, "Adafactor", "epsilon2 should be >= 0 but is: ") { $0 >= 0 }
        requireValid(d, "Adafactor", "Clipping threshold d should be >= 1 but is: ") { $0 >= 1 }
        requireValid(weightDecay, "Adafactor", "weight_decay should be >= 0 but is: ") { $0 >= 0 }
        hyper = Hyper(lr: lr, beta2Decay: beta2Decay, eps1: eps.0, eps2: eps.1, d: d, weightDecay: weightDecay)
        self.maximize = maximize
    }

    /// Step 0: zero factors for parameters of rank ≥ 2, zero variances for the others.
    ///
    /// ```swift
    /// let state = Adafactor().initialState(for: params)
    /// ```
    public func initialState(for params: Parameters) -> State {
        var rows = [(String, Tensor)](), cols = [(String, Tensor)](), variances = [(String, Tensor)]()
        for (path, p) in zip(params.paths, params.tensors) {
            if p.rank > 1 {
                let (r, c) = Adafactor.factorShapes(p.shape)
                rows.append((path, Tensor.zeros(r, dtype: p.dtype)))
                cols.append((path, Tensor.zeros(c, dtype: p.dtype)))
            } else {
                variances.append((path, p.detached().zerosLike()))
            }
        }
        return State(step: 0, rowVar: Parameters(rows), colVar: Parameters(cols), variance: Parameters(variances))
    }

    static func factorShapes(_ shape: [Int]) -> (rows: [Int], columns: [Int]) {
        var rows = shape, cols = shape
        rows[rows.count - 1] = 1
        cols[cols.count - 2] = 1
        return (rows, cols)
    }

    /// One Adafactor step; see the type's documentation for the rule.
    ///
    /// ```swift
    /// let (state1, params1) = try Adafactor().step(state0, params0, grads)
    /// ```
    public func step(_ state: State, _ params: Parameters, _ grads: Parameters, _ hyper: Hyper) throws
        -> (State, Parameters) {
        try requireFit(grads, params, "Adafactor gradients")
        let t = state.step + 1, step = Double(t)
        let decay = !hyper.weightDecay.isConstantZero
        var newP = [Tensor](), rows = [(String, Tensor)](), cols = [(String, Tensor)](), variances = [(String, Tensor)]()
        for i in 0..<params.count {
            let path = params.paths[i]
            var p = params.tensors[i]
            let g = maximize ? -grads.tensors[i] : grads.tensors[i]
            let lr = try hyper.lr.value(for: path, like: p, "lr")
            let beta2Decay = try hyper.beta2Decay.value(for: path, like: p, "beta2Decay")
            let eps1 = try hyper.eps1?.value(for: path, like: p, "eps1") ?? p.scalarLike(machineEpsilon(p.dtype))
            let eps2 = try hyper.eps2.value(for: path, like: p, "eps2")
            let d = try hyper.d.value(for: path, like: p, "d")
            let oneMinusBeta2 = pow(step, beta2Decay)
            let rho = Tensor.minimum(lr, p.scalarLike(1 / step.squareRoot()))
            let count = Double(Swift.max(p.count, 1))
            let alpha = Tensor.maximum(eps2, (p * p).sum().safeSqrt() / count.squareRoot()) * rho
            if decay {
                let weightDecay = try hyper.weightDecay.value(for: path, like: p, "weightDecay")
                p = p * (1 - lr * weightDecay)
            }
            let estimate: Tensor
            if g.rank > 1 {
                let (rowShape, colShape) = Adafactor.factorShapes(p.shape)
                guard let rowVar = state.rowVar[path] else { throw ParametersError.missingPath(path, in: "Adafactor state rowVar") }
                guard let colVar = state.colVar[path] else { throw ParametersError.missingPath(path, in: "Adafactor state colVar") }
                if rowVar.shape != rowShape { throw ParametersError.shapeMismatch(path: path, expected: rowShape, actual: rowVar.shape) }
                if colVar.shape != colShape { throw ParametersError.shapeMismatch(path: path, expected: colShape, actual: colVar.shape) }
                let squared = g * g
                let row = rowVar.lerp(to: squared.mean(alongAxis: -1, keepingDimensions: true), weight: oneMinusBeta2)
                let col = colVar.lerp(to: squared.mean(alongAxis: -2, keepingDimensions: true), weight: oneMinusBeta2)
                rows.append((path, row))
                cols.append((path, col))
                estimate = row * col / row.mean(alongAxis: -2, keepingDimensions: true).clamped(lower: eps1, upper: nil)
            } else {
                guard let variance = state.variance[path] else { throw ParametersError.missingPath(path, in: "Adafactor state variance") }
                if variance.shape != p.shape { throw ParametersError.shapeMismatch(path: path, expected: p.shape, actual: variance.shape) }
                let v = variance.lerp(to: g * g, weight: oneMinusBeta2)
                variances.append((path, v))
                estimate = v
            }
            let update = estimate.clamped(lower: eps1 * eps1, upper: nil).rsqrt() * g
            let updateRMS = (update * update).sum().safeSqrt() / (count.squareRoot() * d)
            let denom = Tensor.maximum(p.scalarLike(1), updateRMS)
            newP.append(p + (-alpha / denom) * update)
        }
        try requireNoExtraPaths(state.rowVar, rows, "Adafactor state rowVar")
        try requireNoExtraPaths(state.colVar, cols, "Adafactor state colVar")
        try requireNoExtraPaths(state.variance, variances, "Adafactor state variance")
        let newState = State(step: t, rowVar: Parameters(rows), colVar: Parameters(cols), variance: Parameters(variances))
        return (newState, params.with(tensors: newP))
    }

    private func requireNoExtraPaths(_ tree: Parameters, _ used: [(String, Tensor)], _ context: String) throws {
        if tree.count == used.count { return }
        let known = Set(used.map(\.0))
        if let extra = tree.paths.first(where: { !known.contains($0) }) { throw ParametersError.unexpectedPath(extra, in: context) }
    }
}
