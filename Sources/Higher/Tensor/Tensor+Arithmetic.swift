/// + − × ÷ and negation, with NumPy broadcasting and scalar operands.
extension Tensor {
    /// Elementwise sum with broadcasting.
    ///
    /// ```swift
    /// Tensor([[1, 2], [3, 4]]) + Tensor([10, 20])   // [[11, 22], [13, 24]]
    /// ```
    public static func + (lhs: Tensor, rhs: Tensor) -> Tensor {
        if lhs.tracer == nil && rhs.tracer == nil { return lhs.zipElements(rhs, "add", AddKernel()) }
        let lhsShape = lhs.shape, rhsShape = rhs.shape
        return primitive("add", [lhs, rhs], value: { $0[0].zipElements($0[1], "add", AddKernel()) },
            jvp: { _, t, out in
                sum([t[0]?.broadcastIfNeeded(to: out.shape), t[1]?.broadcastIfNeeded(to: out.shape)])!
            },
            backward: .cotangent { g, need in
                [need[0] ? g.sumToShape(lhsShape) : nil, need[1] ? g.sumToShape(rhsShape) : nil]
            })
    }

    /// Elementwise difference with broadcasting.
    ///
    /// ```swift
    /// Tensor([5, 7]) - Tensor(1)     // [4, 6]
    /// ```
    public static func - (lhs: Tensor, rhs: Tensor) -> Tensor {
        if lhs.tracer == nil && rhs.tracer == nil { return lhs.zipElements(rhs, "subtract", SubKernel()) }
        let lhsShape = lhs.shape, rhsShape = rhs.shape
        return primitive("subtract", [lhs, rhs], value: { $0[0].zipElements($0[1], "subtract", SubKernel()) },
            jvp: { _, t, out in
                sum([t[0]?.broadcastIfNeeded(to: out.shape), t[1].map { -$0.broadcastIfNeeded(to: out.shape) }])!
            },
            backward: .cotangent { g, need in
                [need[0] ? g.sumToShape(lhsShape) : nil, need[1] ? (-g).sumToShape(rhsShape) : nil]
            })
    }

    /// Elementwise product with broadcasting.
    ///
    /// ```swift
    /// Tensor([1, 2, 3]) * Tensor([2, 2, 2])   // [2, 4, 6]
    /// ```
    public static func * (lhs: Tensor, rhs: Tensor) -> Tensor {
        if lhs.tracer == nil && rhs.tracer == nil { return lhs.zipElements(rhs, "multiply", MulKernel()) }
        return primitive("multiply", [lhs, rhs], value: { $0[0].zipElements($0[1], "multiply", MulKernel()) },
            jvp: { x, t, out in
                sum([t[0].map { ($0 * x[1]).broadcastIfNeeded(to: out.shape) },
                     t[1].map { (x[0] * $0).broadcastIfNeeded(to: out.shape) }])!
            },
            backward: .inputs { x, g, need in
                [need[0] ? (g * x[1]).sumToShape(x[0].shape) : nil, need[1] ? (g * x[0]).sumToShape(x[1].shape) : nil]
            })
    }

    /// Elementwise quotient with broadcasting.
    ///
    /// ```swift
    /// Tensor([1, 2]) / Tensor(4)     // [0.25, 0.5]
    /// ```
    public static func / (lhs: Tensor, rhs: Tensor) -> Tensor {
        if lhs.tracer == nil && rhs.tracer == nil { return lhs.zipElements(rhs, "divide", DivKernel()) }
        return primitive("divide", [lhs, rhs], value: { $0[0].zipElements($0[1], "divide", DivKernel()) },
            jvp: { x, t, out in
                sum([t[0].map { ($0 / x[1]).broadcastIfNeeded(to: out.shape) },
                     t[1].map { (-(out * $0) / x[1]).broadcastIfNeeded(to: out.shape) }])!
            },
            backward: .masked { x, out, g, need in
                [need[0] ? (g / x[1]).sumToShape(x[0].shape) : nil,
                 need[1] ? (-(g * out) / x[1]).sumToShape(x[1].shape) : nil]
            })
    }

    /// Elementwise negation.
    ///
    /// ```swift
    /// -Tensor([1, -2])      // [-1, 2]
    /// ```
    public static prefix func - (x: Tensor) -> Tensor {
        if x.tracer == nil { return x.mapElements(NegKernel()) }
        return primitive("negate", [x], value: { $0[0].mapElements(NegKernel()) },
                         jvp: { _, t, _ in -t[0]! }, backward: .cotangent { g, _ in [-g] })
    }

    /// A rank-0 tensor of `value` in this tensor's dtype.
    @inline(__always)
    func scalarLike(_ value: Double) -> Tensor { Tensor(value, dtype: dtype) }

    /// `tensor + scalar`, in the tensor's dtype.
    ///
    /// ```swift
    /// Tensor([1, 2]) + 1      // [2, 3]
    /// ```
    public static func + (lhs: Tensor, rhs: Double) -> Tensor { lhs + lhs.scalarLike(rhs) }
    /// `scalar + tensor`.
    ///
    /// ```swift
    /// 1 + Tensor([1, 2])      // [2, 3]
    /// ```
    public static func + (lhs: Double, rhs: Tensor) -> Tensor { rhs.scalarLike(lhs) + rhs }
    /// `tensor - scalar`.
    ///
    /// ```swift
    /// Tensor([1, 2]) - 1      // [0, 1]
    /// ```
    public static func - (lhs: Tensor, rhs: Double) -> Tensor { lhs - lhs.scalarLike(rhs) }
    /// `scalar - tensor`.
    ///
    /// ```swift
    /// 1 - Tensor([1, 2])      // [0, -1]
    /// ```
    public static func - (lhs: Double, rhs: Tensor) -> Tensor { rhs.scalarLike(lhs) - rhs }
    /// `tensor * scalar`.
    ///
    /// ```swift
    /// Tensor([1, 2]) * 3      // [3, 6]
    /// ```
    public static func * (lhs: Tensor, rhs: Double) -> Tensor { lhs * lhs.scalarLike(rhs) }
    /// `scalar * tensor`.
    ///
    /// ```swift
    /// 3 * Tensor([1, 2])      // [3, 6]
    /// ```
    public static func * (lhs: Double, rhs: Tensor) -> Tensor { rhs.scalarLike(lhs) * rhs }
    /// `tensor / scalar`.
    ///
    /// ```swift
    /// Tensor([1, 2]) / 2      // [0.5, 1]
    /// ```
    public static func / (lhs: Tensor, rhs: Double) -> Tensor { lhs / lhs.scalarLike(rhs) }
    /// `scalar / tensor`.
    ///
    /// ```swift
    /// 1 / Tensor([1, 2])      // [1, 0.5]
    /// ```
    public static func / (lhs: Double, rhs: Tensor) -> Tensor { rhs.scalarLike(lhs) / rhs }

    /// In-place forms: they rebind the variable to a new value (value semantics). For
    /// plain tensors of one shape and dtype, `+=` writes into the left operand's storage
    /// when no other copy shares it (copies never see the change).
    ///
    /// ```swift
    /// var t = Tensor([1, 2]); t += Tensor([1, 1])   // [2, 3]
    /// ```
    public static func += (lhs: inout Tensor, rhs: Tensor) {
        if lhs.tracer == nil && rhs.tracer == nil && lhs.shape == rhs.shape && lhs.addInPlace(rhs) { return }
        lhs = lhs + rhs
    }
    /// See ``+=(_:_:)``.
    ///
    /// ```swift
    /// var t = Tensor([1, 2]); t -= Tensor([1, 1])   // [0, 1]
    /// ```
    public static func -= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs - rhs }
    /// See ``+=(_:_:)``.
    ///
    /// ```swift
    /// var t = Tensor([1, 2]); t *= Tensor(2)        // [2, 4]
    /// ```
    public static func *= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs * rhs }
    /// See ``+=(_:_:)``.
    ///
    /// ```swift
    /// var t = Tensor([1, 2]); t /= Tensor(2)        // [0.5, 1]
    /// ```
    public static func /= (lhs: inout Tensor, rhs: Tensor) { lhs = lhs / rhs }
}
