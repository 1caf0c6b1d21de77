/// Layer normalisation over the trailing axes, PyTorch's `nn.LayerNorm`.
///
/// For an input whose last axes have the shape `normalizedShape`, each slice over those
/// axes is normalised with its own mean and biased variance,
/// `x̂ = (x − mean)/√(var + eps)`, then scaled and shifted elementwise:
/// `y = x̂·weight + bias`, with `weight` (starting at 1) and `bias` (starting at 0) of
/// shape `normalizedShape`. The same in training and evaluation.
///
/// Parameter paths: `weight`, `bias` (as in PyTorch).
///
/// ```swift
/// let norm = LayerNorm([512])
/// let y = norm(Tensor.ones([8, 20, 512]))      // each of the 8·20 rows normalised
/// ```
public final class LayerNorm: Module {
    /// The shape of the trailing axes normalised together.
    ///
    /// ```swift
    /// LayerNorm([4, 4]).normalizedShape    // [4, 4]
    /// ```
    public let normalizedShape: [Int]
    /// Added to the variance before the square root.
    ///
    /// ```swift
    /// LayerNorm([4], eps: 1e-6).eps    // 1e-06
    /// ```
    public let eps: Double
    private let _weight: Parameter?
    private let _bias: Parameter?

    /// A layer normalising over trailing axes of shape `normalizedShape`. Without
    /// `elementwiseAffine` there are no parameters; `bias: false` keeps only the weight.
    ///
    /// ```swift
    /// let norm = LayerNorm([4, 4], eps: 1e-6, bias: false)
    /// ```
    public init(_ normalizedShape: [Int], eps: Double = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true,
                dtype: DType = .float64, frozen: Bool = false) {
        precondition(!normalizedShape.isEmpty && normalizedShape.allSatisfy { $0 > 0 },
                     "LayerNorm: normalizedShape \(normalizedShape) must be a non-empty list of positive extents")
        precondition(eps >= 0, "LayerNorm: eps \(eps) must not be negative")
        self.normalizedShape = normalizedShape
        self.eps = eps
        _weight = optionalParameter(elementwiseAffine, frozen: frozen) { Tensor.ones(normalizedShape, dtype: dtype) }
        _bias = optionalParameter(elementwiseAffine && bias, frozen: frozen) {
            Tensor.zeros(normalizedShape, dtype: dtype)
        }
    }

    /// A layer normalising over the last axis, of extent `features`.
    ///
    /// ```swift
    /// let norm = LayerNorm(256)
    /// ```
    public convenience init(_ features: Int, eps: Double = 1e-5, elementwiseAffine: Bool = true, bias: Bool = true,
                            dtype: DType = .float64, frozen: Bool = false) {
        self.init([features], eps: eps, elementwiseAffine: elementwiseAffine, bias: bias, dtype: dtype, frozen: frozen)
    }

    /// The elementwise scale, or `nil` without `elementwiseAffine`.
    ///
    /// ```swift
    /// LayerNorm(3).weight?.scalars     // [1, 1, 1]
    /// ```
    public var weight: Tensor? { _weight?.wrappedValue }
    /// The elementwise shift, or `nil`.
    ///
    /// ```swift
    /// LayerNorm(3).bias?.scalars       // [0, 0, 0]
    /// ```
    public var bias: Tensor? { _bias?.wrappedValue }
    /// The weight's wrapper, or `nil`.
    ///
    /// ```swift
    /// norm.weightParameter?.storedValue = Tensor([2, 2, 2])
    /// ```
    public var weightParameter: Parameter? { _weight }
    /// The bias's wrapper, or `nil`.
    ///
    /// ```swift
    /// norm.biasParameter?.isFrozen
    /// ```
    public var biasParameter: Parameter? { _bias }

    /// Normalises each trailing slice of `input`.
    ///
    /// ```swift
    /// let y = LayerNorm(2)(Tensor([[1, 3], [0, 0]]))    // [[-1, 1], [0, 0]] (≈, eps)
    /// ```
    public func callAsFunction(_ input: Tensor) -> Tensor {
        let k = normalizedShape.count
        precondition(input.rank >= k && Array(input.shape.suffix(k)) == normalizedShape,
                     "LayerNorm: input \(input.shape) must end with the normalized shape \(normalizedShape)")
        let axes = Array((input.rank - k)..<input.rank)
        var y = input.normalized(alongAxes: axes, epsilon: eps)
        if let weight { y = y * weight }
        if let bias { y = y + bias }
        return y
    }
}
