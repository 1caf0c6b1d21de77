/// Ordinary training of a class ``Module`` with a stateless optimizer: each step takes
/// the gradient of a loss at the current weights, applies the pure optimizer step, and
/// writes the new weights (and any buffers the forward pass updated) into the module.
///
/// The trainer's ``parameters`` and ``state`` are the source of truth; the module's own
/// weights are a copy loaded after each step (through ``FunctionalModule/load(_:strict:)``),
/// so the module can be used directly between steps.
///
/// ```swift
/// var trainer = Trainer(model: mlp, optimizer: Adam(lr: 0.01))
/// for _ in 0..<500 {
///     let loss = try trainer.step { forward in meanSquaredError(predicted: try forward(x), target: y) }
/// }
/// let prediction = mlp(x)      // the trained weights
/// ```
public struct Trainer<M: Module, O: Optimizer> {
    /// The module as a function of its parameters.
    ///
    /// ```swift
    /// let trainer = Trainer(model: mlp, optimizer: Adam(lr: 0.01))
    /// print(trainer.model.parameters.paths)
    /// ```
    public let model: FunctionalModule<M>
    /// The optimizer.
    ///
    /// ```swift
    /// Trainer(model: mlp, optimizer: Adam(lr: 0.01)).optimizer.hyper.lr.values     // [0.01]
    /// ```
    public let optimizer: O
    /// The current weights.
    ///
    /// ```swift
    /// try trainer.step { forward in meanSquaredError(predicted: try forward(x), target: y) }
    /// let weights = trainer.parameters     // after that step
    /// ```
    public private(set) var parameters: Parameters
    /// The optimizer's state.
    ///
    /// ```swift
    /// let trainer = Trainer(model: mlp, optimizer: Adam(lr: 0.01))
    /// trainer.state.step     // 0
    /// ```
    public private(set) var state: O.State

    /// A trainer starting from the module's current weights and the optimizer's
    /// initial state.
    ///
    /// ```swift
    /// var trainer = Trainer(model: model, optimizer: SGD(lr: 0.1, momentum: 0.9))
    /// ```
    public init(model: M, optimizer: O) {
        self.model = makeFunctional(model)
        self.optimizer = optimizer
        parameters = self.model.parameters
        state = optimizer.initialState(for: parameters)
    }

    /// One training step, in training mode. `loss` receives the forward pass bound to the
    /// current weights (call it on as many inputs as needed) and returns the loss; the
    /// step returns the loss before the update. Buffers updated by the forward passes
    /// (batch-norm statistics) are written to the module.
    ///
    /// ```swift
    /// let value = try trainer.step { forward in crossEntropy(logits: try forward(images), labels: labels) }
    /// ```
    @discardableResult
    public mutating func step(
        _ loss: (_ forward: (M.Input) throws -> M.Output) throws -> Tensor
    ) throws -> Double {
        let f = model
        var buffers = f.buffers
        let (value, grads) = try ModuleMode.training.run {
            try valueWithGradient(at: parameters) { p in
                try loss { input in
                    let (output, updated) = try f.apply(input, parameters: p, buffers: buffers)
                    buffers = updated
                    return output
                }
            }
        }
        let (newState, newParameters) = try optimizer.step(state, parameters, grads)
        try f.load(newParameters)
        try f.syncBuffers(buffers.detached())
        state = newState
        parameters = newParameters
        return value.item
    }
}
