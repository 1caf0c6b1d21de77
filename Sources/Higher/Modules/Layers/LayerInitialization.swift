/// Initialisation and checks shared by the layers.

/// PyTorch's default for `Linear`, `Conv2d` and the recurrent layers: samples uniform in
/// `[−bound, bound)`. (`kaiming_uniform_(a: √5)` reduces to `bound = 1/√fanIn` for the
/// weights, and the biases use the same bound.)
func uniformInitialization(_ shape: [Int], bound: Double, dtype: DType,
                           using generator: inout RandomGenerator) -> Tensor {
    Tensor.uniform(shape, low: -bound, high: bound, dtype: dtype, using: &generator)
}

/// `1/√fanIn`, or 0 for an empty fan-in (PyTorch leaves such a bias bound at 0).
func inverseSquareRootBound(_ fanIn: Int) -> Double {
    fanIn > 0 ? 1 / Double(fanIn).squareRoot() : 0
}

/// A parameter wrapper for an optional tensor (a bias that may be absent).
func optionalParameter(_ present: Bool, frozen: Bool, _ value: () -> Tensor) -> Parameter? {
    present ? Parameter(wrappedValue: value(), frozen: frozen) : nil
}

/// The shape `[1, C, 1, …, 1]` of rank `rank` that broadcasts a per-channel vector over
/// an `[N, C, …]` tensor.
func channelShape(_ channels: Int, rank: Int) -> [Int] {
    var shape = [Int](repeating: 1, count: rank)
    shape[1] = channels
    return shape
}
