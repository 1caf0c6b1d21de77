/// The state of an LSTM: hidden and cell values, `[N, H]` for a cell, `[layers ×
/// directions, N, H]` for an ``LSTM``. A ``DifferentiableTree``, so gradients can be
/// taken with respect to an initial state.
///
/// ```swift
/// let zero = LSTMState(hidden: Tensor.zeros([1, 4, 8]), cell: Tensor.zeros([1, 4, 8]))
/// ```
public struct LSTMState: DifferentiableTree, Sendable {
    /// The hidden state `h` (the output of the last step).
    ///
    /// ```swift
    /// LSTMState(hidden: Tensor.zeros([2, 8]), cell: Tensor.ones([2, 8])).hidden.shape    // [2, 8]
    /// ```
    public var hidden: Tensor
    /// The cell state `c`.
    ///
    /// ```swift
    /// LSTMState(hidden: Tensor.zeros([2, 8]), cell: Tensor.ones([2, 8])).cell.scalars[0]    // 1.0
    /// ```
    public var cell: Tensor

    /// A state from its two parts, which must have the same shape.
    ///
    /// ```swift
    /// let s = LSTMState(hidden: Tensor.zeros([2, 8]), cell: Tensor.zeros([2, 8]))
    /// ```
    public init(hidden: Tensor, cell: Tensor) {
        precondition(hidden.shape == cell.shape,
                     "LSTMState: hidden \(hidden.shape) and cell \(cell.shape) shapes differ")
        self.hidden = hidden
        self.cell = cell
    }

    /// `[hidden, cell]`.
    ///
    /// ```swift
    /// s.leaves.count    // 2
    /// ```
    public var leaves: [Tensor] { [hidden, cell] }

    /// Both parts transformed, hidden first.
    ///
    /// ```swift
    /// let halved = s.mapLeaves { $0 * 0.5 }
    /// ```
    public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> LSTMState {
        LSTMState(hidden: try transform(hidden), cell: try transform(cell))
    }
}

/// One step of a long short-term memory network, PyTorch's `nn.LSTMCell`:
///
/// ```
/// i = σ(W_ii x + b_ii + W_hi h + b_hi)      f = σ(W_if x + b_if + W_hf h + b_hf)
/// g = tanh(W_ig x + b_ig + W_hg h + b_hg)   o = σ(W_io x + b_io + W_ho h + b_ho)
/// c' = f ⊙ c + i ⊙ g                        h' = o ⊙ tanh(c')
/// ```
///
/// The gates are stacked in PyTorch's order `i, f, g, o` along the first axis of
/// `weightIH` (`[4H, inputSize]`), `weightHH` (`[4H, H]`), `biasIH` and `biasHH`
/// (`[4H]`); every entry starts uniform in `[−1/√H, 1/√H)`, as in PyTorch.
///
/// Paths and PyTorch's names: `weightIH` (`weight_ih`), `weightHH` (`weight_hh`),
/// `biasIH` (`bias_ih`), `biasHH` (`bias_hh`).
///
/// ```swift
/// var rng = RandomGenerator(seed: 0)
/// let cell = LSTMCell(10, 20, using: &rng)
/// var state = cell(Tensor.ones([3, 10]))              // from a zero state
/// state = cell(Tensor.ones([3, 10]), state: state)    // state.hidden: [3, 20]
/// ```
public final class LSTMCell: Module {
    /// The input's feature count.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// LSTMCell(10, 20, using: &rng).inputSize    // 10
    /// ```
    public let inputSize: Int
    /// The size `H` of the hidden and cell states.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// LSTMCell(10, 20, using: &rng).hiddenSize    // 20
    /// ```
    public let hiddenSize: Int
    /// The input-to-hidden weights of the gates `i, f, g, o`, `[4H, inputSize]`.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// LSTMCell(10, 20, using: &rng).weightIH.shape    // [80, 10]
    /// ```
    @Parameter public var weightIH: Tensor
    /// The hidden-to-hidden weights of the gates `i, f, g, o`, `[4H, H]`.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// LSTMCell(10, 20, using: &rng).weightHH.shape    // [80, 20]
    /// ```
    @Parameter public var weightHH: Tensor
    private let _biasIH: Parameter?
    private let _biasHH: Parameter?

    /// A cell with PyTorch's initialisation, drawn from `generator` in the order
    /// `weightIH`, `weightHH`, `biasIH`, `biasHH`.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// let cell = LSTMCell(10, 20, bias: false, dtype: .float32, using: &rng)
    /// ```
    public init(_ inputSize: Int, _ hiddenSize: Int, bias: Bool = true, dtype: DType = .float64,
                frozen: Bool = false, using generator: inout RandomGenerator) {
        precondition(inputSize > 0 && hiddenSize > 0,
                     "LSTMCell: inputSize \(inputSize) and hiddenSize \(hiddenSize) must be positive")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        let bound = inverseSquareRootBound(hiddenSize)
        func draw(_ shape: [Int]) -> Tensor { uniformInitialization(shape, bound: bound, dtype: dtype, using: &generator) }
        _weightIH = Parameter(wrappedValue: draw([4 * hiddenSize, inputSize]), frozen: frozen)
        _weightHH = Parameter(wrappedValue: draw([4 * hiddenSize, hiddenSize]), frozen: frozen)
        _biasIH = optionalParameter(bias, frozen: frozen) { draw([4 * hiddenSize]) }
        _biasHH = optionalParameter(bias, frozen: frozen) { draw([4 * hiddenSize]) }
    }

    /// The input-to-hidden bias, `[4H]`, or `nil` for a cell made with `bias: false`.
    ///
    /// ```swift
    /// let b = cell.biasIH
    /// ```
    public var biasIH: Tensor? { _biasIH?.wrappedValue }
    /// The hidden-to-hidden bias, `[4H]`, or `nil`.
    ///
    /// ```swift
    /// let b = cell.biasHH
    /// ```
    public var biasHH: Tensor? { _biasHH?.wrappedValue }
    /// The wrapper of ``biasIH``, or `nil`.
    ///
    /// ```swift
    /// cell.biasIHParameter?.storedValue = Tensor.zeros([80])
    /// ```
    public var biasIHParameter: Parameter? { _biasIH }
    /// The wrapper of ``biasHH``, or `nil`.
    ///
    /// ```swift
    /// cell.biasHHParameter?.storedValue = Tensor.zeros([80])
    /// ```
    public var biasHHParameter: Parameter? { _biasHH }

    /// One step from the zero state.
    ///
    /// ```swift
    /// let state = cell(Tensor.ones([3, 10]))
    /// ```
    public func callAsFunction(_ input: Tensor) -> LSTMState {
        callAsFunction(input, state: nil)
    }

    /// One step from `state` (the zero state when `nil`). `input` is `[N, inputSize]` and
    /// the state `[N, H]`, or `[inputSize]` and `[H]` unbatched.
    ///
    /// ```swift
    /// let next = cell(x, state: previous)
    /// ```
    public func callAsFunction(_ input: Tensor, state: LSTMState?) -> LSTMState {
        precondition((input.rank == 1 || input.rank == 2) && input.shape[input.rank - 1] == inputSize,
                     "LSTMCell: input \(input.shape) must have shape [N, \(inputSize)] or [\(inputSize)]")
        let x = input.rank == 2 ? input : input.unsqueezed(at: 0)
        let expected = [x.shape[0], hiddenSize]
        let s: LSTMState
        if let state {
            precondition(state.hidden.shape == Array(expected.suffix(input.rank)),
                         "LSTMCell: state \(state.hidden.shape) does not fit input \(input.shape) (hidden size \(hiddenSize))")
            s = input.rank == 2 ? state : state.mapLeaves { $0.unsqueezed(at: 0) }
        } else {
            s = LSTMState(hidden: Tensor.zeros(expected, dtype: input.dtype), cell: Tensor.zeros(expected, dtype: input.dtype))
        }
        let next = LSTMCell.step(x, s, weights: sequenceWeights())
        return input.rank == 2 ? next : next.mapLeaves { $0.squeezed(axis: 0) }
    }

    /// The weights read once for a whole sequence, with the two biases summed.
    func sequenceWeights() -> RecurrentWeights {
        RecurrentWeights(inputHidden: weightIH, hiddenHidden: weightHH, bias: combinedBias())
    }

    private func combinedBias() -> Tensor? {
        switch (biasIH, biasHH) {
        case let (a?, b?): return a + b
        case let (a?, nil): return a
        case let (nil, b?): return b
        case (nil, nil): return nil
        }
    }

    /// One LSTM step on `[N, inputSize]` and `[N, H]` values.
    static func step(_ x: Tensor, _ state: LSTMState, weights w: RecurrentWeights) -> LSTMState {
        var gates = matmul(x, w.inputHidden, transposeB: true) + matmul(state.hidden, w.hiddenHidden, transposeB: true)
        if let b = w.bias { gates = gates + b }
        let parts = gates.split(count: 4, alongAxis: 1)
        let i = sigmoid(parts[0]), f = sigmoid(parts[1]), g = tanh(parts[2]), o = sigmoid(parts[3])
        let c = f * state.cell + i * g
        return LSTMState(hidden: o * tanh(c), cell: c)
    }
}

/// A recurrent cell's weights, read once per sequence.
struct RecurrentWeights {
    var inputHidden: Tensor
    var hiddenHidden: Tensor
    /// The sum of both biases (LSTM), or nil without bias.
    var bias: Tensor?
    /// The separate biases (GRU, whose candidate gate keeps them apart).
    var biasIH: Tensor? = nil
    var biasHH: Tensor? = nil
}
