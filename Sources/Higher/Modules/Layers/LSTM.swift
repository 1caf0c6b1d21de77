/// A multi-layer long short-term memory network over sequences, PyTorch's `nn.LSTM`.
///
/// Each layer runs an ``LSTMCell`` over the time steps (gates in PyTorch's order
/// `i, f, g, o`); layer `k > 0` reads layer `k − 1`'s hidden states. With
/// `bidirectional`, each layer also runs a second cell from the last step to the first,
/// and the two hidden states of a step are concatenated (forward first). With
/// `dropout > 0`, the inputs of layers after the first are multiplied by a dropout mask
/// in training mode (see ``Dropout`` for how masks are drawn reproducibly).
///
/// Shapes (`L` steps, `N` samples, `D` = 2 if bidirectional else 1):
/// - input `[L, N, inputSize]`, or `[N, L, inputSize]` with `batchFirst`, or
///   `[L, inputSize]` unbatched;
/// - output `[L, N, D·H]` (`[N, L, D·H]` with `batchFirst`, `[L, D·H]` unbatched);
/// - states `[numLayers·D, N, H]` (`[numLayers·D, H]` unbatched), ordered layer by
///   layer, forward before reverse, as in PyTorch; zero when no initial state is given.
///
/// Parameters start uniform in `[−1/√H, 1/√H)`. Paths and PyTorch's names (see
/// ``torchName(forPath:)``):
///
/// | Higher                        | PyTorch                |
/// |-------------------------------|------------------------|
/// | `layers.k.weightIH`           | `weight_ih_lk`         |
/// | `layers.k.weightHH`           | `weight_hh_lk`         |
/// | `layers.k.biasIH`             | `bias_ih_lk`           |
/// | `layers.k.biasHH`             | `bias_hh_lk`           |
/// | `reverseLayers.k.weightIH` …  | `weight_ih_lk_reverse` … |
///
/// With `dropout > 0` there is also a buffer `dropout.step` (PyTorch has no equivalent).
///
/// ```swift
/// var rng = RandomGenerator(seed: 0)
/// let lstm = LSTM(10, 20, numLayers: 2, batchFirst: true, using: &rng)
/// let (output, state) = lstm(Tensor.ones([4, 7, 10]))   // output [4, 7, 20]
/// // state.hidden, state.cell: [2, 4, 20]
/// ```
public final class LSTM: Module {
    /// The input's feature count.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// LSTM(10, 20, using: &rng).inputSize    // 10
    /// ```
    public let inputSize: Int
    /// The size `H` of the hidden and cell states.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// LSTM(10, 20, using: &rng).hiddenSize    // 20
    /// ```
    public let hiddenSize: Int
    /// The number of stacked layers.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// LSTM(10, 20, numLayers: 3, using: &rng).numLayers    // 3
    /// ```
    public let numLayers: Int
    /// Whether inputs and outputs are `[N, L, …]` rather than `[L, N, …]`.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// LSTM(10, 20, using: &rng).batchFirst    // false
    /// ```
    public let batchFirst: Bool
    /// Whether each layer also runs backwards in time.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// LSTM(10, 20, bidirectional: true, using: &rng).bidirectional    // true
    /// ```
    public let bidirectional: Bool
    /// The forward cell of each layer.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// LSTM(10, 20, numLayers: 2, using: &rng).layers.map(\.inputSize)    // [10, 20]
    /// ```
    public let layers: [LSTMCell]
    /// The backward cell of each layer (empty unless ``bidirectional``).
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// LSTM(10, 20, numLayers: 2, bidirectional: true, using: &rng).reverseLayers.count    // 2
    /// ```
    public let reverseLayers: [LSTMCell]
    /// The dropout applied between layers, or `nil` when the probability is 0.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// LSTM(10, 20, numLayers: 2, dropout: 0.3, using: &rng).dropout!.p    // 0.3
    /// ```
    public let dropout: Dropout?

    /// A network with PyTorch's initialisation, drawn from `generator` in PyTorch's
    /// parameter order (layer by layer, forward cell before reverse cell).
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// let lstm = LSTM(8, 16, numLayers: 3, dropout: 0.2, bidirectional: true, using: &rng)
    /// ```
    public init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, bias: Bool = true,
                batchFirst: Bool = false, dropout: Double = 0, bidirectional: Bool = false,
                dtype: DType = .float64, frozen: Bool = false, using generator: inout RandomGenerator) {
        precondition(numLayers > 0, "LSTM: numLayers \(numLayers) must be positive")
        precondition(dropout >= 0 && dropout <= 1, "LSTM: dropout \(dropout) is not in [0, 1]")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.numLayers = numLayers
        self.batchFirst = batchFirst
        self.bidirectional = bidirectional
        var forward: [LSTMCell] = []
        var backward: [LSTMCell] = []
        for layer in 0..<numLayers {
            let size = layer == 0 ? inputSize : hiddenSize * (bidirectional ? 2 : 1)
            forward.append(LSTMCell(size, hiddenSize, bias: bias, dtype: dtype, frozen: frozen, using: &generator))
            if bidirectional {
                backward.append(LSTMCell(size, hiddenSize, bias: bias, dtype: dtype, frozen: frozen, using: &generator))
            }
        }
        layers = forward
        reverseLayers = backward
        self.dropout = dropout > 0 && numLayers > 1 ? Dropout(dropout, using: &generator) : nil
    }

    /// The output sequence and final state, from a zero initial state.
    ///
    /// ```swift
    /// let (y, state) = lstm(x)
    /// ```
    public func callAsFunction(_ input: Tensor) -> (output: Tensor, state: LSTMState) {
        callAsFunction(input, initialState: nil)
    }

    /// The output sequence and final state, from `initialState` (zero when `nil`).
    ///
    /// ```swift
    /// let (y, state) = lstm(x, initialState: LSTMState(hidden: h0, cell: c0))
    /// ```
    public func callAsFunction(_ input: Tensor, initialState: LSTMState?) -> (output: Tensor, state: LSTMState) {
        let sequence = RecurrentSequence(input, batchFirst: batchFirst, inputSize: inputSize, name: "LSTM")
        let directions = bidirectional ? 2 : 1
        let count = numLayers * directions
        let h0 = initialState.map { sequence.batchedState($0.hidden, count: count, hiddenSize: hiddenSize, what: "hidden") }
        let c0 = initialState.map { sequence.batchedState($0.cell, count: count, hiddenSize: hiddenSize, what: "cell") }
        let zero = Tensor.zeros([sequence.batchSize, hiddenSize], dtype: input.dtype)
        let (outputs, finals) = sequence.run(
            layers: numLayers, directions: directions,
            weights: { layer, direction in
                (direction == 0 ? self.layers : self.reverseLayers)[layer].sequenceWeights()
            },
            initial: { k in LSTMState(hidden: h0?[k] ?? zero, cell: c0?[k] ?? zero) },
            step: LSTMCell.step, hidden: \.hidden, dropout: dropout)
        let state = LSTMState(hidden: sequence.finalState(finals.map(\.hidden)),
                              cell: sequence.finalState(finals.map(\.cell)))
        return (sequence.output(outputs), state)
    }

    /// PyTorch's name for a parameter path of this layer (`"layers.0.weightIH"` →
    /// `"weight_ih_l0"`), or `nil` for a path that is not a recurrent weight.
    ///
    /// ```swift
    /// LSTM.torchName(forPath: "reverseLayers.1.biasHH")    // "bias_hh_l1_reverse"
    /// ```
    public static func torchName(forPath path: String) -> String? { RecurrentNames.torchName(forPath: path) }

    /// The parameter path for PyTorch's name (`"weight_ih_l0"` → `"layers.0.weightIH"`),
    /// to load a PyTorch state dict; `nil` for an unknown name.
    ///
    /// ```swift
    /// LSTM.path(forTorchName: "bias_ih_l0_reverse")    // "reverseLayers.0.biasIH"
    /// ```
    public static func path(forTorchName name: String) -> String? { RecurrentNames.path(forTorchName: name) }
}
