/// A model as a pure function of its parameters: what the inner loop, the optimizers and
/// the meta-gradient strategies work with.
///
/// ``makeFunctional(_:)`` gives one for any class ``Module``. A model can also be written
/// directly as a struct by listing its parameters explicitly:
///
/// ```swift
/// struct Line: FunctionalModel {
///     var parameters: Parameters = ["weight": Tensor([[2.0]]), "bias": Tensor([0.5])]
///     func apply(_ x: Tensor, parameters p: Parameters, buffers: Parameters) -> (output: Tensor, buffers: Parameters) {
///         (matmul(x, p.tensor(at: "weight"), transposeB: true) + p.tensor(at: "bias"), buffers)
///     }
/// }
/// let model = Line()
/// let y = try model(Tensor([[1.0]]), parameters: model.parameters)    // [[2.5]]
/// ```
public protocol FunctionalModel<Input, Output> {
    associatedtype Input = Tensor
    associatedtype Output = Tensor
    /// The model's own (initial) parameters, in a fixed order.
    var parameters: Parameters { get }
    /// The model's own buffers (running statistics…); empty by default.
    var buffers: Parameters { get }
    /// The forward pass with the given parameters and buffers, returning the output and
    /// the buffers as the pass left them (unchanged unless a layer updates statistics in
    /// training mode). Throws when the parameters or buffers do not fit the model.
    func apply(_ input: Input, parameters: Parameters, buffers: Parameters) throws -> (output: Output, buffers: Parameters)
}

extension FunctionalModel {
    /// No buffers unless a model declares some.
    ///
    /// ```swift
    /// model.buffers.count   // 0 for a struct model without buffers
    /// ```
    public var buffers: Parameters { Parameters() }

    /// The output with the given parameters and the model's own buffers (buffer updates
    /// are dropped; use ``apply(_:parameters:buffers:)`` to keep them).
    ///
    /// ```swift
    /// let y = try model(x, parameters: fastWeights)
    /// ```
    public func callAsFunction(_ input: Input, parameters: Parameters) throws -> Output {
        try apply(input, parameters: parameters, buffers: buffers).output
    }
}
