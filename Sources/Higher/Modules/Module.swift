/// A neural-network building block written as a class, the way models are usually
/// written and shared: stored properties marked ``Parameter`` and ``Buffer``, stored
/// submodules (also in arrays and optionals), and a forward pass.
///
/// ```swift
/// final class MLP: Module {
///     let fc1 = Linear(1, 40, using: &rng)
///     let fc2 = Linear(40, 1, using: &rng)
///     func callAsFunction(_ x: Tensor) -> Tensor { fc2(relu(fc1(x))) }
/// }
/// let model = MLP()
/// let f = makeFunctional(model)          // a pure value: parameters + apply
/// let y = try f(x, parameters: f.parameters)
/// ```
///
/// A module never has to be mutated to be trained or differentiated: ``makeFunctional(_:)``
/// binds other parameter values for the duration of one call (through a task-local
/// binding the property wrappers read), so one instance serves many tasks at once.
public protocol Module<Input, Output>: AnyObject {
    associatedtype Input = Tensor
    associatedtype Output = Tensor
    /// The forward pass.
    func callAsFunction(_ input: Input) -> Output
}

/// Whether layers such as dropout and batch normalisation behave as in training
/// (the default, as in PyTorch) or as in evaluation.
///
/// The mode is not stored in the modules: it holds for the duration of a call, for
/// every module that runs inside it, so the same module can be evaluated in one task
/// while it is trained in another.
///
/// ```swift
/// let prediction = ModuleMode.evaluation.run { model(x) }
/// ```
public enum ModuleMode: Sendable, Hashable {
    case training
    case evaluation

    /// The mode in effect in this task (training unless a caller chose otherwise).
    ///
    /// ```swift
    /// if ModuleMode.current == .training { /* use batch statistics */ }
    /// ```
    public static var current: ModuleMode { ModuleMode.taskLocal.get() }

    /// Runs `body` with this mode in effect.
    ///
    /// ```swift
    /// let y = ModuleMode.evaluation.run { model(x) }
    /// ```
    public func run<R>(_ body: () throws -> R) rethrows -> R {
        try ModuleMode.taskLocal.withValue(self, operation: body)
    }

    static let taskLocal = TaskLocal<ModuleMode>(wrappedValue: .training)
}
