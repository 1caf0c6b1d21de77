/// Comparisons that produce masks, and selection by mask.
///
/// A mask is an ordinary tensor of 0s and 1s in the dtype of the compared tensors, so
/// it can multiply, sum and count like any tensor. Masks are constants: comparing has no
/// derivative and a mask is never traced.
extension Tensor {
    /// 1 where `self < other` (with broadcasting), else 0. Never traced.
    ///
    /// ```swift
    /// Tensor([1, 2, 3]).isLess(than: Tensor([2, 2, 2]))    // [1, 0, 0]
    /// ```
    public func isLess(than other: Tensor) -> Tensor { zipElements(other, "isLess", LessKernel()) }

    /// 1 where `self < value`, else 0.
    ///
    /// ```swift
    /// Tensor([1, 2, 3]).isLess(than: 2)    // [1, 0, 0]
    /// ```
    public func isLess(than value: Double) -> Tensor { isLess(than: scalarLike(value)) }

    /// 1 where `self <= other` (with broadcasting), else 0. Never traced.
    ///
    /// ```swift
    /// Tensor([1, 2, 3]).isLessOrEqual(to: Tensor([2, 2, 2]))    // [1, 1, 0]
    /// ```
    public func isLessOrEqual(to other: Tensor) -> Tensor { zipElements(other, "isLessOrEqual", LessEqualKernel()) }

    /// 1 where `self <= value`, else 0.
    ///
    /// ```swift
    /// Tensor([1, 2, 3]).isLessOrEqual(to: 2)    // [1, 1, 0]
    /// ```
    public func isLessOrEqual(to value: Double) -> Tensor { isLessOrEqual(to: scalarLike(value)) }

    /// 1 where `self > other` (with broadcasting), else 0. Never traced.
    ///
    /// ```swift
    /// Tensor([1, 2, 3]).isGreater(than: Tensor([2, 2, 2]))    // [0, 0, 1]
    /// ```
    public func isGreater(than other: Tensor) -> Tensor { zipElements(other, "isGreater", GreaterKernel()) }

    /// 1 where `self > value`, else 0.
    ///
    /// ```swift
    /// Tensor([1, 2, 3]).isGreater(than: 2)    // [0, 0, 1]
    /// ```
    public func isGreater(than value: Double) -> Tensor { isGreater(than: scalarLike(value)) }

    /// 1 where `self >= other` (with broadcasting), else 0. Never traced.
    ///
    /// ```swift
    /// Tensor([1, 2, 3]).isGreaterOrEqual(to: Tensor([2, 2, 2]))    // [0, 1, 1]
    /// ```
    public func isGreaterOrEqual(to other: Tensor) -> Tensor {
        zipElements(other, "isGreaterOrEqual", GreaterEqualKernel())
    }

    /// 1 where `self >= value`, else 0.
    ///
    /// ```swift
    /// Tensor([1, 2, 3]).isGreaterOrEqual(to: 2)    // [0, 1, 1]
    /// ```
    public func isGreaterOrEqual(to value: Double) -> Tensor { isGreaterOrEqual(to: scalarLike(value)) }

    /// 1 where `self == other` (with broadcasting), else 0. NaN equals nothing. Never traced.
    ///
    /// ```swift
    /// Tensor([1, 2, 3]).isEqual(to: Tensor([1, 0, 3]))    // [1, 0, 1]
    /// ```
    public func isEqual(to other: Tensor) -> Tensor { zipElements(other, "isEqual", EqualKernel()) }

    /// 1 where `self == value`, else 0.
    ///
    /// ```swift
    /// Tensor([1, 2, 3]).isEqual(to: 2)    // [0, 1, 0]
    /// ```
    public func isEqual(to value: Double) -> Tensor { isEqual(to: scalarLike(value)) }

    /// 1 where `self != other` (with broadcasting), else 0. NaN differs from everything.
    ///
    /// ```swift
    /// Tensor([1, 2, 3]).isNotEqual(to: Tensor([1, 0, 3]))    // [0, 1, 0]
    /// ```
    public func isNotEqual(to other: Tensor) -> Tensor { zipElements(other, "isNotEqual", NotEqualKernel()) }

    /// 1 where `self != value`, else 0.
    ///
    /// ```swift
    /// Tensor([1, 2, 3]).isNotEqual(to: 2)    // [1, 0, 1]
    /// ```
    public func isNotEqual(to value: Double) -> Tensor { isNotEqual(to: scalarLike(value)) }

    /// Picks, element by element, `a` where `mask` is nonzero and `b` where it is 0,
    /// broadcasting all three shapes together.
    ///
    /// Differentiable in `a` and `b`: each receives the incoming derivative where it was
    /// picked and exactly 0 elsewhere (not `0 · g`, so an infinite or NaN incoming
    /// derivative does not leak into the other operand). The mask is a constant.
    /// To keep an op with an infinite derivative (such as `sqrt` at 0) out of a
    /// gradient, guard its input too: `where(m, where(m, x, 1).sqrt(), 0)`. `a` and `b` must share a dtype; the mask may have
    /// either dtype.
    ///
    /// ```swift
    /// let x = Tensor([-1, 2, -3])
    /// Tensor.where(x.isGreater(than: 0), x, Tensor(0))     // [0, 2, 0]
    /// ```
    public static func `where`(_ mask: Tensor, _ a: Tensor, _ b: Tensor) -> Tensor {
        guard let ab = Shape.broadcast(a.shape, b.shape), let outShape = Shape.broadcast(mask.shape, ab) else {
            preconditionFailure(
                "where: mask shape \(mask.shape) and value shapes \(a.shape), \(b.shape) cannot be broadcast together")
        }
        precondition(a.dtype == b.dtype, "where: dtypes \(a.dtype) and \(b.dtype) differ (shapes \(a.shape) and \(b.shape))")
        let m = mask.detached()
        if a.tracer == nil && b.tracer == nil { return selectKernel(m, a, b, outShape) }
        let needA = a.tracer != nil, needB = b.tracer != nil
        let aShape = a.shape, bShape = b.shape
        return primitive("where", [a, b], value: { selectKernel(m, $0[0], $0[1], outShape) },
            jvp: { _, t, out in
                let zero = out.scalarLike(0)
                return Tensor.where(m, t[0] ?? zero, t[1] ?? zero).broadcastIfNeeded(to: out.shape)
            },
            backward: .cotangent { g, _ in
                let zero = g.scalarLike(0)
                return [needA ? Tensor.where(m, g, zero).sumToShape(aShape) : nil,
                        needB ? Tensor.where(m, zero, g).sumToShape(bShape) : nil]
            })
    }

    /// ``where(_:_:_:)`` with a scalar for the unpicked places.
    ///
    /// ```swift
    /// let x = Tensor([-1, 2])
    /// Tensor.where(x.isGreater(than: 0), x, 0)     // [0, 2]
    /// ```
    public static func `where`(_ mask: Tensor, _ a: Tensor, _ b: Double) -> Tensor {
        Tensor.where(mask, a, a.scalarLike(b))
    }

    /// ``where(_:_:_:)`` with a scalar for the picked places.
    ///
    /// ```swift
    /// let x = Tensor([0, 2])
    /// Tensor.where(x.isEqual(to: 0), 1, x)     // [1, 2]
    /// ```
    public static func `where`(_ mask: Tensor, _ a: Double, _ b: Tensor) -> Tensor {
        Tensor.where(mask, b.scalarLike(a), b)
    }

    /// The plain selection loop: each operand is read in place when it already has the
    /// output's element count or a single element, and broadcast first otherwise.
    static func selectKernel(_ mask: Tensor, _ a: Tensor, _ b: Tensor, _ outShape: [Int]) -> Tensor {
        let n = Shape.count(outShape)
        // A broadcastable operand with the output's element count already has its layout.
        func prepared(_ t: Tensor) -> Tensor { t.count == n || t.count == 1 ? t : t.broadcastKernel(to: outShape) }
        let m = prepared(mask), x = prepared(a), y = prepared(b)
        func run<S: TensorScalar, M: TensorScalar>(_ mv: [M], _ av: [S], _ bv: [S]) -> [S] {
            let sm = mv.count == 1 && n != 1 ? 0 : 1
            let sa = av.count == 1 && n != 1 ? 0 : 1
            let sb = bv.count == 1 && n != 1 ? 0 : 1
            return mv.withUnsafeBufferPointer { p in
                av.withUnsafeBufferPointer { q in
                    bv.withUnsafeBufferPointer { r in
                        makeArray(n) { z in
                            for i in 0..<n { z[i] = p[i * sm] != 0 ? q[i * sa] : r[i * sb] }
                        }
                    }
                }
            }
        }
        func dispatch<S: TensorScalar>(_ av: [S], _ bv: [S]) -> [S] {
            switch m.data {
            case .float32(let mv): return run(mv, av, bv)
            case .float64(let mv): return run(mv, av, bv)
            }
        }
        switch (x.data, y.data) {
        case (.float32(let av), .float32(let bv)): return Tensor(shape: outShape, data: .float32(dispatch(av, bv)))
        case (.float64(let av), .float64(let bv)): return Tensor(shape: outShape, data: .float64(dispatch(av, bv)))
        default: preconditionFailure("where: dtypes \(a.dtype) and \(b.dtype) differ")
        }
    }
}

struct LessKernel: BinaryKernel {
    @inline(__always) func callAsFunction<S: TensorScalar>(_ a: S, _ b: S) -> S { a < b ? 1 : 0 }
}
struct LessEqualKernel: BinaryKernel {
    @inline(__always) func callAsFunction<S: TensorScalar>(_ a: S, _ b: S) -> S { a <= b ? 1 : 0 }
}
struct GreaterKernel: BinaryKernel {
    @inline(__always) func callAsFunction<S: TensorScalar>(_ a: S, _ b: S) -> S { a > b ? 1 : 0 }
}
struct GreaterEqualKernel: BinaryKernel {
    @inline(__always) func callAsFunction<S: TensorScalar>(_ a: S, _ b: S) -> S { a >= b ? 1 : 0 }
}
struct EqualKernel: BinaryKernel {
    @inline(__always) func callAsFunction<S: TensorScalar>(_ a: S, _ b: S) -> S { a == b ? 1 : 0 }
}
struct NotEqualKernel: BinaryKernel {
    @inline(__always) func callAsFunction<S: TensorScalar>(_ a: S, _ b: S) -> S { a != b ? 1 : 0 }
}
