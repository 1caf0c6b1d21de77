/// Batch normalisation over the channel axis (axis 1): the shared implementation of
/// ``BatchNorm1d`` and ``BatchNorm2d``, PyTorch's `_BatchNorm`.
///
/// In ``ModuleMode/training`` each channel is normalised with the statistics of the
/// batch (over every axis but the channel axis), using the biased variance, and the
/// running statistics move towards the batch's: `running ← (1 − m)·running + m·batch`,
/// with the *unbiased* variance `Σ(x − mean)²/(n − 1)` for the running variance, and
/// `numBatchesTracked` grows by one. With `momentum: nil` the factor `m` is
/// `1/numBatchesTracked`, a cumulative average. The running statistics do not carry
/// derivatives (they are updated with detached values), as in PyTorch. In
/// ``ModuleMode/evaluation`` the running statistics normalise instead; a layer made
/// with `trackRunningStats: false` has none and always uses the batch's.
///
/// Then `y = x̂·weight + bias` per channel when `affine` (weight starts at 1, bias at 0).
///
/// Paths and PyTorch's names: `weight` (`weight`), `bias` (`bias`), buffers
/// `runningMean` (`running_mean`), `runningVariance` (`running_var`),
/// `numBatchesTracked` (`num_batches_tracked`, kept here as a Float64 scalar, exact to
/// 2⁵³ batches, whatever the layer's dtype).
///
/// Inside a functional call the buffers come from the call and their updates are
/// returned with the output, never written to the module:
///
/// ```swift
/// let bn = BatchNorm2d(16)
/// let f = makeFunctional(bn)
/// let (y, stats) = try f.apply(x, parameters: f.parameters, buffers: f.buffers)   // training
/// let (z, _) = try f.apply(x, parameters: f.parameters, buffers: stats, mode: .evaluation)
/// ```
public class BatchNorm: Module {
    /// The number of channels `C`.
    ///
    /// ```swift
    /// BatchNorm2d(16).numFeatures    // 16
    /// ```
    public let numFeatures: Int
    /// Added to the variance before the square root.
    ///
    /// ```swift
    /// BatchNorm1d(8).eps    // 1e-05
    /// ```
    public let eps: Double
    /// The weight of the batch's statistics in the running update, or `nil` for a
    /// cumulative average.
    ///
    /// ```swift
    /// BatchNorm1d(8).momentum    // Optional(0.1)
    /// BatchNorm1d(8, momentum: nil).momentum    // nil: a cumulative average
    /// ```
    public let momentum: Double?
    /// The element type of the parameters and running statistics.
    ///
    /// ```swift
    /// BatchNorm2d(4, dtype: .float32).dtype    // float32
    /// ```
    public let dtype: DType
    private let name: String
    private let ranks: [Int]
    private let _weight: Parameter?
    private let _bias: Parameter?
    private let _runningMean: Buffer?
    private let _runningVariance: Buffer?
    private let _numBatchesTracked: Buffer?

    init(name: String, ranks: [Int], numFeatures: Int, eps: Double, momentum: Double?, affine: Bool,
         trackRunningStats: Bool, dtype: DType, frozen: Bool) {
        precondition(numFeatures > 0, "\(name): numFeatures \(numFeatures) must be positive")
        precondition(eps >= 0, "\(name): eps \(eps) must not be negative")
        precondition(momentum.map { $0 >= 0 && $0 <= 1 } ?? true, "\(name): momentum \(momentum!) is not in [0, 1]")
        self.name = name
        self.ranks = ranks
        self.numFeatures = numFeatures
        self.eps = eps
        self.momentum = momentum
        self.dtype = dtype
        _weight = optionalParameter(affine, frozen: frozen) { Tensor.ones([numFeatures], dtype: dtype) }
        _bias = optionalParameter(affine, frozen: frozen) { Tensor.zeros([numFeatures], dtype: dtype) }
        if trackRunningStats {
            _runningMean = Buffer(wrappedValue: Tensor.zeros([numFeatures], dtype: dtype))
            _runningVariance = Buffer(wrappedValue: Tensor.ones([numFeatures], dtype: dtype))
            _numBatchesTracked = Buffer(wrappedValue: Tensor(0))
        } else {
            _runningMean = nil
            _runningVariance = nil
            _numBatchesTracked = nil
        }
    }

    /// The per-channel scale, or `nil` without `affine`.
    ///
    /// ```swift
    /// BatchNorm2d(3).weight?.scalars    // [1, 1, 1]
    /// ```
    public var weight: Tensor? { _weight?.wrappedValue }
    /// The per-channel shift, or `nil` without `affine`.
    ///
    /// ```swift
    /// BatchNorm2d(3).bias?.scalars      // [0, 0, 0]
    /// ```
    public var bias: Tensor? { _bias?.wrappedValue }
    /// The weight's wrapper, or `nil` without `affine`.
    ///
    /// ```swift
    /// bn.weightParameter?.storedValue = Tensor([2, 2, 2])
    /// ```
    public var weightParameter: Parameter? { _weight }
    /// The bias's wrapper, or `nil` without `affine`.
    ///
    /// ```swift
    /// bn.biasParameter?.isFrozen
    /// ```
    public var biasParameter: Parameter? { _bias }
    /// The running mean (`[C]`, starting at 0), or `nil` when statistics are not tracked.
    ///
    /// ```swift
    /// let m = bn.runningMean
    /// ```
    public var runningMean: Tensor? { _runningMean?.wrappedValue }
    /// The running (unbiased) variance (`[C]`, starting at 1), or `nil` when statistics
    /// are not tracked.
    ///
    /// ```swift
    /// let v = bn.runningVariance
    /// ```
    public var runningVariance: Tensor? { _runningVariance?.wrappedValue }
    /// The number of training batches seen (a Float64 scalar), or `nil` when statistics
    /// are not tracked.
    ///
    /// ```swift
    /// bn.numBatchesTracked?.item    // 0 for a new layer
    /// ```
    public var numBatchesTracked: Tensor? { _numBatchesTracked?.wrappedValue }
    /// The running mean's wrapper, to reset or inspect the module's own value.
    ///
    /// ```swift
    /// bn.runningMeanBuffer?.storedValue = Tensor.zeros([16])
    /// ```
    public var runningMeanBuffer: Buffer? { _runningMean }
    /// The running variance's wrapper.
    ///
    /// ```swift
    /// bn.runningVarianceBuffer?.storedValue = Tensor.ones([16])
    /// ```
    public var runningVarianceBuffer: Buffer? { _runningVariance }
    /// The batch counter's wrapper.
    ///
    /// ```swift
    /// bn.numBatchesTrackedBuffer?.storedValue = Tensor(0)
    /// ```
    public var numBatchesTrackedBuffer: Buffer? { _numBatchesTracked }

    /// Normalises `input` (`[N, C, …]`) per channel, in the current ``ModuleMode``.
    ///
    /// ```swift
    /// let y = bn(x)                                        // batch statistics
    /// let z = ModuleMode.evaluation.run { bn(x) }          // running statistics
    /// ```
    public func callAsFunction(_ input: Tensor) -> Tensor {
        // In task-batched mode the input is [T, N, C, …] and every tensor of the layer [T, C].
        let tasks = TaskBatch.taskCount
        let lead = tasks == nil ? 0 : 1
        if let tasks { TaskBatch.requireTaskAxis(input, tasks, name) }
        precondition(ranks.contains(input.rank - lead) && input.shape[1 + lead] == numFeatures,
                     "\(name): input \(input.shape) must have rank \(ranks.map { String($0 + lead) }.joined(separator: " or ")) with \(numFeatures) channels on axis \(1 + lead)")
        precondition(input.dtype == dtype, "\(name): input is \(input.dtype), the layer is \(dtype)")
        var shape = channelShape(numFeatures, rank: input.rank - lead)
        if let tasks { shape = [tasks] + shape }
        let training = ModuleMode.current == .training
        guard !training, let runningMean, let runningVariance else {
            return batchNormalized(input, shape: shape, training: training, lead: lead)
        }
        // y = x·s + t with s = weight/√(var + eps) and t = bias − mean·s, all per channel.
        var scale = (runningVariance + eps).rsqrt()
        if let weight { scale = scale * weight }
        var shift = -(runningMean * scale)
        if let bias { shift = shift + bias }
        return input * scale.reshaped(shape) + shift.reshaped(shape)
    }

    private func batchNormalized(_ input: Tensor, shape: [Int], training: Bool, lead: Int) -> Tensor {
        let axes = [lead] + Array((2 + lead)..<input.rank)
        let n = input.count / (numFeatures * (lead == 0 ? 1 : input.shape[0]))
        precondition(!training || n > 1,
                     "\(name): expected more than 1 value per channel when training, got input \(input.shape)")
        if training, let rm = _runningMean, let rv = _runningVariance, let counter = _numBatchesTracked {
            let batches = counter.wrappedValue + 1
            counter.wrappedValue = batches
            let statShape = rm.wrappedValue.shape        // [C], or [T, C] task-batched
            let unbiased = Double(n) / Double(n - 1)
            let (mean, variance) = input.detached().sliceMoments(shape)
            let batchMean = mean.reshaped(statShape), batchVariance = variance.reshaped(statShape)
            if let m = momentum {
                rm.wrappedValue = rm.wrappedValue * (1 - m) + batchMean * m
                rv.wrappedValue = rv.wrappedValue * (1 - m) + batchVariance * (m * unbiased)
            } else {
                // Cumulative average: momentum 1/batches (one counter per task when batched).
                let m = (1 / batches).reshaped(batches.shape + [Int](repeating: 1, count: statShape.count - batches.rank))
                    .cast(to: dtype)
                rm.wrappedValue = rm.wrappedValue * (1 - m) + batchMean * m
                rv.wrappedValue = rv.wrappedValue * (1 - m) + batchVariance * (m * unbiased)
            }
        }
        var y = input.normalized(alongAxes: axes, epsilon: eps)
        if let weight { y = y * weight.reshaped(shape) }
        guard let bias else { return y }
        return y + bias.reshaped(shape)
    }
}

/// Batch normalisation of `[N, C]` or `[N, C, L]` inputs, PyTorch's `nn.BatchNorm1d`;
/// see ``BatchNorm`` for the statistics, modes and paths.
///
/// ```swift
/// let bn = BatchNorm1d(64)
/// let y = bn(Tensor.ones([32, 64]))
/// ```
public final class BatchNorm1d: BatchNorm {
    /// A layer for `numFeatures` channels, with PyTorch's defaults.
    ///
    /// ```swift
    /// let bn = BatchNorm1d(64, momentum: nil, affine: false)
    /// ```
    public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true,
                trackRunningStats: Bool = true, dtype: DType = .float64, frozen: Bool = false) {
        super.init(name: "BatchNorm1d", ranks: [2, 3], numFeatures: numFeatures, eps: eps, momentum: momentum,
                   affine: affine, trackRunningStats: trackRunningStats, dtype: dtype, frozen: frozen)
    }
}

/// Batch normalisation of `[N, C, H, W]` inputs, PyTorch's `nn.BatchNorm2d`; see
/// ``BatchNorm`` for the statistics, modes and paths.
///
/// ```swift
/// let bn = BatchNorm2d(16)
/// let y = bn(Tensor.ones([8, 16, 28, 28]))
/// ```
public final class BatchNorm2d: BatchNorm {
    /// A layer for `numFeatures` channels, with PyTorch's defaults.
    ///
    /// ```swift
    /// let bn = BatchNorm2d(16, eps: 1e-3, trackRunningStats: false)
    /// ```
    public init(_ numFeatures: Int, eps: Double = 1e-5, momentum: Double? = 0.1, affine: Bool = true,
                trackRunningStats: Bool = true, dtype: DType = .float64, frozen: Bool = false) {
        super.init(name: "BatchNorm2d", ranks: [4], numFeatures: numFeatures, eps: eps, momentum: momentum,
                   affine: affine, trackRunningStats: trackRunningStats, dtype: dtype, frozen: frozen)
    }
}
