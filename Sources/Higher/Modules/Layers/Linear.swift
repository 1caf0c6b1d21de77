/// A fully connected layer `y = x·Wᵀ + b`, PyTorch's `nn.Linear`.
///
/// The weight has PyTorch's layout `[outFeatures, inFeatures]`. Both weight and bias start
/// uniform in `[−1/√inFeatures, 1/√inFeatures)` (PyTorch's `reset_parameters`). The input
/// is `[…, inFeatures]` with any number of leading axes (none for a single vector) and
/// the output `[…, outFeatures]`.
///
/// Parameter paths: `weight`, `bias` (as in PyTorch).
///
/// ```swift
/// var rng = RandomGenerator(seed: 0)
/// let fc = Linear(4, 3, using: &rng)
/// let y = fc(Tensor.ones([8, 4]))              // shape [8, 3]
/// let p = makeFunctional(fc).parameters.paths  // ["weight", "bias"]
/// ```
public final class Linear: Module {
    /// The size of the last input axis.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// Linear(3, 4, using: &rng).inFeatures    // 3
    /// ```
    public let inFeatures: Int
    /// The size of the last output axis.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// Linear(3, 4, using: &rng).outFeatures    // 4
    /// ```
    public let outFeatures: Int
    /// The weight, `[outFeatures, inFeatures]`.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// Linear(3, 4, using: &rng).weight.shape    // [4, 3]
    /// ```
    @Parameter public var weight: Tensor
    private let _bias: Parameter?

    /// A layer with PyTorch's initialisation, drawn from `generator`. With `frozen`, its
    /// parameters are used but not trained (``makeFunctional(_:)`` leaves them out).
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// let fc = Linear(784, 10, bias: false, dtype: .float32, using: &rng)
    /// ```
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, dtype: DType = .float64,
                frozen: Bool = false, using generator: inout RandomGenerator) {
        precondition(inFeatures >= 0 && outFeatures >= 0,
                     "Linear: feature counts \(inFeatures) → \(outFeatures) must not be negative")
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        let bound = inverseSquareRootBound(inFeatures)
        _weight = Parameter(wrappedValue: uniformInitialization([outFeatures, inFeatures], bound: bound,
                                                                dtype: dtype, using: &generator), frozen: frozen)
        _bias = optionalParameter(bias, frozen: frozen) {
            uniformInitialization([outFeatures], bound: bound, dtype: dtype, using: &generator)
        }
    }

    /// The bias, `[outFeatures]`, or `nil` for a layer made with `bias: false`.
    ///
    /// ```swift
    /// let b = fc.bias?.scalars
    /// ```
    public var bias: Tensor? { _bias?.wrappedValue }

    /// The bias's wrapper (what `$bias` would be), to read ``Parameter/storedValue`` or
    /// ``Parameter/isFrozen``; `nil` without a bias.
    ///
    /// ```swift
    /// fc.biasParameter?.storedValue = Tensor.zeros([3])
    /// ```
    public var biasParameter: Parameter? { _bias }

    /// `x·Wᵀ + b` over the last axis of `input`.
    ///
    /// ```swift
    /// let y = fc(Tensor.ones([2, 5, 4]))   // shape [2, 5, 3]
    /// ```
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank >= 1 && input.shape[input.rank - 1] == inFeatures,
                     "Linear: input \(input.shape) must end with \(inFeatures) features")
        if let tasks = TaskBatch.taskCount { return taskBatched(input, tasks) }
        return linear(input, weight: weight, bias: bias)
    }

    /// Task-batched: input `[T, …, in]`, weight `[T, out, in]`, bias `[T, out]`; one product per task.
    private func taskBatched(_ input: Tensor, _ tasks: Int) -> Tensor {
        TaskBatch.requireTaskAxis(input, tasks, "Linear")
        precondition(input.rank >= 2, "Linear: in task-batched mode the input must be [T, …, \(inFeatures)]; got \(input.shape)")
        return linear(input, weight: weight, bias: bias)
    }
}
