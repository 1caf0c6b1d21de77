/// A function applied to the gradients before an optimizer sees them (higher's
/// `grad_callback`): clipping, noise, masking… Any differentiable `(Parameters) ->
/// Parameters` works; it must keep the tree's structure.
///
/// ```swift
/// let clip = GradientTransform.clipByGlobalNorm(1.0)
/// let opt = Adam(lr: 1e-3).transformingGradients(clip)
/// let masked = GradientTransform { g in g.map { path, t in path.hasPrefix("frozen") ? t * 0 : t } }
/// ```
public struct GradientTransform: Sendable {
    let body: @Sendable (Parameters) throws -> Parameters

    /// A transform from a function of the gradient tree.
    ///
    /// ```swift
    /// let halve = GradientTransform { g in 0.5 * g }
    /// ```
    public init(_ body: @escaping @Sendable (Parameters) throws -> Parameters) {
        self.body = body
    }

    /// Applies the transform.
    ///
    /// ```swift
    /// let clipped = try GradientTransform.clipByValue(1)(grads)
    /// ```
    public func callAsFunction(_ grads: Parameters) throws -> Parameters { try body(grads) }

    /// This transform, then `next`.
    ///
    /// ```swift
    /// let both = GradientTransform.clipByValue(5).then(.clipByGlobalNorm(1))
    /// ```
    public func then(_ next: GradientTransform) -> GradientTransform {
        GradientTransform { g in try next(self(g)) }
    }

    /// Scales all gradients together so their global Euclidean norm is at most
    /// `maxNorm`, as `torch.nn.utils.clip_grad_norm_`: with `n = √(Σ g²)` over every
    /// element of every tensor, `g ← g · min(1, maxNorm / (n + epsilon))`.
    ///
    /// Differentiable: the norm's square root takes derivative 0 at an all-zero tree
    /// (see ``Tensor/safeSqrt()``) and the `min` passes the derivative to the ratio where
    /// it equals 1. Tensors of another dtype than the first are summed in the first's.
    ///
    /// ```swift
    /// let clip = GradientTransform.clipByGlobalNorm(1.0)
    /// ```
    public static func clipByGlobalNorm(_ maxNorm: Double, epsilon: Double = 1e-6) -> GradientTransform {
        precondition(maxNorm >= 0, "clipByGlobalNorm: maxNorm must be ≥ 0, not \(maxNorm)")
        return GradientTransform { grads in
            guard let first = grads.tensors.first else { return grads }
            var total = first.scalarLike(0)
            for t in grads.tensors { total = total + (t * t).sum().cast(to: first.dtype) }
            let norm = total.safeSqrt()
            let coefficient = (maxNorm / (norm + epsilon)).clamped(max: 1)
            return grads.mapLeaves { $0 * coefficient.cast(to: $0.dtype) }
        }
    }

    /// Limits every gradient element to `[−limit, limit]`, as
    /// `torch.nn.utils.clip_grad_value_` (derivative 1 inside, bounds included, 0 outside).
    ///
    /// ```swift
    /// let clip = GradientTransform.clipByValue(0.5)
    /// ```
    public static func clipByValue(_ limit: Double) -> GradientTransform {
        precondition(limit >= 0, "clipByValue: limit must be ≥ 0, not \(limit)")
        return GradientTransform { grads in grads.mapLeaves { $0.clamped(min: -limit, max: limit) } }
    }
}

/// An optimizer that transforms the gradients before each step of its base optimizer;
/// made by ``Optimizer/transformingGradients(_:)``. Same state and settings as the base.
///
/// ```swift
/// let opt = SGD(lr: 0.1, momentum: 0.9).transformingGradients(.clipByGlobalNorm(1))
/// (state, params) = try opt.step(state, params, grads)
/// ```
public struct TransformedGradients<Base: Optimizer>: Optimizer {
    /// The base optimizer's settings.
    ///
    /// ```swift
    /// let h: TransformedGradients<SGD>.Hyper = SGD.Hyper(lr: 0.1)
    /// ```
    public typealias Hyper = Base.Hyper
    /// The base optimizer's state.
    ///
    /// ```swift
    /// let s: TransformedGradients<SGD>.State = SGD().initialState(for: params)
    /// ```
    public typealias State = Base.State

    /// The optimizer that receives the transformed gradients.
    ///
    /// ```swift
    /// SGD(lr: 0.1).transformingGradients(.clipByValue(1)).base.hyper.lr.values     // [0.1]
    /// ```
    public var base: Base
    /// The transform.
    ///
    /// ```swift
    /// let opt = SGD(lr: 0.1).transformingGradients(.clipByValue(1))
    /// let seen = try opt.transform(grads)     // what the base optimizer receives
    /// ```
    public var transform: GradientTransform

    /// `base` fed with `transform(grads)`.
    ///
    /// ```swift
    /// let opt = TransformedGradients(base: Adam(), transform: .clipByValue(1))
    /// ```
    public init(base: Base, transform: GradientTransform) {
        self.base = base
        self.transform = transform
    }

    /// The base optimizer's settings.
    ///
    /// ```swift
    /// SGD(lr: 0.1).transformingGradients(.clipByValue(1)).hyper.lr.values     // [0.1]
    /// ```
    public var hyper: Hyper { base.hyper }

    /// The base optimizer's initial state.
    ///
    /// ```swift
    /// let state = opt.initialState(for: params)
    /// ```
    public func initialState(for params: Parameters) -> State { base.initialState(for: params) }

    /// Transforms the gradients (throwing if the result no longer fits the parameters),
    /// then steps the base optimizer.
    ///
    /// ```swift
    /// (state, params) = try opt.step(state, params, grads)
    /// ```
    public func step(_ state: State, _ params: Parameters, _ grads: Parameters, _ hyper: Hyper) throws
        -> (State, Parameters) {
        try requireFit(grads, params, "gradients")
        let transformed = try transform(grads)
        try requireFit(transformed, params, "transformed gradients")
        return try base.step(state, params, transformed, hyper)
    }
}

extension Optimizer {
    /// This optimizer with `transform` applied to the gradients before every step.
    ///
    /// ```swift
    /// let opt = Adam(lr: 1e-3).transformingGradients(.clipByGlobalNorm(1.0))
    /// ```
    public func transformingGradients(_ transform: GradientTransform) -> TransformedGradients<Self> {
        TransformedGradients(base: self, transform: transform)
    }
}
