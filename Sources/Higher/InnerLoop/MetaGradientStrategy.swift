/// How an inner loop computes its meta-gradient. Chosen per loop; the exact strategies
/// agree to round-off.
///
/// ```swift
/// var loop = InnerLoop(model: f, optimizer: SGD(lr: 0.01), strategy: .checkpointed)
/// ```
public enum MetaGradientStrategy: Sendable, Hashable {
    /// Exact, the default. The forward sweep keeps only each step's parameters and
    /// optimizer state (memory O(K·|θ|)); the backward sweep walks the steps in reverse and
    /// gets each step's Hessian-vector product by re-running that step's loss on dual
    /// tensors (forward-over-reverse).
    case forwardOverReverse
    /// Exact. The loop is one tape that records every step's loss, gradient and update,
    /// and the meta-gradient is one backward sweep of it (what PyTorch's `higher` does):
    /// no step is computed twice, and memory grows with every activation of every step.
    /// The fastest choice for small models.
    case reverseOverReverse
    /// First-order (FOMAML): the second-order terms are dropped — each step's gradient is
    /// taken as a constant — while gradients still reach the initial weights through the
    /// update itself.
    case firstOrder
    /// Backpropagates through the last `steps` steps only. The steps before them count
    /// as a constant offset, so the initial weights receive the gradient that reaches
    /// the start of the window. With `steps` equal to the number of steps it is exact.
    case truncated(steps: Int)
    /// Exact, with O(√K) stored states: the backward sweep recomputes each segment's
    /// states from its checkpoint.
    case checkpointed

    var storesEveryStep: Bool {
        switch self {
        case .forwardOverReverse, .reverseOverReverse, .firstOrder: return true
        case .truncated, .checkpointed: return false
        }
    }
}

/// The gradients an inner loop's outer loss produces, ready for an outer optimizer step.
///
/// ```swift
/// let result = try loop.metaGradient { m in meanSquaredError(predicted: try m(xQuery), target: yQuery) }
/// metaState = try Adam(lr: 1e-3).step(metaState, metaWeights, result.initialParameters!)
/// ```
public struct MetaGradient<Opt: Optimizer> {
    /// The outer loss (a plain value).
    ///
    /// ```swift
    /// print(result.outerLoss.item)    // the query loss after adaptation
    /// ```
    public let outerLoss: Tensor
    /// The gradient with respect to the initial weights; `nil` when the loop was made with
    /// `initialWeightsReceiveGradients: false`.
    ///
    /// ```swift
    /// let metaGradient = result.initialParameters!    // the same paths as the model's parameters
    /// ```
    public let initialParameters: Parameters?
    /// The gradient with respect to the loop's meta-parameters (empty if there are none).
    ///
    /// ```swift
    /// for (path, g) in result.metaParameters.elements { print(path, g.shape) }
    /// ```
    public let metaParameters: Parameters
    /// The gradient with respect to the hyperparameter values used at each step, in
    /// step order (zeros for steps a truncated strategy does not reach); empty when the
    /// loop was made with `hyperparametersReceiveGradients: false`.
    ///
    /// ```swift
    /// let lrGradients = result.hyperparametersPerStep.map { $0.lr.tensor!.item }    // one per step
    /// ```
    public let hyperparametersPerStep: [Opt.Hyper]

    /// The gradient with respect to one hyperparameter value shared by every step: the
    /// sum over the steps (`nil` when the loop took no steps or was made with
    /// `hyperparametersReceiveGradients: false`).
    ///
    /// ```swift
    /// let lrGradient = result.hyperparameters!.lr.tensor!.item
    /// ```
    public var hyperparameters: Opt.Hyper? {
        guard var total = hyperparametersPerStep.first?.leaves else { return nil }
        for h in hyperparametersPerStep.dropFirst() {
            total = zip(total, h.leaves).map { $0 + $1 }
        }
        return hyperparametersPerStep[0].replacingLeaves(total)
    }
}

