/// One step of a gated recurrent unit, PyTorch's `nn.GRUCell`:
///
/// ```
/// r = σ(W_ir x + b_ir + W_hr h + b_hr)      z = σ(W_iz x + b_iz + W_hz h + b_hz)
/// n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
/// h' = (1 − z) ⊙ n + z ⊙ h
/// ```
///
/// The gates are stacked in PyTorch's order `r, z, n` along the first axis of
/// `weightIH` (`[3H, inputSize]`), `weightHH` (`[3H, H]`), `biasIH` and `biasHH`
/// (`[3H]`); every entry starts uniform in `[−1/√H, 1/√H)`, as in PyTorch.
///
/// Paths and PyTorch's names: `weightIH` (`weight_ih`), `weightHH` (`weight_hh`),
/// `biasIH` (`bias_ih`), `biasHH` (`bias_hh`).
///
/// ```swift
/// var rng = RandomGenerator(seed: 0)
/// let cell = GRUCell(10, 20, using: &rng)
/// var h = cell(Tensor.ones([3, 10]))               // from a zero state: [3, 20]
/// h = cell(Tensor.ones([3, 10]), state: h)
/// ```
public final class GRUCell: Module {
    /// The input's feature count.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// GRUCell(10, 20, using: &rng).inputSize    // 10
    /// ```
    public let inputSize: Int
    /// The size `H` of the hidden state.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// GRUCell(10, 20, using: &rng).hiddenSize    // 20
    /// ```
    public let hiddenSize: Int
    /// The input-to-hidden weights of the gates `r, z, n`, `[3H, inputSize]`.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// GRUCell(10, 20, using: &rng).weightIH.shape    // [60, 10]
    /// ```
    @Parameter public var weightIH: Tensor
    /// The hidden-to-hidden weights of the gates `r, z, n`, `[3H, H]`.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// GRUCell(10, 20, using: &rng).weightHH.shape    // [60, 20]
    /// ```
    @Parameter public var weightHH: Tensor
    private let _biasIH: Parameter?
    private let _biasHH: Parameter?

    /// A cell with PyTorch's initialisation, drawn from `generator` in the order
    /// `weightIH`, `weightHH`, `biasIH`, `biasHH`.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// let cell = GRUCell(10, 20, bias: false, using: &rng)
    /// ```
    public init(_ inputSize: Int, _ hiddenSize: Int, bias: Bool = true, dtype: DType = .float64,
                frozen: Bool = false, using generator: inout RandomGenerator) {
        precondition(inputSize > 0 && hiddenSize > 0,
                     "GRUCell: inputSize \(inputSize) and hiddenSize \(hiddenSize) must be positive")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        let bound = inverseSquareRootBound(hiddenSize)
        func draw(_ shape: [Int]) -> Tensor { uniformInitialization(shape, bound: bound, dtype: dtype, using: &generator) }
        _weightIH = Parameter(wrappedValue: draw([3 * hiddenSize, inputSize]), frozen: frozen)
        _weightHH = Parameter(wrappedValue: draw([3 * hiddenSize, hiddenSize]), frozen: frozen)
        _biasIH = optionalParameter(bias, frozen: frozen) { draw([3 * hiddenSize]) }
        _biasHH = optionalParameter(bias, frozen: frozen) { draw([3 * hiddenSize]) }
    }

    /// The input-to-hidden bias, `[3H]`, or `nil` for a cell made with `bias: false`.
    ///
    /// ```swift
    /// let b = cell.biasIH
    /// ```
    public var biasIH: Tensor? { _biasIH?.wrappedValue }
    /// The hidden-to-hidden bias, `[3H]`, or `nil`.
    ///
    /// ```swift
    /// let b = cell.biasHH
    /// ```
    public var biasHH: Tensor? { _biasHH?.wrappedValue }
    /// The wrapper of ``biasIH``, or `nil`.
    ///
    /// ```swift
    /// cell.biasIHParameter?.storedValue = Tensor.zeros([60])
    /// ```
    public var biasIHParameter: Parameter? { _biasIH }
    /// The wrapper of ``biasHH``, or `nil`.
    ///
    /// ```swift
    /// cell.biasHHParameter?.storedValue = Tensor.zeros([60])
    /// ```
    public var biasHHParameter: Parameter? { _biasHH }

    /// One step from the zero state.
    ///
    /// ```swift
    /// let h = cell(Tensor.ones([3, 10]))
    /// ```
    public func callAsFunction(_ input: Tensor) -> Tensor {
        callAsFunction(input, state: nil)
    }

    /// One step from the hidden state `state` (zero when `nil`). `input` is
    /// `[N, inputSize]` and the state `[N, H]`, or `[inputSize]` and `[H]` unbatched.
    ///
    /// ```swift
    /// let next = cell(x, state: h)
    /// ```
    public func callAsFunction(_ input: Tensor, state: Tensor?) -> Tensor {
        precondition((input.rank == 1 || input.rank == 2) && input.shape[input.rank - 1] == inputSize,
                     "GRUCell: input \(input.shape) must have shape [N, \(inputSize)] or [\(inputSize)]")
        let x = input.rank == 2 ? input : input.unsqueezed(at: 0)
        let expected = [x.shape[0], hiddenSize]
        let h: Tensor
        if let state {
            precondition(state.shape == Array(expected.suffix(input.rank)),
                         "GRUCell: state \(state.shape) does not fit input \(input.shape) (hidden size \(hiddenSize))")
            h = input.rank == 2 ? state : state.unsqueezed(at: 0)
        } else {
            h = Tensor.zeros(expected, dtype: input.dtype)
        }
        let next = GRUCell.step(x, h, weights: sequenceWeights())
        return input.rank == 2 ? next : next.squeezed(axis: 0)
    }

    /// The weights read once for a whole sequence.
    func sequenceWeights() -> RecurrentWeights {
        RecurrentWeights(inputHidden: weightIH, hiddenHidden: weightHH, bias: nil, biasIH: biasIH, biasHH: biasHH)
    }

    /// One GRU step on `[N, inputSize]` and `[N, H]` values.
    static func step(_ x: Tensor, _ h: Tensor, weights w: RecurrentWeights) -> Tensor {
        var gi = matmul(x, w.inputHidden, transposeB: true)
        if let b = w.biasIH { gi = gi + b }
        var gh = matmul(h, w.hiddenHidden, transposeB: true)
        if let b = w.biasHH { gh = gh + b }
        let i = gi.split(count: 3, alongAxis: 1)
        let g = gh.split(count: 3, alongAxis: 1)
        let r = sigmoid(i[0] + g[0])
        let z = sigmoid(i[1] + g[1])
        let n = tanh(i[2] + r * g[2])
        return (1 - z) * n + z * h
    }
}
