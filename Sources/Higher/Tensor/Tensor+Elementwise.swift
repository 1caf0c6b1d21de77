/// Elementwise math: powers, exponentials, logarithms, roots, absolute value, sign,
/// elementwise minimum/maximum and clamping.
///
/// Style: every operation is a method (`x.exp()`), and the common math functions also
/// have free-function spellings (`exp(x)`, `log(x)`, `sqrt(x)`, `pow(x, 2)`, `abs(x)`)
/// that overload the standard library's scalar ones. Elementwise minimum and maximum of
/// two tensors are static (`Tensor.maximum(a, b)`) so they never hide `Swift.max`.
extension Tensor {
    /// `e` raised to each element.
    ///
    /// ```swift
    /// Tensor([0, 1]).exp()     // [1, 2.718…]
    /// ```
    public func exp() -> Tensor {
        elementwiseOp("exp", ExpKernel(), derivativeOf: .output) { out, g in g * out }
    }

    /// The natural logarithm of each element (`-inf` at 0, NaN below 0).
    ///
    /// ```swift
    /// Tensor([1, 2.718281828459045]).log()     // [0, 1]
    /// ```
    public func log() -> Tensor {
        elementwiseOp("log", LogKernel(), derivativeOf: .input) { x, g in g / x }
    }

    /// `log(1 + x)` for each element, accurate for small `x`.
    ///
    /// ```swift
    /// Tensor([0, 1e-10]).log1p()     // [0, 1e-10]
    /// ```
    public func log1p() -> Tensor {
        elementwiseOp("log1p", Log1pKernel(), derivativeOf: .input) { x, g in g / (x + 1) }
    }

    /// `exp(x) - 1` for each element, accurate for small `x`.
    ///
    /// ```swift
    /// Tensor([0, 1e-10]).expm1()     // [0, 1e-10]
    /// ```
    public func expm1() -> Tensor {
        elementwiseOp("expm1", Expm1Kernel(), derivativeOf: .output) { out, g in g * (out + 1) }
    }

    /// The square root of each element.
    ///
    /// At 0 the derivative `1 / (2√x)` is `+inf`, and that is what the rules return: a
    /// nonzero incoming derivative becomes `±inf`, a zero one gives `0 · inf = NaN`
    /// (as in PyTorch). Optimizers that take `sqrt` of a quantity that can be 0 (Adam,
    /// RMSprop, Adagrad) guard it themselves, for example with `sqrt(v + eps)`.
    ///
    /// ```swift
    /// Tensor([4, 9]).sqrt()     // [2, 3]
    /// ```
    public func sqrt() -> Tensor {
        elementwiseOp("sqrt", SqrtKernel(), derivativeOf: .output) { out, g in (g / out) * 0.5 }
    }

    /// `1 / √x` for each element (derivative `-½ x^(-3/2)`, `-inf` at 0).
    ///
    /// ```swift
    /// Tensor([4, 16]).rsqrt()     // [0.5, 0.25]
    /// ```
    public func rsqrt() -> Tensor {
        elementwiseOp("rsqrt", RsqrtKernel(), derivativeOf: .output) { out, g in g * (out * out * out) * -0.5 }
    }

    /// Each element squared, `x * x` (cheaper than `pow(x, 2)` and its equal).
    ///
    /// ```swift
    /// Tensor([-3, 2]).squared()     // [9, 4]
    /// ```
    public func squared() -> Tensor {
        elementwiseOp("square", SquareKernel(), derivativeOf: .input) { x, g in (g * x) * 2 }
    }

    /// The absolute value of each element.
    ///
    /// Derivative: `sign(x)`, so it is **0 at x = 0** (the subgradient PyTorch and JAX
    /// use too).
    ///
    /// ```swift
    /// Tensor([-2, 0, 3]).abs()     // [2, 0, 3]
    /// ```
    public func abs() -> Tensor {
        elementwiseOp("abs", AbsKernel(), derivativeOf: .input, fused: AbsBackward()) { x, g in g * x.sign() }
    }

    /// The sign of each element: -1, 0 or 1 (NaN stays NaN).
    ///
    /// Its derivative is 0 everywhere (also at 0), so the result is a constant and is
    /// never traced.
    ///
    /// ```swift
    /// Tensor([-2, 0, 3]).sign()     // [-1, 0, 1]
    /// ```
    public func sign() -> Tensor { mapElements(SignKernel()) }

    /// The error function of each element, `erf(x) = 2/√π ∫₀ˣ e^(−t²) dt`.
    ///
    /// ```swift
    /// Tensor([0, 1]).erf()     // [0, 0.8427…]
    /// ```
    public func erf() -> Tensor {
        elementwiseOp("erf", ErfKernel(), derivativeOf: .input) { x, g in g * (-x.squared()).exp() * (2 / Double.pi.squareRoot()) }
    }

    /// Each element raised to the power `exponent`.
    ///
    /// `x.pow(0)` is 1 with derivative 0 (also at `x = 0`); `x.pow(1)` is `x`;
    /// `x.pow(2)` is ``squared()``. Elsewhere the derivative is `p · x^(p−1)`, which is
    /// infinite at `x = 0` for `p < 1`.
    ///
    /// ```swift
    /// Tensor([1, 2, 3]).pow(2)       // [1, 4, 9]
    /// Tensor([4, 9]).pow(0.5)        // [2, 3]
    /// ```
    public func pow(_ exponent: Double) -> Tensor {
        if exponent == 1 { return self }
        if exponent == 2 { return squared() }
        if exponent == 0 { return Tensor.full(shape, 1, dtype: dtype) }
        return elementwiseOp("pow", PowScalarKernel(p: exponent), derivativeOf: .input) { x, g in
            g * (x.pow(exponent - 1) * exponent)
        }
    }

    /// Elementwise power `self ^ exponent` with broadcasting.
    ///
    /// Derivatives follow PyTorch: with respect to the base, `y · x^(y−1)`, taken as 0
    /// where `y = 0`; with respect to the exponent, `x^y · log x`, taken as 0 where
    /// `x = 0` and `y ≥ 0` (NaN for a negative base).
    ///
    /// ```swift
    /// Tensor([2, 3]).pow(Tensor([3, 2]))     // [8, 9]
    /// Tensor([[1], [2]]).pow(Tensor([1, 2]))  // [[1, 1], [2, 4]]
    /// ```
    public func pow(_ exponent: Tensor) -> Tensor {
        if tracer == nil && exponent.tracer == nil { return zipElements(exponent, "pow", PowKernel()) }
        let needBase = tracer != nil, needExponent = exponent.tracer != nil
        return Tensor.primitive("pow", [self, exponent],
            value: { $0[0].zipElements($0[1], "pow", PowKernel()) },
            jvp: { x, t, out in
                Tensor.sum([
                    t[0].map { ($0 * Tensor.powBaseDerivative(x[0], x[1])).broadcastIfNeeded(to: out.shape) },
                    t[1].map { ($0 * Tensor.powExponentDerivative(x[0], x[1], out)).broadcastIfNeeded(to: out.shape) },
                ])!
            },
            backward: .all { x, out, g in
                [needBase ? (g * Tensor.powBaseDerivative(x[0], x[1])).sumToShape(x[0].shape) : nil,
                 needExponent ? (g * Tensor.powExponentDerivative(x[0], x[1], out)).sumToShape(x[1].shape) : nil]
            })
    }

    /// `y · x^(y−1)`, with the base replaced by 1 where `y = 0` so the result is 0 there
    /// and stays finite under further differentiation.
    static func powBaseDerivative(_ x: Tensor, _ y: Tensor) -> Tensor {
        let yIsZero = y.isEqual(to: 0)
        let base = yIsZero.containsNonzero ? Tensor.where(yIsZero, 1, x) : x
        return y * base.pow(y - 1)
    }

    /// `x^y · log x`, with `log` taken at 1 where `x = 0` and `y ≥ 0`.
    static func powExponentDerivative(_ x: Tensor, _ y: Tensor, _ out: Tensor) -> Tensor {
        let masked = x.isEqual(to: 0) * y.isGreaterOrEqual(to: 0)
        let base = masked.containsNonzero ? Tensor.where(masked, 1, x) : x
        return out * base.log()
    }

    /// Whether any element is nonzero (NaN counts as nonzero).
    var containsNonzero: Bool {
        switch data {
        case .float32(let a): return a.contains { $0 != 0 }
        case .float64(let a): return a.contains { $0 != 0 }
        }
    }

    /// The elementwise maximum of two tensors, with broadcasting. NaN propagates.
    ///
    /// At a tie (`a == b`) the derivative is split evenly: each operand receives half
    /// of the incoming derivative (as `torch.maximum` does), so the gradient of
    /// `maximum(x, x)` is 1.
    ///
    /// ```swift
    /// Tensor.maximum(Tensor([1, 5, 3]), Tensor([4, 2, 3]))   // [4, 5, 3]
    /// ```
    public static func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
        elementwiseExtremum("maximum", a, b, MaxKernel(), MaxWeightKernel())
    }

    /// The elementwise maximum of a tensor and a scalar (ties: half of the derivative
    /// goes to the tensor).
    ///
    /// ```swift
    /// Tensor.maximum(Tensor([-1, 2]), 0)     // [0, 2]
    /// ```
    public static func maximum(_ a: Tensor, _ b: Double) -> Tensor { maximum(a, a.scalarLike(b)) }

    /// The elementwise minimum of two tensors, with broadcasting. NaN propagates; ties
    /// split the derivative evenly, as for ``maximum(_:_:)-(Tensor,Tensor)``.
    ///
    /// ```swift
    /// Tensor.minimum(Tensor([1, 5, 3]), Tensor([4, 2, 3]))   // [1, 2, 3]
    /// ```
    public static func minimum(_ a: Tensor, _ b: Tensor) -> Tensor {
        elementwiseExtremum("minimum", a, b, MinKernel(), MinWeightKernel())
    }

    /// The elementwise minimum of a tensor and a scalar.
    ///
    /// ```swift
    /// Tensor.minimum(Tensor([-1, 2]), 0)     // [-1, 0]
    /// ```
    public static func minimum(_ a: Tensor, _ b: Double) -> Tensor { minimum(a, a.scalarLike(b)) }

    /// Maximum or minimum: the derivative is the incoming one weighted by `w` (1 where
    /// `a` wins, ½ at ties, 0 where `b` wins) for `a` and by `1 − w` for `b`.
    private static func elementwiseExtremum<K: BinaryKernel, W: BinaryKernel & Sendable>(
        _ name: String, _ a: Tensor, _ b: Tensor, _ kernel: K, _ weight: W
    ) -> Tensor {
        if a.tracer == nil && b.tracer == nil { return a.zipElements(b, name, kernel) }
        return primitive(name, [a, b], value: { $0[0].zipElements($0[1], name, kernel) },
            jvp: { x, t, out in
                let w = x[0].zipElements(x[1], name, weight)
                return sum([t[0].map { ($0 * w).broadcastIfNeeded(to: out.shape) },
                            t[1].map { ($0 * (1 - w)).broadcastIfNeeded(to: out.shape) }])!
            },
            backward: .all { x, _, g in
                let w = x[0].zipElements(x[1], name, weight)
                return [(g * w).sumToShape(x[0].shape), (g * (1 - w)).sumToShape(x[1].shape)]
            })
    }

    /// Each element limited to `[min, max]` (either bound may be omitted). NaN stays NaN.
    ///
    /// The derivative is 1 where `min ≤ x ≤ max`, **bounds included** (as in PyTorch),
    /// and 0 outside.
    ///
    /// ```swift
    /// Tensor([-2, 0.5, 3]).clamped(min: 0, max: 1)     // [0, 0.5, 1]
    /// Tensor([-2, 3]).clamped(min: 0)                  // [0, 3]
    /// ```
    public func clamped(min lower: Double? = nil, max upper: Double? = nil) -> Tensor {
        let lo = lower ?? -.infinity, hi = upper ?? .infinity
        precondition(lo <= hi, "clamp: min \(lo) is greater than max \(hi)")
        return elementwiseOp("clamp", ClampKernel(lo: lo, hi: hi), derivativeOf: .input,
                             fused: ClampBackward(lo: lo, hi: hi)) { x, g in
            g * x.mapElements(ClampMaskKernel(lo: lo, hi: hi))
        }
    }
}

// MARK: - Free-function spellings

/// `e` raised to each element; see ``Tensor/exp()``.
///
/// ```swift
/// exp(Tensor([0, 1]))     // [1, 2.718…]
/// ```
public func exp(_ x: Tensor) -> Tensor { x.exp() }

/// The natural logarithm of each element; see ``Tensor/log()``.
///
/// ```swift
/// log(Tensor([1]))     // [0]
/// ```
public func log(_ x: Tensor) -> Tensor { x.log() }

/// `log(1 + x)` for each element; see ``Tensor/log1p()``.
///
/// ```swift
/// log1p(Tensor([0]))     // [0]
/// ```
public func log1p(_ x: Tensor) -> Tensor { x.log1p() }

/// `exp(x) - 1` for each element; see ``Tensor/expm1()``.
///
/// ```swift
/// expm1(Tensor([0]))     // [0]
/// ```
public func expm1(_ x: Tensor) -> Tensor { x.expm1() }

/// The square root of each element; see ``Tensor/sqrt()`` for the derivative at 0.
///
/// ```swift
/// sqrt(Tensor([4, 9]))     // [2, 3]
/// ```
public func sqrt(_ x: Tensor) -> Tensor { x.sqrt() }

/// `1 / √x` for each element; see ``Tensor/rsqrt()``.
///
/// ```swift
/// rsqrt(Tensor([4]))     // [0.5]
/// ```
public func rsqrt(_ x: Tensor) -> Tensor { x.rsqrt() }

/// The absolute value of each element (derivative 0 at 0); see ``Tensor/abs()``.
///
/// ```swift
/// abs(Tensor([-2, 3]))     // [2, 3]
/// ```
public func abs(_ x: Tensor) -> Tensor { x.abs() }

/// The error function of each element; see ``Tensor/erf()``.
///
/// ```swift
/// erf(Tensor([0]))     // [0]
/// ```
public func erf(_ x: Tensor) -> Tensor { x.erf() }

/// Each element raised to a scalar power; see ``Tensor/pow(_:)-(Double)``.
///
/// ```swift
/// pow(Tensor([2, 3]), 2)     // [4, 9]
/// ```
public func pow(_ x: Tensor, _ exponent: Double) -> Tensor { x.pow(exponent) }

/// Elementwise power with broadcasting; see ``Tensor/pow(_:)-(Tensor)``.
///
/// ```swift
/// pow(Tensor([2, 3]), Tensor([3, 2]))     // [8, 9]
/// ```
public func pow(_ x: Tensor, _ exponent: Tensor) -> Tensor { x.pow(exponent) }

/// A scalar base raised to each element of `exponent`.
///
/// ```swift
/// pow(2, Tensor([0, 1, 3]))     // [1, 2, 8]
/// ```
public func pow(_ base: Double, _ exponent: Tensor) -> Tensor { exponent.scalarLike(base).pow(exponent) }

// MARK: - The unary-op helper

/// The derivative of a unary elementwise op applied to an incoming derivative, fused
/// into one loop for plain tensors: `(x, f(x), g) -> g · f'(x)`.
protocol DerivativeKernel: Sendable {
    func callAsFunction<S: TensorScalar>(_ x: S, _ y: S, _ g: S) -> S
}

/// The same for a derivative written in terms of one value, the input `x` or the
/// output `f(x)` (see ``DerivativeOperand``): `(v, g) -> g · f'(x)`.
protocol OperandDerivativeKernel: BinaryKernel, Sendable {}

/// For ops without a fused derivative loop.
struct NoDerivativeKernel: OperandDerivativeKernel {
    func callAsFunction<S: TensorScalar>(_ v: S, _ g: S) -> S { g }
}

/// The value a unary op's derivative is written in terms of: its backward rule keeps
/// only that one alive on the tape.
enum DerivativeOperand: Sendable {
    case input, output
}

extension Tensor {
    /// Defines a unary elementwise op by its kernel and its chain rule
    /// `chain(x, f(x), g) = g · f'(x)`, written with differentiable tensor ops. Being
    /// elementwise, the same rule serves the JVP (g = tangent) and the VJP
    /// (g = cotangent). When `x` and `g` are plain, the `fused` kernel computes the
    /// same product in one pass. For derivatives that need both `x` and `f(x)`;
    /// the others use ``elementwiseOp(_:_:derivativeOf:fused:chain:)``.
    @inline(__always)
    func elementwiseOp<K: UnaryKernel, D: DerivativeKernel>(
        _ name: String, _ kernel: K, fused: D,
        chain: @escaping @Sendable (Tensor, Tensor, Tensor) -> Tensor
    ) -> Tensor {
        if tracer == nil { return mapElements(kernel) }
        @Sendable func rule(_ x: Tensor, _ out: Tensor, _ g: Tensor) -> Tensor {
            if x.tracer == nil && g.tracer == nil && out.tracer == nil {
                return Tensor.zip3(x, out, g, name, fused)
            }
            return chain(x, out, g)
        }
        return Tensor.primitive(name, [self], value: { $0[0].mapElements(kernel) },
                                jvp: { x, t, out in rule(x[0], out, t[0]!) },
                                backward: .all { x, out, g in [rule(x[0], out, g)] })
    }

    /// Defines a unary elementwise op whose derivative is a function of one value,
    /// `v` = the input or the output as `operand` says: `chain(v, g) = g · f'(x)`.
    /// When `v` and `g` are plain, the optional `fused` kernel computes the same
    /// product in one pass.
    ///
    /// ```swift
    /// x.elementwiseOp("exp", ExpKernel(), derivativeOf: .output) { out, g in g * out }
    /// ```
    @inline(__always)
    func elementwiseOp<K: UnaryKernel, D: OperandDerivativeKernel>(
        _ name: String, _ kernel: K, derivativeOf operand: DerivativeOperand, fused: D,
        chain: @escaping @Sendable (Tensor, Tensor) -> Tensor
    ) -> Tensor {
        if tracer == nil { return mapElements(kernel) }
        let useFused = !(fused is NoDerivativeKernel)
        @Sendable func rule(_ v: Tensor, _ g: Tensor) -> Tensor {
            if useFused && v.tracer == nil && g.tracer == nil {
                precondition(v.shape == g.shape, "\(name): derivative of shape \(g.shape) for an input of shape \(v.shape)")
                return v.zipElements(g, name, fused)
            }
            return chain(v, g)
        }
        let backward: BackwardRule = switch operand {
        case .input: .inputs { x, g, _ in [rule(x[0], g)] }
        case .output: .output { out, g, _ in [rule(out, g)] }
        }
        return Tensor.primitive(name, [self], value: { $0[0].mapElements(kernel) },
                                jvp: { x, t, out in rule(operand == .input ? x[0] : out, t[0]!) },
                                backward: backward)
    }

    @inline(__always)
    func elementwiseOp<K: UnaryKernel>(
        _ name: String, _ kernel: K, derivativeOf operand: DerivativeOperand,
        chain: @escaping @Sendable (Tensor, Tensor) -> Tensor
    ) -> Tensor {
        elementwiseOp(name, kernel, derivativeOf: operand, fused: NoDerivativeKernel(), chain: chain)
    }

    /// Applies a derivative kernel to three plain tensors of one shape and dtype.
    static func zip3<D: DerivativeKernel>(_ x: Tensor, _ y: Tensor, _ g: Tensor, _ name: String, _ kernel: D) -> Tensor {
        precondition(x.shape == g.shape && y.shape == g.shape,
                     "\(name): derivative of shape \(g.shape) for an input of shape \(x.shape)")
        func run<S: TensorScalar>(_ a: [S], _ b: [S], _ c: [S]) -> [S] {
            a.withUnsafeBufferPointer { p in
                b.withUnsafeBufferPointer { q in
                    c.withUnsafeBufferPointer { r in
                        makeArray(p.count) { z in
                            for i in 0..<p.count { z[i] = kernel(p[i], q[i], r[i]) }
                        }
                    }
                }
            }
        }
        switch (x.data, y.data, g.data) {
        case (.float32(let a), .float32(let b), .float32(let c)):
            return Tensor(shape: x.shape, data: .float32(run(a, b, c)))
        case (.float64(let a), .float64(let b), .float64(let c)):
            return Tensor(shape: x.shape, data: .float64(run(a, b, c)))
        default:
            preconditionFailure("\(name): derivative of dtype \(g.dtype) for an input of dtype \(x.dtype)")
        }
    }
}

// MARK: - Kernels

struct ExpKernel: UnaryKernel { @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S) -> S { S.exp(x) } }
struct LogKernel: UnaryKernel { @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S) -> S { S.log(x) } }
struct Log1pKernel: UnaryKernel { @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S) -> S { S.log1p(x) } }
struct Expm1Kernel: UnaryKernel { @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S) -> S { S.expm1(x) } }
struct SqrtKernel: UnaryKernel { @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S) -> S { x.squareRoot() } }
struct RsqrtKernel: UnaryKernel { @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S) -> S { 1 / x.squareRoot() } }
struct SquareKernel: UnaryKernel { @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S) -> S { x * x } }
struct AbsKernel: UnaryKernel { @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S) -> S { x.magnitude } }
struct ErfKernel: UnaryKernel { @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S) -> S { S.erf(x) } }

struct SignKernel: UnaryKernel {
    @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S) -> S { x > 0 ? 1 : (x < 0 ? -1 : x * 0) }
}

struct AbsBackward: OperandDerivativeKernel {
    @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S, _ g: S) -> S {
        x > 0 ? g : (x < 0 ? -g : 0)
    }
}

struct PowScalarKernel: UnaryKernel {
    let p: Double
    @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S) -> S { S.pow(x, S(p)) }
}

struct PowKernel: BinaryKernel {
    @inline(__always) func callAsFunction<S: TensorScalar>(_ a: S, _ b: S) -> S { S.pow(a, b) }
}

struct MaxKernel: BinaryKernel {
    @inline(__always) func callAsFunction<S: TensorScalar>(_ a: S, _ b: S) -> S { a >= b || a.isNaN ? a : b }
}

struct MinKernel: BinaryKernel {
    @inline(__always) func callAsFunction<S: TensorScalar>(_ a: S, _ b: S) -> S { a <= b || a.isNaN ? a : b }
}

struct MaxWeightKernel: BinaryKernel {
    @inline(__always) func callAsFunction<S: TensorScalar>(_ a: S, _ b: S) -> S { a > b ? 1 : (a == b ? 0.5 : 0) }
}

struct MinWeightKernel: BinaryKernel {
    @inline(__always) func callAsFunction<S: TensorScalar>(_ a: S, _ b: S) -> S { a < b ? 1 : (a == b ? 0.5 : 0) }
}

struct ClampKernel: UnaryKernel {
    let lo: Double, hi: Double
    @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S) -> S {
        let l = S(lo), h = S(hi)
        return x < l ? l : (x > h ? h : x)
    }
}

/// 1 inside `[lo, hi]` (bounds included), else 0.
struct ClampMaskKernel: UnaryKernel {
    let lo: Double, hi: Double
    @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S) -> S {
        x >= S(lo) && x <= S(hi) ? 1 : 0
    }
}

struct ClampBackward: OperandDerivativeKernel {
    let lo: Double, hi: Double
    @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S, _ g: S) -> S {
        x >= S(lo) && x <= S(hi) ? g : 0
    }
}
