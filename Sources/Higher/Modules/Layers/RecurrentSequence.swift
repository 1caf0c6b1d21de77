/// What ``LSTM`` and ``GRU`` share: the input layouts, the loop over layers, directions
/// and time steps, and the mapping between parameter paths and PyTorch's names.
struct RecurrentSequence {
    let name: String
    let batched: Bool
    let batchFirst: Bool
    let batchSize: Int
    /// The input's time steps, each `[N, inputSize]` (`N = 1` unbatched).
    let steps: [Tensor]

    init(_ input: Tensor, batchFirst: Bool, inputSize: Int, name: String) {
        let layout = batchFirst ? "[N, L, \(inputSize)]" : "[L, N, \(inputSize)]"
        precondition((input.rank == 2 || input.rank == 3) && input.shape[input.rank - 1] == inputSize,
                     "\(name): input \(input.shape) must have shape \(layout), or [L, \(inputSize)] unbatched")
        self.name = name
        self.batched = input.rank == 3
        self.batchFirst = batchFirst
        let timeAxis = batched && batchFirst ? 1 : 0
        precondition(input.shape[timeAxis] > 0, "\(name): input \(input.shape) has no time steps")
        batchSize = batched ? input.shape[batchFirst ? 0 : 1] : 1
        steps = batched ? input.unstacked(alongAxis: timeAxis) : input.unsqueezed(at: 1).unstacked(alongAxis: 0)
    }

    /// The shape of a full state, `[layers × directions, N, H]` (`[…, H]` unbatched).
    func stateShape(_ count: Int, _ hiddenSize: Int) -> [Int] {
        batched ? [count, batchSize, hiddenSize] : [count, hiddenSize]
    }

    /// A full state given by the caller, checked and seen as `[count, N, H]`.
    func batchedState(_ state: Tensor, count: Int, hiddenSize: Int, what: String) -> Tensor {
        let expected = stateShape(count, hiddenSize)
        precondition(state.shape == expected,
                     "\(name): initial \(what) state \(state.shape) must have shape \(expected)")
        return batched ? state : state.unsqueezed(at: 1)
    }

    /// Per-step outputs (`[N, F]` each) stacked into the caller's layout.
    func output(_ perStep: [Tensor]) -> Tensor {
        guard batched else { return Tensor.stack(perStep, alongAxis: 0).squeezed(axis: 1) }
        return Tensor.stack(perStep, alongAxis: batchFirst ? 1 : 0)
    }

    /// Final per-layer states (`[N, H]` each) stacked to `[count, N, H]` (`[count, H]` unbatched).
    func finalState(_ perLayer: [Tensor]) -> Tensor {
        let stacked = Tensor.stack(perLayer, alongAxis: 0)
        return batched ? stacked : stacked.squeezed(axis: 1)
    }

    /// Runs every layer and direction over the steps. `initial(k)` is the state of layer
    /// and direction `k = layer·directions + direction`; between layers the outputs are
    /// multiplied by the dropout mask, one mask per layer for the whole sequence.
    func run<State>(
        layers: Int, directions: Int,
        weights: (_ layer: Int, _ direction: Int) -> RecurrentWeights,
        initial: (Int) -> State,
        step: (Tensor, State, RecurrentWeights) -> State,
        hidden: (State) -> Tensor,
        dropout: Dropout?
    ) -> (outputs: [Tensor], finals: [State]) {
        var xs = steps
        var finals: [State] = []
        let length = steps.count
        for layer in 0..<layers {
            if layer > 0, let dropout,
               let mask = dropout.nextMask(shape: [length] + xs[0].shape, dtype: xs[0].dtype) {
                let masks = mask.unstacked(alongAxis: 0)
                xs = (0..<length).map { xs[$0] * masks[$0] }
            }
            var perDirection: [[Tensor]] = []
            for direction in 0..<directions {
                let w = weights(layer, direction)
                var state = initial(layer * directions + direction)
                var hs = [Tensor?](repeating: nil, count: length)
                let order = direction == 0 ? Array(0..<length) : Array((0..<length).reversed())
                for t in order {
                    state = step(xs[t], state, w)
                    hs[t] = hidden(state)
                }
                finals.append(state)
                perDirection.append(hs.map { $0! })
            }
            xs = directions == 1 ? perDirection[0]
                : (0..<length).map { t in Tensor.concatenate(perDirection.map { $0[t] }, alongAxis: 1) }
        }
        return (xs, finals)
    }
}

/// Paths of ``LSTM`` and ``GRU`` parameters and PyTorch's names for them:
/// `layers.k.weightIH` ↔ `weight_ih_lk`, `reverseLayers.k.biasHH` ↔ `bias_hh_lk_reverse`.
enum RecurrentNames {
    static let pairs = [("weightIH", "weight_ih"), ("weightHH", "weight_hh"), ("biasIH", "bias_ih"), ("biasHH", "bias_hh")]

    static func torchName(forPath path: String) -> String? {
        let parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts[0] == "layers" || parts[0] == "reverseLayers",
              let layer = Int(parts[1]), layer >= 0, String(layer) == parts[1],
              let torch = pairs.first(where: { $0.0 == parts[2] })?.1 else { return nil }
        return "\(torch)_l\(layer)" + (parts[0] == "reverseLayers" ? "_reverse" : "")
    }

    static func path(forTorchName name: String) -> String? {
        var parts = name.split(separator: "_", omittingEmptySubsequences: false).map(String.init)
        let reverse = parts.last == "reverse"
        if reverse { parts.removeLast() }
        guard parts.count == 3, parts[2].hasPrefix("l") else { return nil }
        let number = String(parts[2].dropFirst())
        let stem = parts[0] + "_" + parts[1]
        guard let layer = Int(number), layer >= 0, String(layer) == number,
              let swift = pairs.first(where: { $0.1 == stem })?.0 else { return nil }
        return "\(reverse ? "reverseLayers" : "layers").\(layer).\(swift)"
    }
}
