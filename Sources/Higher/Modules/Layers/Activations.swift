/// Activation functions as parameter-free modules, for ``Sequential`` (PyTorch's
/// `nn.ReLU`, `nn.Tanh`, …). Each one applies the function of the same name
/// elementwise; see that function for its values and derivatives.

/// The identity, PyTorch's `nn.Identity`: a placeholder layer.
///
/// ```swift
/// Identity()(Tensor([1, 2]))    // [1, 2]
/// ```
public final class Identity: Module {
    /// The identity layer.
    ///
    /// ```swift
    /// let skip = Identity()
    /// ```
    public init() {}
    /// The input, unchanged.
    ///
    /// ```swift
    /// let y = Identity()(x)    // x
    /// ```
    public func callAsFunction(_ input: Tensor) -> Tensor { input }
}

/// `max(x, 0)`, PyTorch's `nn.ReLU`; see ``relu(_:)``.
///
/// ```swift
/// ReLU()(Tensor([-1, 2]))    // [0, 2]
/// ```
public final class ReLU: Module {
    /// The layer.
    ///
    /// ```swift
    /// let act = ReLU()
    /// ```
    public init() {}
    /// ``relu(_:)`` of the input.
    ///
    /// ```swift
    /// let y = ReLU()(x)
    /// ```
    public func callAsFunction(_ input: Tensor) -> Tensor { relu(input) }
}

/// `x` for positive `x`, `negativeSlope·x` otherwise, PyTorch's `nn.LeakyReLU`; see
/// ``leakyRelu(_:negativeSlope:)``.
///
/// ```swift
/// LeakyReLU(negativeSlope: 0.1)(Tensor([-1, 2]))    // [-0.1, 2]
/// ```
public final class LeakyReLU: Module {
    /// The slope for negative inputs (0.01 by default, as in PyTorch).
    ///
    /// ```swift
    /// LeakyReLU(negativeSlope: 0.2).negativeSlope    // 0.2
    /// ```
    public let negativeSlope: Double
    /// The layer with the given slope.
    ///
    /// ```swift
    /// let act = LeakyReLU(negativeSlope: 0.2)
    /// ```
    public init(negativeSlope: Double = 0.01) { self.negativeSlope = negativeSlope }
    /// ``leakyRelu(_:negativeSlope:)`` of the input.
    ///
    /// ```swift
    /// let y = LeakyReLU()(x)
    /// ```
    public func callAsFunction(_ input: Tensor) -> Tensor { leakyRelu(input, negativeSlope: negativeSlope) }
}

/// The exponential linear unit, PyTorch's `nn.ELU`; see ``elu(_:alpha:)``.
///
/// ```swift
/// ELU()(Tensor([0, 1]))    // [0, 1]
/// ```
public final class ELU: Module {
    /// The saturation value for large negative inputs is `−alpha` (1 by default).
    ///
    /// ```swift
    /// ELU().alpha    // 1.0
    /// ```
    public let alpha: Double
    /// The layer with the given `alpha`.
    ///
    /// ```swift
    /// let act = ELU(alpha: 0.5)
    /// ```
    public init(alpha: Double = 1) { self.alpha = alpha }
    /// ``elu(_:alpha:)`` of the input.
    ///
    /// ```swift
    /// let y = ELU()(x)
    /// ```
    public func callAsFunction(_ input: Tensor) -> Tensor { elu(input, alpha: alpha) }
}

/// The Gaussian error linear unit, PyTorch's `nn.GELU`; see ``gelu(_:approximate:)``.
///
/// ```swift
/// GELU(approximate: .tanh)(Tensor([1]))    // [0.8412]
/// ```
public final class GELU: Module {
    /// Exact (erf, the default) or the tanh approximation.
    ///
    /// ```swift
    /// GELU(approximate: .tanh).approximate == .tanh    // true
    /// ```
    public let approximate: GELUApproximation
    /// The layer, exact by default.
    ///
    /// ```swift
    /// let act = GELU()
    /// ```
    public init(approximate: GELUApproximation = .none) { self.approximate = approximate }
    /// ``gelu(_:approximate:)`` of the input.
    ///
    /// ```swift
    /// let y = GELU()(x)
    /// ```
    public func callAsFunction(_ input: Tensor) -> Tensor { gelu(input, approximate: approximate) }
}

/// The logistic sigmoid, PyTorch's `nn.Sigmoid`; see ``sigmoid(_:)``.
///
/// ```swift
/// Sigmoid()(Tensor([0]))    // [0.5]
/// ```
public final class Sigmoid: Module {
    /// The layer.
    ///
    /// ```swift
    /// let act = Sigmoid()
    /// ```
    public init() {}
    /// ``sigmoid(_:)`` of the input.
    ///
    /// ```swift
    /// let y = Sigmoid()(x)
    /// ```
    public func callAsFunction(_ input: Tensor) -> Tensor { sigmoid(input) }
}

/// The hyperbolic tangent, PyTorch's `nn.Tanh`; see ``tanh(_:)``.
///
/// ```swift
/// Tanh()(Tensor([0]))    // [0]
/// ```
public final class Tanh: Module {
    /// The layer.
    ///
    /// ```swift
    /// let act = Tanh()
    /// ```
    public init() {}
    /// ``tanh(_:)`` of the input.
    ///
    /// ```swift
    /// let y = Tanh()(x)
    /// ```
    public func callAsFunction(_ input: Tensor) -> Tensor { tanh(input) }
}

/// `log(1 + exp(β x))/β`, linear above the threshold, PyTorch's `nn.Softplus`; see
/// ``softplus(_:beta:threshold:)``.
///
/// ```swift
/// Softplus()(Tensor([0]))    // [0.6931]
/// ```
public final class Softplus: Module {
    /// The sharpness `β` (1 by default).
    ///
    /// ```swift
    /// Softplus(beta: 2).beta    // 2.0
    /// ```
    public let beta: Double
    /// Above `β x > threshold` the output is `x` (20 by default).
    ///
    /// ```swift
    /// Softplus().threshold    // 20.0
    /// ```
    public let threshold: Double
    /// The layer with PyTorch's defaults.
    ///
    /// ```swift
    /// let act = Softplus(beta: 2, threshold: 10)
    /// ```
    public init(beta: Double = 1, threshold: Double = 20) {
        precondition(beta > 0, "Softplus: beta \(beta) must be positive")
        self.beta = beta
        self.threshold = threshold
    }
    /// ``softplus(_:beta:threshold:)`` of the input.
    ///
    /// ```swift
    /// let y = Softplus()(x)
    /// ```
    public func callAsFunction(_ input: Tensor) -> Tensor { softplus(input, beta: beta, threshold: threshold) }
}

/// `log(sigmoid(x))`, PyTorch's `nn.LogSigmoid`; see ``logSigmoid(_:)``.
///
/// ```swift
/// LogSigmoid()(Tensor([0]))    // [-0.6931]
/// ```
public final class LogSigmoid: Module {
    /// The layer.
    ///
    /// ```swift
    /// let act = LogSigmoid()
    /// ```
    public init() {}
    /// ``logSigmoid(_:)`` of the input.
    ///
    /// ```swift
    /// let y = LogSigmoid()(x)
    /// ```
    public func callAsFunction(_ input: Tensor) -> Tensor { logSigmoid(input) }
}

/// `x·sigmoid(x)` (the swish), PyTorch's `nn.SiLU`.
///
/// ```swift
/// SiLU()(Tensor([0, 1]))    // [0, 0.7311]
/// ```
public final class SiLU: Module {
    /// The layer.
    ///
    /// ```swift
    /// let act = SiLU()
    /// ```
    public init() {}
    /// `x·sigmoid(x)` of the input; derivative `s + x·s·(1 − s)` with `s = sigmoid(x)`.
    ///
    /// ```swift
    /// let y = SiLU()(x)
    /// ```
    public func callAsFunction(_ input: Tensor) -> Tensor { input * sigmoid(input) }
}

/// The softmax along one axis, PyTorch's `nn.Softmax(dim:)`; see
/// ``Tensor/softmax(alongAxis:)``.
///
/// ```swift
/// Softmax(axis: -1)(Tensor([[0, 0]]))    // [[0.5, 0.5]]
/// ```
public final class Softmax: Module {
    /// The axis normalised (negative counts from the end).
    ///
    /// ```swift
    /// Softmax().axis    // -1
    /// ```
    public let axis: Int
    /// The layer normalising along `axis` (the last by default).
    ///
    /// ```swift
    /// let act = Softmax(axis: 1)
    /// ```
    public init(axis: Int = -1) { self.axis = axis }
    /// The softmax of the input along ``axis``.
    ///
    /// ```swift
    /// let p = Softmax()(logits)
    /// ```
    public func callAsFunction(_ input: Tensor) -> Tensor { input.softmax(alongAxis: axis) }
}

/// The log-softmax along one axis, PyTorch's `nn.LogSoftmax(dim:)`; see
/// ``Tensor/logSoftmax(alongAxis:)``.
///
/// ```swift
/// LogSoftmax()(Tensor([[0, 0]]))    // [[-0.6931, -0.6931]]
/// ```
public final class LogSoftmax: Module {
    /// The axis normalised (negative counts from the end).
    ///
    /// ```swift
    /// LogSoftmax(axis: 1).axis    // 1
    /// ```
    public let axis: Int
    /// The layer normalising along `axis` (the last by default).
    ///
    /// ```swift
    /// let act = LogSoftmax(axis: 1)
    /// ```
    public init(axis: Int = -1) { self.axis = axis }
    /// The log-softmax of the input along ``axis``.
    ///
    /// ```swift
    /// let logp = LogSoftmax()(logits)
    /// ```
    public func callAsFunction(_ input: Tensor) -> Tensor { input.logSoftmax(alongAxis: axis) }
}
