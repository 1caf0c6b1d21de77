import Synchronization

/// Marks a trainable tensor of a ``Module``.
///
/// Reading the property gives the module's own value, or, inside a functional call
/// (``FunctionalModule``), the value bound for that call. The wrapper is a reference,
/// so a parameter reached through two paths (a shared submodule, tied weights) is one
/// parameter: ``makeFunctional(_:)`` lists it once and its gradient sums both uses.
///
/// ```swift
/// final class Scale: Module {
///     @Parameter var factor = Tensor([2.0])
///     @Parameter(frozen: true) var offset = Tensor([1.0])   // not trained
///     func callAsFunction(_ x: Tensor) -> Tensor { x * factor + offset }
/// }
/// ```
@propertyWrapper
public final class Parameter: Sendable {
    private let storage: Mutex<Tensor>
    /// Frozen parameters are used in the forward pass but neither trained nor
    /// differentiated: ``makeFunctional(_:)`` keeps them out of the parameter tree.
    ///
    /// ```swift
    /// Parameter(wrappedValue: Tensor.zeros([2]), frozen: true).isFrozen    // true
    /// ```
    public let isFrozen: Bool

    /// A parameter holding `wrappedValue`.
    ///
    /// ```swift
    /// @Parameter var weight = Tensor.zeros([3, 3])
    /// ```
    public init(wrappedValue: Tensor, frozen: Bool = false) {
        storage = Mutex(wrappedValue)
        isFrozen = frozen
    }

    /// The value in effect: the one bound by the enclosing functional call, else the
    /// module's own. Assigning changes the module's own value; that is refused inside a
    /// functional call, which must not change the module.
    ///
    /// ```swift
    /// model.fc.weight = Tensor.zeros([1, 40])
    /// ```
    public var wrappedValue: Tensor {
        get {
            if let binding = FunctionalBinding.current, let bound = binding.parameter(self) { return bound }
            return storage.withLock { $0 }
        }
        set {
            precondition(FunctionalBinding.current == nil,
                         "Parameter: a module's parameter was assigned inside a functional call; return new values instead")
            storage.withLock { $0 = newValue }
        }
    }

    /// The wrapper itself (`$weight`), to reach ``isFrozen`` or the module's own value.
    ///
    /// ```swift
    /// print(model.$weight.isFrozen)
    /// ```
    public var projectedValue: Parameter { self }

    /// The module's own value, ignoring any functional binding.
    ///
    /// ```swift
    /// let stored = model.$weight.storedValue
    /// ```
    public var storedValue: Tensor {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}

/// Marks a tensor of a ``Module`` that is state but not trained: batch-norm running
/// statistics, counters.
///
/// Inside a functional call, reads see the buffers passed to the call and writes are
/// collected and returned as a new value; the module itself is written only by
/// ``FunctionalModule/syncBuffers(_:)`` (higher's `buffer_sync`).
///
/// ```swift
/// final class RunningMean: Module {
///     @Buffer var mean = Tensor.zeros([4])
///     func callAsFunction(_ x: Tensor) -> Tensor {
///         if ModuleMode.current == .training { mean = 0.9 * mean + 0.1 * x.mean(alongAxis: 0).detached() }
///         return x - mean
///     }
/// }
/// ```
@propertyWrapper
public final class Buffer: Sendable {
    private let storage: Mutex<Tensor>

    /// A buffer holding `wrappedValue`.
    ///
    /// ```swift
    /// @Buffer var runningMean = Tensor.zeros([16])
    /// ```
    public init(wrappedValue: Tensor) {
        storage = Mutex(wrappedValue)
    }

    /// The value in effect: inside a functional call, the call's (possibly updated)
    /// buffer; otherwise the module's own.
    ///
    /// ```swift
    /// runningMean = 0.9 * runningMean + 0.1 * batchMean
    /// ```
    public var wrappedValue: Tensor {
        get {
            if let binding = FunctionalBinding.current, let bound = binding.buffer(self) { return bound }
            return storage.withLock { $0 }
        }
        set {
            if let binding = FunctionalBinding.current, binding.update(self, newValue) { return }
            storage.withLock { $0 = newValue }
        }
    }

    /// The wrapper itself (`$runningMean`).
    ///
    /// ```swift
    /// let stored = model.$runningMean.storedValue
    /// ```
    public var projectedValue: Buffer { self }

    /// The module's own value, ignoring any functional binding.
    ///
    /// ```swift
    /// model.$runningMean.storedValue = Tensor.zeros([16])
    /// ```
    public var storedValue: Tensor {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}
