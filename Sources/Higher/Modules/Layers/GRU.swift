/// A multi-layer gated recurrent unit network over sequences, PyTorch's `nn.GRU`.
///
/// Each layer runs a ``GRUCell`` over the time steps (gates in PyTorch's order
/// `r, z, n`); layer `k > 0` reads layer `k − 1`'s hidden states. With `bidirectional`,
/// each layer also runs a second cell from the last step to the first, and the two
/// hidden states of a step are concatenated (forward first). With `dropout > 0`, the
/// inputs of layers after the first are multiplied by a dropout mask in training mode
/// (see ``Dropout``).
///
/// Shapes (`L` steps, `N` samples, `D` = 2 if bidirectional else 1):
/// - input `[L, N, inputSize]`, or `[N, L, inputSize]` with `batchFirst`, or
///   `[L, inputSize]` unbatched;
/// - output `[L, N, D·H]` (`[N, L, D·H]` with `batchFirst`, `[L, D·H]` unbatched);
/// - state `[numLayers·D, N, H]` (`[numLayers·D, H]` unbatched), ordered layer by
///   layer, forward before reverse, as in PyTorch; zero when no initial state is given.
///
/// Parameters start uniform in `[−1/√H, 1/√H)`. Paths and PyTorch's names are those of
/// ``LSTM``: `layers.k.weightIH` ↔ `weight_ih_lk`, `reverseLayers.k.biasHH` ↔
/// `bias_hh_lk_reverse` (see ``torchName(forPath:)``).
///
/// ```swift
/// var rng = RandomGenerator(seed: 0)
/// let gru = GRU(10, 20, numLayers: 2, using: &rng)
/// let (output, hidden) = gru(Tensor.ones([7, 4, 10]))   // [7, 4, 20] and [2, 4, 20]
/// ```
public final class GRU: Module {
    /// The input's feature count.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// GRU(10, 20, using: &rng).inputSize    // 10
    /// ```
    public let inputSize: Int
    /// The size `H` of the hidden state.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// GRU(10, 20, using: &rng).hiddenSize    // 20
    /// ```
    public let hiddenSize: Int
    /// The number of stacked layers.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// GRU(10, 20, numLayers: 2, using: &rng).numLayers    // 2
    /// ```
    public let numLayers: Int
    /// Whether inputs and outputs are `[N, L, …]` rather than `[L, N, …]`.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// GRU(10, 20, batchFirst: true, using: &rng).batchFirst    // true
    /// ```
    public let batchFirst: Bool
    /// Whether each layer also runs backwards in time.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// GRU(10, 20, bidirectional: true, using: &rng).bidirectional    // true
    /// ```
    public let bidirectional: Bool
    /// The forward cell of each layer.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// GRU(10, 20, numLayers: 2, using: &rng).layers[1].inputSize    // 20
    /// ```
    public let layers: [GRUCell]
    /// The backward cell of each layer (empty unless ``bidirectional``).
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// GRU(10, 20, bidirectional: true, using: &rng).reverseLayers.count    // 1
    /// ```
    public let reverseLayers: [GRUCell]
    /// The dropout applied between layers, or `nil` when the probability is 0.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// GRU(10, 20, numLayers: 2, dropout: 0.3, using: &rng).dropout!.p    // 0.3
    /// ```
    public let dropout: Dropout?

    /// A network with PyTorch's initialisation, drawn from `generator` in PyTorch's
    /// parameter order (layer by layer, forward cell before reverse cell).
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// let gru = GRU(8, 16, numLayers: 2, batchFirst: true, bidirectional: true, using: &rng)
    /// ```
    public init(_ inputSize: Int, _ hiddenSize: Int, numLayers: Int = 1, bias: Bool = true,
                batchFirst: Bool = false, dropout: Double = 0, bidirectional: Bool = false,
                dtype: DType = .float64, frozen: Bool = false, using generator: inout RandomGenerator) {
        precondition(numLayers > 0, "GRU: numLayers \(numLayers) must be positive")
        precondition(dropout >= 0 && dropout <= 1, "GRU: dropout \(dropout) is not in [0, 1]")
        self.inputSize = inputSize
        self.hiddenSize = hiddenSize
        self.numLayers = numLayers
        self.batchFirst = batchFirst
        self.bidirectional = bidirectional
        var forward: [GRUCell] = []
        var backward: [GRUCell] = []
        for layer in 0..<numLayers {
            let size = layer == 0 ? inputSize : hiddenSize * (bidirectional ? 2 : 1)
            forward.append(GRUCell(size, hiddenSize, bias: bias, dtype: dtype, frozen: frozen, using: &generator))
            if bidirectional {
                backward.append(GRUCell(size, hiddenSize, bias: bias, dtype: dtype, frozen: frozen, using: &generator))
            }
        }
        layers = forward
        reverseLayers = backward
        self.dropout = dropout > 0 && numLayers > 1 ? Dropout(dropout, using: &generator) : nil
    }

    /// The output sequence and final hidden state, from a zero initial state.
    ///
    /// ```swift
    /// let (y, h) = gru(x)
    /// ```
    public func callAsFunction(_ input: Tensor) -> (output: Tensor, state: Tensor) {
        callAsFunction(input, initialState: nil)
    }

    /// The output sequence and final hidden state, from `initialState` (zero when `nil`).
    ///
    /// ```swift
    /// let (y, h) = gru(x, initialState: h0)
    /// ```
    public func callAsFunction(_ input: Tensor, initialState: Tensor?) -> (output: Tensor, state: Tensor) {
        let sequence = RecurrentSequence(input, batchFirst: batchFirst, inputSize: inputSize, name: "GRU")
        let directions = bidirectional ? 2 : 1
        let h0 = initialState.map {
            sequence.batchedState($0, count: numLayers * directions, hiddenSize: hiddenSize, what: "hidden")
        }
        let zero = Tensor.zeros([sequence.batchSize, hiddenSize], dtype: input.dtype)
        let (outputs, finals) = sequence.run(
            layers: numLayers, directions: directions,
            weights: { layer, direction in
                (direction == 0 ? self.layers : self.reverseLayers)[layer].sequenceWeights()
            },
            initial: { k in h0?[k] ?? zero },
            step: GRUCell.step, hidden: { $0 }, dropout: dropout)
        return (sequence.output(outputs), sequence.finalState(finals))
    }

    /// PyTorch's name for a parameter path of this layer (`"layers.0.weightIH"` →
    /// `"weight_ih_l0"`), or `nil` for a path that is not a recurrent weight.
    ///
    /// ```swift
    /// GRU.torchName(forPath: "layers.1.biasIH")    // "bias_ih_l1"
    /// ```
    public static func torchName(forPath path: String) -> String? { RecurrentNames.torchName(forPath: path) }

    /// The parameter path for PyTorch's name, to load a PyTorch state dict; `nil` for
    /// an unknown name.
    ///
    /// ```swift
    /// GRU.path(forTorchName: "weight_hh_l1")    // "layers.1.weightHH"
    /// ```
    public static func path(forTorchName name: String) -> String? { RecurrentNames.path(forTorchName: name) }
}
