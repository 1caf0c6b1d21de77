/// A stateless, differentiable optimizer: one step is a pure function
/// `(state, parameters, gradients, hyperparameters) -> (state, parameters)`.
///
/// Nothing is mutated: a step returns the new state and parameters as values, so a
/// sequence of steps can be unrolled inside ``gradient(at:of:)`` and differentiated with
/// respect to the initial parameters, the state and the hyperparameters (`Hyper`, whose
/// values are ``Hyperparameter``s: plain numbers or traced tensors). Every step is built
/// from differentiable tensor operations, so it has a JVP and a VJP for free and nests
/// to any order.
///
/// Conforming a type is all it takes to use a new optimizer in an inner loop (higher's
/// `register_optim`, without a registry). `State` and `Hyper` are ``DifferentiableTree``s,
/// so strategies that walk an unroll backwards can differentiate one step with respect
/// to each of them.
///
/// ```swift
/// let adam = Adam(lr: 0.01)
/// var state = adam.initialState(for: params)
/// for _ in 0..<100 {
///     let grads = gradient(at: params) { p in loss(p) }
///     (state, params) = try adam.step(state, params, grads)
/// }
/// ```
public protocol Optimizer: Sendable {
    /// What the optimizer carries between steps (moments, step count…).
    associatedtype State: DifferentiableTree & Sendable
    /// The real-valued settings (learning rate, betas…), each a ``Hyperparameter``.
    associatedtype Hyper: DifferentiableTree & Sendable

    /// The settings this optimizer was made with, used by ``step(_:_:_:)``.
    var hyper: Hyper { get }

    /// The state before the first step, for parameters shaped like `params` (zeros and
    /// step 0, exactly as `torch.optim` creates it).
    func initialState(for params: Parameters) -> State

    /// One update with the settings `hyper`. Throws a ``ParametersError`` naming the path
    /// when `grads` or the state does not fit `params`; nothing is ever half-updated, since
    /// the result is a new value.
    func step(_ state: State, _ params: Parameters, _ grads: Parameters, _ hyper: Hyper) throws
        -> (State, Parameters)
}

extension Optimizer {
    /// One update with the optimizer's own settings.
    ///
    /// ```swift
    /// let (state1, params1) = try SGD(lr: 0.1).step(state0, params0, grads)
    /// ```
    public func step(_ state: State, _ params: Parameters, _ grads: Parameters) throws
        -> (State, Parameters) {
        try step(state, params, grads, hyper)
    }
}
