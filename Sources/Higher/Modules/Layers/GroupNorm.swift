/// Group normalisation, PyTorch's `nn.GroupNorm`: the channels of an `[N, C, …]` input
/// are split into `groups` consecutive groups, and each group of each sample is
/// normalised with its own mean and biased variance, `x̂ = (x − mean)/√(var + eps)`;
/// then `y = x̂·weight + bias` per channel (weight starts at 1, bias at 0). The same in
/// training and evaluation, and independent of the batch size.
///
/// Parameter paths: `weight`, `bias` (as in PyTorch).
///
/// ```swift
/// let norm = GroupNorm(groups: 4, channels: 32)
/// let y = norm(Tensor.ones([2, 32, 8, 8]))
/// ```
public final class GroupNorm: Module {
    /// The number of channel groups.
    ///
    /// ```swift
    /// GroupNorm(groups: 4, channels: 32).groups    // 4
    /// ```
    public let groups: Int
    /// The number of channels `C`, a multiple of ``groups``.
    ///
    /// ```swift
    /// GroupNorm(groups: 4, channels: 32).channels    // 32
    /// ```
    public let channels: Int
    /// Added to the variance before the square root.
    ///
    /// ```swift
    /// GroupNorm(groups: 4, channels: 32, eps: 1e-6).eps    // 1e-06
    /// ```
    public let eps: Double
    private let _weight: Parameter?
    private let _bias: Parameter?

    /// A layer with `groups` groups over `channels` channels; no parameters without `affine`.
    ///
    /// ```swift
    /// let instanceNorm = GroupNorm(groups: 16, channels: 16, affine: false)
    /// ```
    public init(groups: Int, channels: Int, eps: Double = 1e-5, affine: Bool = true,
                dtype: DType = .float64, frozen: Bool = false) {
        precondition(groups > 0 && channels > 0 && channels % groups == 0,
                     "GroupNorm: \(channels) channels cannot be split into \(groups) groups")
        precondition(eps >= 0, "GroupNorm: eps \(eps) must not be negative")
        self.groups = groups
        self.channels = channels
        self.eps = eps
        _weight = optionalParameter(affine, frozen: frozen) { Tensor.ones([channels], dtype: dtype) }
        _bias = optionalParameter(affine, frozen: frozen) { Tensor.zeros([channels], dtype: dtype) }
    }

    /// The per-channel scale, or `nil` without `affine`.
    ///
    /// ```swift
    /// GroupNorm(groups: 1, channels: 2).weight?.scalars    // [1, 1]
    /// ```
    public var weight: Tensor? { _weight?.wrappedValue }
    /// The per-channel shift, or `nil` without `affine`.
    ///
    /// ```swift
    /// GroupNorm(groups: 1, channels: 2).bias?.scalars      // [0, 0]
    /// ```
    public var bias: Tensor? { _bias?.wrappedValue }
    /// The weight's wrapper, or `nil`.
    ///
    /// ```swift
    /// norm.weightParameter?.storedValue = Tensor.ones([32])
    /// ```
    public var weightParameter: Parameter? { _weight }
    /// The bias's wrapper, or `nil`.
    ///
    /// ```swift
    /// norm.biasParameter?.isFrozen
    /// ```
    public var biasParameter: Parameter? { _bias }

    /// Normalises each group of each sample of `input` (`[N, C, …]`).
    ///
    /// ```swift
    /// let y = norm(Tensor.ones([2, 32]))
    /// ```
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.rank >= 2 && input.shape[1] == channels,
                     "GroupNorm: input \(input.shape) must have shape [N, \(channels), …]")
        let n = input.shape[0]
        let grouped = input.reshaped([n, groups, input.count / Swift.max(n * groups, 1)])
        var y = grouped.normalized(alongAxes: [2], epsilon: eps).reshaped(input.shape)
        let shape = channelShape(channels, rank: input.rank)
        if let weight { y = y * weight.reshaped(shape) }
        if let bias { y = y + bias.reshaped(shape) }
        return y
    }
}
