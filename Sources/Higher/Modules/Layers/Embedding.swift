/// A lookup table of `count` vectors of size `dimension`, PyTorch's `nn.Embedding`.
///
/// The input holds integer indices in `0..<count`, stored as a tensor of any shape (its
/// values must be whole numbers; Higher's tensors hold floating-point elements) or as
/// an `[Int]`; the output appends an axis of size `dimension`: `[…] → [… , dimension]`.
/// The weight starts standard normal, as in PyTorch. The gradient with respect to the
/// weight adds each output row's cotangent into the row it was read from (a repeated
/// index receives the sum); the indices themselves have no derivative.
///
/// Parameter path: `weight` (as in PyTorch).
///
/// ```swift
/// var rng = RandomGenerator(seed: 0)
/// let embed = Embedding(count: 1000, dimension: 64, using: &rng)
/// let tokens = Tensor([[3, 14, 15], [9, 2, 6]])
/// let vectors = embed(tokens)                  // shape [2, 3, 64]
/// let rows = embed([3, 3, 7])                  // shape [3, 64]
/// ```
public final class Embedding: Module {
    /// The module's input: a tensor of whole-number indices (an `[Int]` works too, through
    /// the second `callAsFunction`).
    ///
    /// ```swift
    /// let indices: Embedding.Input = Tensor([[3, 14, 15], [9, 2, 6]])
    /// ```
    public typealias Input = Tensor
    /// The module's output: the gathered rows.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// let embed = Embedding(count: 20, dimension: 4, using: &rng)
    /// let vectors: Embedding.Output = embed(Tensor([3, 14]))    // shape [2, 4]
    /// ```
    public typealias Output = Tensor
    /// The number of rows (the vocabulary size).
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// Embedding(count: 10, dimension: 4, using: &rng).count    // 10
    /// ```
    public let count: Int
    /// The size of each vector.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// Embedding(count: 10, dimension: 4, using: &rng).dimension    // 4
    /// ```
    public let dimension: Int
    /// The table, `[count, dimension]`.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// Embedding(count: 10, dimension: 4, using: &rng).weight.shape    // [10, 4]
    /// ```
    @Parameter public var weight: Tensor

    /// A table with standard normal entries drawn from `generator`. With `frozen` the
    /// table is used but not trained (pretrained embeddings).
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// let embed = Embedding(count: 10, dimension: 4, dtype: .float32, using: &rng)
    /// ```
    public init(count: Int, dimension: Int, dtype: DType = .float64, frozen: Bool = false,
                using generator: inout RandomGenerator) {
        precondition(count > 0 && dimension >= 0,
                     "Embedding: count \(count) must be positive and dimension \(dimension) not negative")
        self.count = count
        self.dimension = dimension
        _weight = Parameter(wrappedValue: Tensor.normal([count, dimension], dtype: dtype, using: &generator),
                            frozen: frozen)
    }

    /// The rows at the indices held by `indices` (whole numbers in `0..<count`), shaped
    /// `indices.shape + [dimension]`.
    ///
    /// ```swift
    /// let v = embed(Tensor([1, 2, 1]))    // shape [3, dimension]
    /// ```
    public func callAsFunction(_ indices: Tensor) -> Tensor {
        let values = indices.detached().scalars
        let rows = values.map { value -> Int in
            precondition(value.rounded() == value && value >= 0 && value < Double(count),
                         "Embedding: index \(value) is not a whole number in 0..<\(count) (indices \(indices.shape))")
            return Int(value)
        }
        return weight.gathering(atIndices: rows, alongAxis: 0).reshaped(indices.shape + [dimension])
    }

    /// The rows at `indices` (each in `0..<count`), shaped `[indices.count, dimension]`.
    ///
    /// ```swift
    /// let v = embed([4, 0, 4])            // shape [3, dimension]
    /// ```
    public func callAsFunction(_ indices: [Int]) -> Tensor {
        for i in indices {
            precondition(i >= 0 && i < count, "Embedding: index \(i) is not in 0..<\(count)")
        }
        return weight.gathering(atIndices: indices, alongAxis: 0)
    }
}
