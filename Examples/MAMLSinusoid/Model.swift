import Higher

/// The paper's regressor: a 1-40-40-1 multilayer perceptron with ReLU activations.
///
/// Parameter paths: `hidden1.weight`, `hidden1.bias`, `hidden2.weight`, `hidden2.bias`,
/// `output.weight`, `output.bias`. Inputs are `[n, 1]`, outputs `[n, 1]`.
///
/// ```swift
/// var rng = RandomGenerator(seed: 0)
/// let net = SinusoidMLP(using: &rng)
/// let f = makeFunctional(net)
/// let y = try f(Tensor.zeros([5, 1], dtype: .float32), parameters: f.parameters)   // [5, 1]
/// ```
public final class SinusoidMLP: Module {
    /// The first hidden layer, 1 → `hidden`.
    public let hidden1: Linear
    /// The second hidden layer, `hidden` → `hidden`.
    public let hidden2: Linear
    /// The output layer, `hidden` → 1.
    public let output: Linear

    /// A network with PyTorch's default initialisation drawn from `generator`.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// let small = SinusoidMLP(hidden: 8, dtype: .float64, using: &rng)
    /// ```
    public init(hidden: Int = 40, dtype: DType = .float32, using generator: inout RandomGenerator) {
        hidden1 = Linear(1, hidden, dtype: dtype, using: &generator)
        hidden2 = Linear(hidden, hidden, dtype: dtype, using: &generator)
        output = Linear(hidden, 1, dtype: dtype, using: &generator)
    }

    /// The network's prediction for inputs `[n, 1]`.
    ///
    /// ```swift
    /// let y = net(Tensor.ones([3, 1], dtype: .float32))
    /// ```
    public func callAsFunction(_ x: Tensor) -> Tensor {
        output(relu(hidden2(relu(hidden1(x)))))
    }
}

/// The functional form the inner loop works with.
public typealias SinusoidModel = FunctionalModule<SinusoidMLP>
