/// A 2-D convolution layer over `[N, C, H, W]` inputs, PyTorch's `nn.Conv2d` (zero
/// padding; see ``conv2d(_:_:bias:stride:padding:dilation:groups:)`` for the arithmetic).
///
/// The weight is `[outChannels, inChannels / groups, kH, kW]`. Weight and bias start
/// uniform in `[−1/√fanIn, 1/√fanIn)` with `fanIn = inChannels / groups · kH · kW`
/// (PyTorch's `reset_parameters`). An unbatched `[C, H, W]` input gives a `[O, H', W']`
/// output.
///
/// Parameter paths: `weight`, `bias` (as in PyTorch).
///
/// ```swift
/// var rng = RandomGenerator(seed: 0)
/// let conv = Conv2d(3, 16, kernelSize: 3, padding: 1, using: &rng)
/// let y = conv(Tensor.ones([8, 3, 32, 32]))    // shape [8, 16, 32, 32]
/// ```
public final class Conv2d: Module {
    /// The number of input channels.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// Conv2d(3, 16, kernelSize: 3, using: &rng).inChannels    // 3
    /// ```
    public let inChannels: Int
    /// The number of output channels.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// Conv2d(3, 16, kernelSize: 3, using: &rng).outChannels    // 16
    /// ```
    public let outChannels: Int
    /// The kernel's height and width.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// Conv2d(3, 16, kernelSize: [3, 5], using: &rng).kernelSize.width    // 5
    /// ```
    public let kernelSize: Size2D
    /// The step between windows.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// Conv2d(3, 16, kernelSize: 3, stride: 2, using: &rng).stride.height    // 2
    /// ```
    public let stride: Size2D
    /// Zeros added on each side of the two spatial axes.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// Conv2d(3, 16, kernelSize: 3, padding: [1, 0], using: &rng).padding.height    // 1
    /// ```
    public let padding: Size2D
    /// The spacing between kernel taps.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// Conv2d(3, 16, kernelSize: 3, dilation: 2, using: &rng).dilation == 2    // true
    /// ```
    public let dilation: Size2D
    /// The number of independent channel groups.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// Conv2d(4, 8, kernelSize: 3, groups: 2, using: &rng).groups    // 2
    /// ```
    public let groups: Int
    /// The weight, `[outChannels, inChannels / groups, kH, kW]`.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// Conv2d(4, 8, kernelSize: 3, groups: 2, using: &rng).weight.shape    // [8, 2, 3, 3]
    /// ```
    @Parameter public var weight: Tensor
    private let _bias: Parameter?

    /// A layer with PyTorch's initialisation, drawn from `generator`. With `frozen`, its
    /// parameters are used but not trained.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// let depthwise = Conv2d(32, 32, kernelSize: 3, padding: 1, groups: 32, bias: false, using: &rng)
    /// ```
    public init(_ inChannels: Int, _ outChannels: Int, kernelSize: Size2D, stride: Size2D = 1,
                padding: Size2D = 0, dilation: Size2D = 1, groups: Int = 1, bias: Bool = true,
                dtype: DType = .float64, frozen: Bool = false, using generator: inout RandomGenerator) {
        precondition(inChannels > 0 && outChannels > 0,
                     "Conv2d: channel counts \(inChannels) → \(outChannels) must be positive")
        precondition(groups > 0 && inChannels % groups == 0 && outChannels % groups == 0,
                     "Conv2d: groups \(groups) must divide both inChannels \(inChannels) and outChannels \(outChannels)")
        precondition(kernelSize.height > 0 && kernelSize.width > 0,
                     "Conv2d: kernel size \(kernelSize) must be positive")
        precondition(stride.height > 0 && stride.width > 0 && dilation.height > 0 && dilation.width > 0,
                     "Conv2d: stride \(stride) and dilation \(dilation) must be positive")
        precondition(padding.height >= 0 && padding.width >= 0, "Conv2d: padding \(padding) must not be negative")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        let shape = [outChannels, inChannels / groups, kernelSize.height, kernelSize.width]
        let bound = inverseSquareRootBound(shape[1] * shape[2] * shape[3])
        _weight = Parameter(wrappedValue: uniformInitialization(shape, bound: bound, dtype: dtype, using: &generator),
                            frozen: frozen)
        _bias = optionalParameter(bias, frozen: frozen) {
            uniformInitialization([outChannels], bound: bound, dtype: dtype, using: &generator)
        }
    }

    /// The bias, `[outChannels]`, or `nil` for a layer made with `bias: false`.
    ///
    /// ```swift
    /// let b = conv.bias
    /// ```
    public var bias: Tensor? { _bias?.wrappedValue }

    /// The bias's wrapper (what `$bias` would be); `nil` without a bias.
    ///
    /// ```swift
    /// conv.biasParameter?.storedValue = Tensor.zeros([16])
    /// ```
    public var biasParameter: Parameter? { _bias }

    /// The convolution of `input` (`[N, C, H, W]` or unbatched `[C, H, W]`).
    ///
    /// ```swift
    /// let y = conv(Tensor.ones([3, 32, 32]))   // shape [16, 32, 32]
    /// ```
    public func callAsFunction(_ input: Tensor) -> Tensor {
        if let tasks = TaskBatch.taskCount { return taskBatched(input, tasks) }
        precondition(input.rank == 3 || input.rank == 4,
                     "Conv2d: input \(input.shape) must have shape [N, C, H, W] or [C, H, W]")
        let batched = input.rank == 4 ? input : input.unsqueezed(at: 0)
        precondition(batched.shape[1] == inChannels,
                     "Conv2d: input \(input.shape) has \(batched.shape[1]) channels; the layer expects \(inChannels)")
        let y = conv2d(batched, weight, bias: bias, stride: stride, padding: padding,
                       dilation: dilation, groups: groups)
        return input.rank == 4 ? y : y.squeezed(axis: 0)
    }

    /// Task-batched: input `[T, N, C, H, W]`, weight `[T, O, C/g, kH, kW]`. The tasks become
    /// groups of one convolution over `[N, T·C, H, W]`, so task t only meets its own weights.
    private func taskBatched(_ input: Tensor, _ tasks: Int) -> Tensor {
        TaskBatch.requireTaskAxis(input, tasks, "Conv2d")
        precondition(input.rank == 5 && input.shape[2] == inChannels,
                     "Conv2d: in task-batched mode the input must be [T, N, \(inChannels), H, W]; got \(input.shape)")
        let (n, h, w) = (input.shape[1], input.shape[3], input.shape[4])
        let x = input.permuted([1, 0, 2, 3, 4]).reshaped([n, tasks * inChannels, h, w])
        let k = weight.reshaped([tasks * outChannels] + Array(weight.shape.dropFirst(2)))
        let y = conv2d(x, k, bias: bias?.reshaped([tasks * outChannels]), stride: stride, padding: padding,
                       dilation: dilation, groups: tasks * groups)
        return y.reshaped([n, tasks, outChannels, y.shape[2], y.shape[3]]).permuted([1, 0, 2, 3, 4])
    }
}
