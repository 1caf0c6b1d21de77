import Synchronization

/// The model as one step of an inner loop sees it (higher's `fmodel`): the model bound to
/// that step's parameters, buffers and the loop's meta-parameters. Loss functions receive
/// one and call it like the model.
///
/// ```swift
/// try loop.step { m in
///     meanSquaredError(predicted: try m(x), target: y)         // the model at this step
/// }
/// try loop.step { m in
///     let weights = softmax(m.meta.tensor(at: "exampleWeights"))  // a meta-parameter
///     return (weights * (try m(x) - y).squared().sum(alongAxis: 1)).sum()
/// }
/// ```
public struct StepModel<Model: FunctionalModel> {
    /// The model's parameters at this step (traced while the library differentiates).
    ///
    /// ```swift
    /// let w = m.parameters.tensor(at: "weight")    // inside a loss: this step's weight
    /// ```
    public let parameters: Parameters
    /// The loop's meta-parameters (learned loss, per-example weights, distilled data…).
    ///
    /// ```swift
    /// let weights = m.meta.tensor(at: "exampleWeights")    // inside a loss: a meta-parameter
    /// ```
    public let meta: Parameters
    let model: Model
    let buffers: BufferSlot

    /// The model's output at this step's parameters, in the current ``ModuleMode``.
    ///
    /// ```swift
    /// let y = try m(x)
    /// ```
    public func callAsFunction(_ input: Model.Input) throws -> Model.Output {
        let (output, updated) = try model.apply(input, parameters: parameters, buffers: buffers.value)
        buffers.value = updated.detached()
        return output
    }

    /// The model's output in an explicit mode (`.evaluation` uses running statistics).
    ///
    /// ```swift
    /// let y = try m(x, mode: .evaluation)
    /// ```
    public func callAsFunction(_ input: Model.Input, mode: ModuleMode) throws -> Model.Output {
        try mode.run { try self(input) }
    }
}

/// The buffers of one step: read by the forward pass, replaced by the updated ones.
final class BufferSlot: Sendable {
    private let storage: Mutex<Parameters>
    init(_ value: Parameters) { storage = Mutex(value) }
    var value: Parameters {
        get { storage.withLock { $0 } }
        set { storage.withLock { $0 = newValue } }
    }
}
