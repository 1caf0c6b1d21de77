/// Dropout, PyTorch's `nn.Dropout`: in ``ModuleMode/training`` each element is zeroed with
/// probability `p` and the others are scaled by `1/(1 − p)`, so the expected output is the
/// input; in ``ModuleMode/evaluation`` it is the identity.
///
/// **Randomness is explicit and reproducible.** The layer keeps a generator of its own,
/// split from the one passed at construction (or made from a seed), and a buffer `step`
/// (a Float64 scalar, starting at 0) that counts its training-mode calls. The mask of a
/// call is drawn from `generator.fork(step)`, and the call advances `step` by one. So
/// the mask is a function of the seed, the value of `step` and the input's shape:
///
/// - called directly, the module's own `step` advances and each call gets a new mask;
/// - in a functional call the `step` comes from the buffers passed in, and its advance
///   comes back with the returned buffers. Passing the same buffers twice gives the
///   same mask (a deterministic, differentiable function of the parameters, which is
///   what the inner loop of a meta-learner needs); threading the returned buffers into
///   the next call gives fresh masks, deterministically. To give concurrent tasks
///   different masks, start each from buffers with a different `step`.
/// - A layer used several times in one forward pass draws a new mask each time.
///
/// The mask is a constant for differentiation: the derivative is the same mask, scaled.
/// `p = 1` zeroes everything (as in PyTorch); `p = 0` is the identity (and does not
/// advance `step`).
///
/// ```swift
/// var rng = RandomGenerator(seed: 0)
/// let drop = Dropout(0.1, using: &rng)
/// let f = makeFunctional(drop)
/// var buffers = f.buffers                                   // ["step": 0]
/// for _ in 0..<3 {
///     let (y, next) = try f.apply(x, parameters: f.parameters, buffers: buffers)
///     buffers = next                                        // fresh mask next time
/// }
/// let same = ModuleMode.evaluation.run { drop(x) }          // == x
/// ```
public final class Dropout: Module {
    /// The probability of zeroing an element, in `[0, 1]`.
    ///
    /// ```swift
    /// Dropout(0.1, seed: 0).p    // 0.1
    /// ```
    public let p: Double
    /// The stream the masks are forked from.
    ///
    /// ```swift
    /// var stream = Dropout(0.1, seed: 0).generator.fork(0)    // the stream of the first mask
    /// ```
    public let generator: RandomGenerator
    /// The number of training-mode calls so far (a Float64 scalar); the next mask is
    /// drawn from `generator.fork(step)`.
    ///
    /// ```swift
    /// Dropout(0.1, seed: 0).step.item    // 0.0
    /// ```
    @Buffer public var step: Tensor

    /// A layer whose masks come from a stream split from `generator` (which advances).
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// let drop = Dropout(0.5, using: &rng)
    /// ```
    public init(_ p: Double = 0.5, using generator: inout RandomGenerator) {
        precondition(p >= 0 && p <= 1, "Dropout: probability \(p) is not in [0, 1]")
        self.p = p
        self.generator = generator.split()
        _step = Buffer(wrappedValue: Tensor(0))
    }

    /// A layer whose masks come from the stream of `seed`.
    ///
    /// ```swift
    /// let drop = Dropout(0.2, seed: 42)
    /// ```
    public init(_ p: Double = 0.5, seed: UInt64) {
        precondition(p >= 0 && p <= 1, "Dropout: probability \(p) is not in [0, 1]")
        self.p = p
        self.generator = RandomGenerator(seed: seed)
        _step = Buffer(wrappedValue: Tensor(0))
    }

    /// The mask that a training-mode call at `step` applies to an input of `shape`:
    /// 0 where an element is dropped, `1/(1 − p)` elsewhere (all 0 when `p = 1`).
    ///
    /// ```swift
    /// let m = drop.mask(shape: [4, 4], step: 0, dtype: .float64)
    /// ```
    public func mask(shape: [Int], step: Int, dtype: DType) -> Tensor {
        precondition(step >= 0, "Dropout: step \(step) must not be negative")
        var stream = generator.fork(step)
        if p == 1 { return Tensor.zeros(shape, dtype: dtype) }
        let keep = Tensor.bernoulli(shape, probability: 1 - p, dtype: dtype, using: &stream)
        return keep * (1 / (1 - p))
    }

    /// The input with a fresh mask applied (training), or the input itself (evaluation).
    ///
    /// ```swift
    /// let y = drop(Tensor.ones([2, 8]))
    /// ```
    public func callAsFunction(_ input: Tensor) -> Tensor {
        guard let mask = nextMask(shape: input.shape, dtype: input.dtype) else { return input }
        return input * mask
    }

    /// The mask of the next training-mode call, advancing ``step``; `nil` in evaluation
    /// mode or when `p = 0` (the identity, which leaves ``step`` alone).
    func nextMask(shape: [Int], dtype: DType) -> Tensor? {
        guard ModuleMode.current == .training, p > 0 else { return nil }
        let current = step
        let index = current.item
        precondition(index >= 0 && index.rounded() == index && index < 0x1p53,
                     "Dropout: step \(index) is not a whole number in [0, 2⁵³)")
        step = current + 1
        return mask(shape: shape, step: Int(index), dtype: dtype)
    }
}
