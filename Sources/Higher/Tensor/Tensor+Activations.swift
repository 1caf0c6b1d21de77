/// Activation functions, spelled as free functions (`relu(x)`, `sigmoid(x)`), the usual
/// Swift and PyTorch-functional style. Each is one elementwise operation with its own
/// kernel; its derivative rules are written with differentiable tensor operations, so
/// every activation supports second order (Hessian-vector products) as well.

/// The rectified linear unit `max(x, 0)` (NaN stays NaN).
///
/// Derivative: 1 for `x > 0`, 0 for `x < 0`, and **0 at x = 0** (as in PyTorch and JAX).
///
/// ```swift
/// relu(Tensor([-1, 0, 2]))     // [0, 0, 2]
/// ```
public func relu(_ x: Tensor) -> Tensor {
    x.elementwiseOp("relu", ReluKernel(), derivativeOf: .output, fused: ReluBackward()) { out, g in
        g * out.isGreater(than: 0)
    }
}

/// The leaky rectified linear unit: `x` for `x > 0`, `negativeSlope · x` otherwise.
///
/// Derivative: 1 for `x > 0` and `negativeSlope` for `x ≤ 0`, so **`negativeSlope` at
/// x = 0** (as in PyTorch).
///
/// ```swift
/// leakyRelu(Tensor([-2, 3]))                        // [-0.02, 3]
/// leakyRelu(Tensor([-2, 3]), negativeSlope: 0.2)    // [-0.4, 3]
/// ```
public func leakyRelu(_ x: Tensor, negativeSlope: Double = 0.01) -> Tensor {
    x.elementwiseOp("leakyRelu", LeakyReluKernel(slope: negativeSlope), derivativeOf: .input,
                    fused: LeakyReluBackward(slope: negativeSlope)) { x, g in g * x.mapElements(LeakyReluSlopeKernel(slope: negativeSlope))
    }
}

/// The exponential linear unit: `x` for `x > 0`, `alpha · (exp(x) − 1)` otherwise.
///
/// Derivative: 1 for `x > 0` and `alpha · exp(x)` for `x ≤ 0`, so **`alpha` at x = 0**
/// (as in PyTorch; continuous when `alpha = 1`).
///
/// ```swift
/// elu(Tensor([-1, 2]))     // [-0.632…, 2]
/// ```
public func elu(_ x: Tensor, alpha: Double = 1) -> Tensor {
    x.elementwiseOp("elu", EluKernel(alpha: alpha), fused: EluBackward(alpha: alpha)) { x, out, g in
        // For x ≤ 0, alpha·exp(x) = out + alpha; this form never evaluates exp of a large x.
        g * Tensor.where(x.isGreater(than: 0), 1, out + alpha)
    }
}

/// How ``gelu(_:approximate:)`` evaluates the Gaussian CDF.
///
/// ```swift
/// gelu(Tensor([1]), approximate: .tanh)
/// ```
public enum GELUApproximation: Sendable, Hashable {
    /// The exact form `x · Φ(x) = ½ x (1 + erf(x / √2))` (PyTorch's default).
    case none
    /// `½ x (1 + tanh(√(2/π) (x + 0.044715 x³)))` (PyTorch's `approximate='tanh'`).
    case tanh
}

/// The Gaussian error linear unit `x · Φ(x)`, exact (erf) by default or with the tanh
/// approximation. Smooth everywhere.
///
/// ```swift
/// gelu(Tensor([-1, 0, 1]))                        // [-0.1587, 0, 0.8413]
/// gelu(Tensor([1]), approximate: .tanh)           // [0.8412]
/// ```
public func gelu(_ x: Tensor, approximate: GELUApproximation = .none) -> Tensor {
    switch approximate {
    case .none:
        return x.elementwiseOp("gelu", GeluKernel(), derivativeOf: .input, fused: GeluBackward()) { x, g in
            let cdf = ((x * (0.5).squareRoot()).erf() + 1) * 0.5
            let pdf = (x.squared() * -0.5).exp() * (1 / (2 * Double.pi).squareRoot())
            return g * (cdf + x * pdf)
        }
    case .tanh:
        return x.elementwiseOp("gelu", GeluTanhKernel(), derivativeOf: .input, fused: GeluTanhBackward()) { x, g in
            let x2 = x.squared()
            let t = tanh((x + x2 * x * geluCubic) * geluScale)
            let slope = (1 - t.squared()) * (x2 * (3 * geluCubic) + 1) * geluScale
            return g * ((t + 1) * 0.5 + x * slope * 0.5)
        }
    }
}

private let geluScale = 0.7978845608028654  // √(2/π)
private let geluCubic = 0.044715

/// The logistic sigmoid `1 / (1 + exp(−x))`, computed without overflow for any `x`.
///
/// ```swift
/// sigmoid(Tensor([0, 2]))     // [0.5, 0.8808]
/// ```
public func sigmoid(_ x: Tensor) -> Tensor {
    x.elementwiseOp("sigmoid", SigmoidKernel(), derivativeOf: .output, fused: SigmoidBackward()) { out, g in (g * out) * (1 - out) }
}

/// The hyperbolic tangent of each element.
///
/// ```swift
/// tanh(Tensor([0, 1]))     // [0, 0.7616]
/// ```
public func tanh(_ x: Tensor) -> Tensor {
    x.elementwiseOp("tanh", TanhKernel(), derivativeOf: .output, fused: TanhBackward()) { out, g in g * (1 - out.squared()) }
}

/// `log(1 + exp(β x)) / β`, computed stably; where `β x > threshold` it returns `x`
/// (as PyTorch does, default threshold 20). Pass `threshold: .infinity` for the exact
/// function everywhere.
///
/// Derivative: `sigmoid(β x)`, and 1 above the threshold.
///
/// ```swift
/// softplus(Tensor([0, 1]))     // [0.6931, 1.3133]
/// softplus(Tensor([1]), beta: 2)
/// ```
public func softplus(_ x: Tensor, beta: Double = 1, threshold: Double = 20) -> Tensor {
    precondition(beta > 0, "softplus: beta \(beta) must be positive")
    return x.elementwiseOp("softplus", SoftplusKernel(beta: beta, threshold: threshold),
                           derivativeOf: .input,
                           fused: SoftplusBackward(beta: beta, threshold: threshold)) { x, g in
        let bx = beta == 1 ? x : x * beta
        let s = sigmoid(bx)
        if threshold == .infinity { return g * s }
        return g * Tensor.where(bx.isGreater(than: threshold), 1, s)
    }
}

/// `log(sigmoid(x)) = −softplus(−x)`, computed stably for any `x`.
///
/// Derivative: `sigmoid(−x)`.
///
/// ```swift
/// logSigmoid(Tensor([0, -100]))     // [-0.6931, -100]
/// ```
public func logSigmoid(_ x: Tensor) -> Tensor {
    x.elementwiseOp("logSigmoid", LogSigmoidKernel(), derivativeOf: .input, fused: LogSigmoidBackward()) { x, g in g * sigmoid(-x) }
}

// MARK: - Kernels

/// `1 / (1 + e^(−x))` without overflow.
@inline(__always)
func stableSigmoid<S: TensorScalar>(_ x: S) -> S {
    if x >= 0 { return 1 / (1 + S.exp(-x)) }
    let e = S.exp(x)
    return e / (1 + e)
}

/// `log(1 + e^x)` without overflow.
@inline(__always)
func stableSoftplus<S: TensorScalar>(_ x: S) -> S {
    Swift.max(x, 0) + S.log1p(S.exp(-x.magnitude))
}

struct ReluKernel: UnaryKernel {
    @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S) -> S { x <= 0 ? 0 : x }
}
/// In terms of the output: `relu(x) > 0` exactly where `x > 0` (NaN stays NaN), and the
/// output is what the next operation keeps anyway.
struct ReluBackward: OperandDerivativeKernel {
    @inline(__always) func callAsFunction<S: TensorScalar>(_ y: S, _ g: S) -> S { y > 0 ? g : 0 }
}

struct LeakyReluKernel: UnaryKernel {
    let slope: Double
    @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S) -> S { x > 0 ? x : x * S(slope) }
}
struct LeakyReluSlopeKernel: UnaryKernel {
    let slope: Double
    @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S) -> S { x > 0 ? 1 : S(slope) }
}
struct LeakyReluBackward: OperandDerivativeKernel {
    let slope: Double
    @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S, _ g: S) -> S { x > 0 ? g : g * S(slope) }
}

struct EluKernel: UnaryKernel {
    let alpha: Double
    @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S) -> S { x > 0 ? x : S(alpha) * S.expm1(x) }
}
struct EluBackward: DerivativeKernel {
    let alpha: Double
    @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S, _ y: S, _ g: S) -> S {
        x > 0 ? g : g * (y + S(alpha))
    }
}

struct GeluKernel: UnaryKernel {
    @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S) -> S {
        x * (1 + S.erf(x * S(0.5.squareRoot()))) * S(0.5)
    }
}
struct GeluBackward: OperandDerivativeKernel {
    @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S, _ g: S) -> S {
        let cdf = (1 + S.erf(x * S(0.5.squareRoot()))) * S(0.5)
        let pdf = S.exp(x * x * S(-0.5)) * S(1 / (2 * Double.pi).squareRoot())
        return g * (cdf + x * pdf)
    }
}

struct GeluTanhKernel: UnaryKernel {
    @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S) -> S {
        x * (1 + S.tanh(S(geluScale) * (x + S(geluCubic) * x * x * x))) * S(0.5)
    }
}
struct GeluTanhBackward: OperandDerivativeKernel {
    @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S, _ g: S) -> S {
        let x2 = x * x
        let t = S.tanh(S(geluScale) * (x + S(geluCubic) * x2 * x))
        let slope = (1 - t * t) * S(geluScale) * (1 + S(3 * geluCubic) * x2)
        return g * (S(0.5) * (1 + t) + S(0.5) * x * slope)
    }
}

struct SigmoidKernel: UnaryKernel {
    @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S) -> S { stableSigmoid(x) }
}
struct SigmoidBackward: OperandDerivativeKernel {
    @inline(__always) func callAsFunction<S: TensorScalar>(_ y: S, _ g: S) -> S { g * y * (1 - y) }
}

struct TanhKernel: UnaryKernel {
    @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S) -> S { S.tanh(x) }
}
struct TanhBackward: OperandDerivativeKernel {
    @inline(__always) func callAsFunction<S: TensorScalar>(_ y: S, _ g: S) -> S { g * (1 - y * y) }
}

struct SoftplusKernel: UnaryKernel {
    let beta: Double, threshold: Double
    @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S) -> S {
        let bx = x * S(beta)
        if bx > S(threshold) { return x }
        return beta == 1 ? stableSoftplus(bx) : stableSoftplus(bx) / S(beta)
    }
}
struct SoftplusBackward: OperandDerivativeKernel {
    let beta: Double, threshold: Double
    @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S, _ g: S) -> S {
        let bx = x * S(beta)
        return bx > S(threshold) ? g : g * stableSigmoid(bx)
    }
}

struct LogSigmoidKernel: UnaryKernel {
    @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S) -> S { -stableSoftplus(-x) }
}
struct LogSigmoidBackward: OperandDerivativeKernel {
    @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S, _ g: S) -> S { g * stableSigmoid(-x) }
}
