/// Loss functions with PyTorch's semantics (`torch.nn.functional`): per-element or
/// per-example losses, then a ``Reduction``. They are compositions of differentiable
/// operations, so they have first and second derivatives.

/// How a loss combines its per-element (or per-example) values.
///
/// ```swift
/// meanSquaredError(predicted: p, target: t, reduction: .sum)
/// ```
public enum Reduction: Sendable, Hashable {
    /// The mean over all per-element (per-example) losses: PyTorch's default.
    case mean
    /// The sum of all per-element (per-example) losses.
    case sum
    /// No reduction: the per-element (per-example) losses.
    case none

    func apply(_ losses: Tensor) -> Tensor {
        switch self {
        case .mean: return losses.mean()
        case .sum: return losses.sum()
        case .none: return losses
        }
    }
}

/// The squared error `(predicted − target)²` per element, reduced (mean by default).
///
/// Shapes must be equal (PyTorch would broadcast with a warning; here a mismatch such
/// as `[N, 1]` against `[N]` stops with a message).
///
/// ```swift
/// meanSquaredError(predicted: Tensor([1, 2]), target: Tensor([0, 4]))   // (1 + 4) / 2 = 2.5
/// ```
public func meanSquaredError(predicted: Tensor, target: Tensor, reduction: Reduction = .mean) -> Tensor {
    checkSameShape("meanSquaredError", predicted, "predicted", target, "target")
    // No elements: what mean() and sum() give.
    if predicted.count == 0 { return reduction.apply((predicted - target).squared()) }
    switch reduction {
    case .mean: return Tensor.scaledSquaredError(predicted, target, scale: 1 / Double(predicted.count))
    case .sum: return Tensor.scaledSquaredError(predicted, target, scale: 1)
    case .none: return (predicted - target).squared()
    }
}

extension Tensor {
    /// `scale · Σ (p − t)²` as one operation (one pass, one tape node, where the
    /// composition records a difference, a square, a sum and a division). Its derivative
    /// `2·scale·(p − t)` per element is written with operations, so it nests.
    static func scaledSquaredError(_ p: Tensor, _ t: Tensor, scale: Double) -> Tensor {
        if p.tracer == nil && t.tracer == nil { return squaredErrorKernel(p, t, scale: scale) }
        return primitive("squaredError", [p, t], value: { squaredErrorKernel($0[0], $0[1], scale: scale) },
            jvp: { x, d, _ in
                let direction = sum([d[0], d[1].map { -$0 }])!
                return ((x[0] - x[1]) * direction).sum() * (2 * scale)
            },
            backward: .inputs { x, g, need in
                let bar = squaredErrorCotangent(x[0], x[1], g, scale: scale)
                return [need[0] ? bar : nil, need[1] ? -bar : nil]
            })
    }

    /// `2·scale·g·(p − t)` for a single number `g`: the cotangent `scaledSquaredError`
    /// sends to `p`, as one operation (one node in a differentiated backward sweep, where
    /// the composition records a product of scalars, a difference and a product).
    /// Differentiable in all three inputs, to any order.
    ///
    /// ```swift
    /// Tensor.squaredErrorCotangent(Tensor([3, 1]), Tensor([1, 1]), Tensor(0.5), scale: 1)   // [2, 0]
    /// ```
    static func squaredErrorCotangent(_ p: Tensor, _ t: Tensor, _ g: Tensor, scale: Double) -> Tensor {
        precondition(g.count == 1, "squaredErrorCotangent: the cotangent has shape \(g.shape), not one element")
        if p.tracer == nil && t.tracer == nil && g.tracer == nil {
            return p.zipElements(t, "squaredErrorCotangent", ScaledDifferenceKernel(cotangent: g.item, scale: 2 * scale))
        }
        let outShape = p.shape
        return primitive("squaredErrorCotangent", [p, t, g],
            value: { x in x[0].zipElements(x[1], "squaredErrorCotangent", ScaledDifferenceKernel(cotangent: x[2].item, scale: 2 * scale)) },
            jvp: { x, d, _ in
                // d[2·scale·g·(p − t)] = 2·scale·(g·(dp − dt) + dg·(p − t)).
                let k = x[2].reshaped([])
                let direction = sum([d[0], d[1].map { -$0 }]).map { $0 * (k * (2 * scale)) }
                let gTerm = d[2].map { (x[0] - x[1]) * ($0.reshaped([]) * (2 * scale)) }
                return sum([direction, gTerm]) ?? Tensor.zeros(outShape, dtype: x[0].dtype)
            },
            backward: .inputs { x, u, need in
                let k = x[2].reshaped([])
                let pBar = need[0] || need[1] ? u * (k * (2 * scale)) : nil
                let gBar = need[2] ? ((u * (x[0] - x[1])).sum() * (2 * scale)).reshaped(x[2].shape) : nil
                return [need[0] ? pBar : nil, need[1] ? -pBar! : nil, gBar]
            })
    }

    /// `scale · Σ (p − t)²` on plain tensors, with four running sums.
    static func squaredErrorKernel(_ p: Tensor, _ t: Tensor, scale: Double) -> Tensor {
        func run<S: TensorScalar>(_ a: [S], _ b: [S]) -> S {
            a.withUnsafeBufferPointer { a in
                b.withUnsafeBufferPointer { b in
                    var s0: S = 0, s1: S = 0, s2: S = 0, s3: S = 0
                    var i = 0
                    while i + 4 <= a.count {
                        let d0 = a[i] - b[i], d1 = a[i + 1] - b[i + 1], d2 = a[i + 2] - b[i + 2], d3 = a[i + 3] - b[i + 3]
                        s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3
                        i += 4
                    }
                    while i < a.count { let d = a[i] - b[i]; s0 += d * d; i += 1 }
                    return ((s0 + s1) + (s2 + s3)) * S(scale)
                }
            }
        }
        switch (p.data, t.data) {
        case (.float32(let a), .float32(let b)): return Tensor(shape: [], data: .float32([run(a, b)]))
        case (.float64(let a), .float64(let b)): return Tensor(shape: [], data: .float64([run(a, b)]))
        default: preconditionFailure("internal: squaredError of \(p.dtype) and \(t.dtype)")
        }
    }
}

/// The Huber loss per element, reduced (mean by default): `½ d²` where `|d| < delta`
/// and `delta · (|d| − ½ delta)` elsewhere, with `d = predicted − target`
/// (PyTorch's `huber_loss`). Its derivative is `d` clipped to `[−delta, delta]`,
/// continuous at `|d| = delta` and 0 at `d = 0`.
///
/// ```swift
/// huberLoss(predicted: Tensor([0.5, 3]), target: Tensor([0, 0]))   // (0.125 + 2.5) / 2
/// ```
public func huberLoss(predicted: Tensor, target: Tensor, delta: Double = 1, reduction: Reduction = .mean) -> Tensor {
    checkSameShape("huberLoss", predicted, "predicted", target, "target")
    precondition(delta > 0, "huberLoss: delta \(delta) must be positive")
    let d = predicted - target
    let quadratic = d.squared() * 0.5
    let linear = (d.abs() - 0.5 * delta) * delta
    return reduction.apply(Tensor.where(d.abs().isLess(than: delta), quadratic, linear))
}

/// Binary cross-entropy on logits, computed stably as
/// `max(x, 0) − x·y + log(1 + exp(−|x|))` per element, reduced (mean by default). Its
/// derivative in `x` is `sigmoid(x) − y` everywhere, including `x = 0`.
///
/// `targets` are probabilities in `[0, 1]` with the logits' shape.
///
/// ```swift
/// binaryCrossEntropyWithLogits(logits: Tensor([0]), targets: Tensor([1]))   // log 2
/// ```
public func binaryCrossEntropyWithLogits(logits: Tensor, targets: Tensor, reduction: Reduction = .mean) -> Tensor {
    checkSameShape("binaryCrossEntropyWithLogits", logits, "logits", targets, "targets")
    return reduction.apply(softplus(logits, threshold: .infinity) - logits * targets)
}

/// The negative log-likelihood of integer class labels: `−logProbabilities[n, label[n]]`,
/// reduced (mean over examples by default), as PyTorch's `nll_loss`.
///
/// `logProbabilities` is `[N, C]`, or `[N, C, d₁, …]` with labels for every `[n, d₁, …]`
/// position in row-major order, or `[C]` with a single label. Labels must lie in `0..<C`.
/// With `.none` the result has the labels' shape (`[N]`, `[N, d₁, …]`, or `[]`).
///
/// ```swift
/// let logp = Tensor([[-0.1, -2.3], [-1.2, -0.4]])
/// nllLoss(logProbabilities: logp, labels: [0, 1])   // (0.1 + 0.4) / 2 = 0.25
/// ```
public func nllLoss(logProbabilities: Tensor, labels: [Int], reduction: Reduction = .mean) -> Tensor {
    let (axis, labelShape) = classLayout("nllLoss", logProbabilities, labels)
    let picked = logProbabilities.gatheringElements(atIndices: labels, alongAxis: axis).reshaped(labelShape)
    return reduction.apply(-picked)
}

/// ``nllLoss(logProbabilities:labels:reduction:)-([Int])`` with the class indices held in
/// a tensor (whole numbers of any dtype).
///
/// ```swift
/// nllLoss(logProbabilities: logp, labels: Tensor([0, 1]))
/// ```
public func nllLoss(logProbabilities: Tensor, labels: Tensor, reduction: Reduction = .mean) -> Tensor {
    nllLoss(logProbabilities: logProbabilities, labels: classIndices("nllLoss", labels), reduction: reduction)
}

/// Cross-entropy of logits against integer class labels: `log_softmax` over the class
/// axis, then ``nllLoss(logProbabilities:labels:reduction:)-([Int])`` (PyTorch's
/// `cross_entropy` with class indices).
///
/// `logits` is `[N, C]` (or `[N, C, d₁, …]`, or `[C]` for one example); the class axis
/// is 1 (0 for rank 1).
///
/// ```swift
/// let logits = Tensor([[2, 0, -1], [0, 1, 0]])
/// crossEntropy(logits: logits, labels: [0, 1])     // mean over the 2 examples
/// ```
public func crossEntropy(logits: Tensor, labels: [Int], reduction: Reduction = .mean) -> Tensor {
    let (axis, _) = classLayout("crossEntropy", logits, labels)
    return nllLoss(logProbabilities: logits.logSoftmax(alongAxis: axis), labels: labels, reduction: reduction)
}

/// ``crossEntropy(logits:labels:reduction:)-([Int])`` with the class indices held in a
/// tensor (whole numbers of any dtype).
///
/// ```swift
/// crossEntropy(logits: logits, labels: Tensor([0, 1]))
/// ```
public func crossEntropy(logits: Tensor, labels: Tensor, reduction: Reduction = .mean) -> Tensor {
    crossEntropy(logits: logits, labels: classIndices("crossEntropy", labels), reduction: reduction)
}

/// Cross-entropy of logits against class probabilities (soft labels):
/// `−Σ_c p[n, c] · log_softmax(logits)[n, c]` per example, reduced (mean over examples
/// by default), as PyTorch's `cross_entropy` with probability targets.
///
/// `probabilities` has the logits' shape; the class axis is 1 (0 for rank 1).
///
/// ```swift
/// let logits = Tensor([[2, 0], [0, 1]])
/// crossEntropy(logits: logits, probabilities: Tensor([[0.9, 0.1], [0.5, 0.5]]))
/// ```
public func crossEntropy(logits: Tensor, probabilities: Tensor, reduction: Reduction = .mean) -> Tensor {
    checkSameShape("crossEntropy", logits, "logits", probabilities, "probabilities")
    precondition(logits.rank >= 1, "crossEntropy: logits must have a class axis (shape \(logits.shape))")
    let axis = logits.rank == 1 ? 0 : 1
    let perExample = -(probabilities * logits.logSoftmax(alongAxis: axis)).sum(alongAxis: axis)
    return reduction.apply(perExample)
}

// MARK: - Helpers

private func checkSameShape(_ op: String, _ a: Tensor, _ aName: String, _ b: Tensor, _ bName: String) {
    precondition(a.shape == b.shape, "\(op): \(aName) shape \(a.shape) and \(bName) shape \(b.shape) differ")
    precondition(a.dtype == b.dtype, "\(op): \(aName) dtype \(a.dtype) and \(bName) dtype \(b.dtype) differ")
}

/// The class axis of `scores` and the shape of the per-example losses, after checking
/// that `labels` has one valid class index per example.
private func classLayout(_ op: String, _ scores: Tensor, _ labels: [Int]) -> (axis: Int, labelShape: [Int]) {
    precondition(scores.rank >= 1, "\(op): scores of shape \(scores.shape) have no class axis")
    let axis = scores.rank == 1 ? 0 : 1
    var labelShape = scores.shape
    labelShape.remove(at: axis)
    let classes = scores.shape[axis]
    precondition(labels.count == Shape.count(labelShape),
                 "\(op): \(labels.count) labels for scores of shape \(scores.shape) (expected \(Shape.count(labelShape)))")
    for (i, label) in labels.enumerated() where label < 0 || label >= classes {
        preconditionFailure("\(op): label \(label) at position \(i) is out of range for \(classes) classes")
    }
    return (axis, labelShape)
}

/// Class indices stored in a tensor, checked to be whole numbers.
private func classIndices(_ op: String, _ labels: Tensor) -> [Int] {
    labels.scalars.enumerated().map { i, v in
        precondition(v == v.rounded() && v.magnitude < 1e15, "\(op): label \(v) at position \(i) is not a class index")
        return Int(v)
    }
}
