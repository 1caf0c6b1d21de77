/// Modules applied one after another, PyTorch's `nn.Sequential`.
///
/// The parameters of the module at position `k` have paths starting with `"k."`, as in
/// PyTorch (`"0.weight"`, `"2.bias"`), so a PyTorch state dict of a sequential model
/// has the same names. Parameter-free modules (activations) take a position too.
///
/// ```swift
/// var rng = RandomGenerator(seed: 0)
/// let mlp = Sequential(Linear(1, 40, using: &rng), ReLU(), Linear(40, 1, using: &rng))
/// let y = mlp(Tensor.ones([8, 1]))
/// makeFunctional(mlp).parameters.paths    // ["0.weight", "0.bias", "2.weight", "2.bias"]
/// ```
public final class Sequential: Module, CustomReflectable {
    /// The modules, in the order they are applied.
    ///
    /// ```swift
    /// Sequential(Flatten(), ReLU()).layers.count    // 2
    /// ```
    public let layers: [any Module<Tensor, Tensor>]

    /// The modules `layers`, applied in order.
    ///
    /// ```swift
    /// let net = Sequential([Flatten(), Linear(784, 10, using: &rng)])
    /// ```
    public init(_ layers: [any Module<Tensor, Tensor>]) {
        self.layers = layers
    }

    /// The modules given, applied in order.
    ///
    /// ```swift
    /// let net = Sequential(Linear(4, 8, using: &rng), Tanh(), Linear(8, 2, using: &rng))
    /// ```
    public convenience init(_ layers: any Module<Tensor, Tensor>...) {
        self.init(layers)
    }

    /// The number of modules.
    ///
    /// ```swift
    /// Sequential(ReLU(), Tanh()).count    // 2
    /// ```
    public var count: Int { layers.count }

    /// The module at `index`.
    ///
    /// ```swift
    /// let first = net[0] as! Linear
    /// ```
    public subscript(index: Int) -> any Module<Tensor, Tensor> { layers[index] }

    /// The input passed through every module in order (the input itself when empty).
    ///
    /// ```swift
    /// let y = net(x)
    /// ```
    public func callAsFunction(_ input: Tensor) -> Tensor {
        var x = input
        for layer in layers { x = layer(x) }
        return x
    }

    /// Children labelled by position (`"0"`, `"1"`, …), which gives the PyTorch paths to
    /// ``makeFunctional(_:)``'s reflection.
    ///
    /// ```swift
    /// Mirror(reflecting: net).children.map(\.label)    // ["0", "1", "2"]
    /// ```
    public var customMirror: Mirror {
        Mirror(self, children: layers.enumerated().map { (label: String($0.offset), value: $0.element as Any) },
               displayStyle: .class, ancestorRepresentation: .suppressed)
    }
}
