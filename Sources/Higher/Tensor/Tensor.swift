/// An n-dimensional array of `Float` or `Double` with value semantics, which Higher can
/// differentiate through.
///
/// A tensor is row-major and contiguous; its elements live in a copy-on-write Swift
/// array, so copies are cheap and a write never shows through another copy. Inside a
/// differentiation call (``gradient(at:of:)``, ``jvp(at:along:of:)``…) a tensor may also
/// carry a trace: the link to its tape node or its tangent. Outside one it carries
/// nothing and costs nothing extra.
///
/// ```swift
/// let a = Tensor([1, 2, 3, 4], shape: [2, 2])          // Float64 by default
/// let b = Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
/// let c = (a * a).sum()                                // 30
/// print(c.item, b.dtype)                               // 30.0 float32
/// ```
public struct Tensor: Sendable {
    /// The extent of each axis; `[]` for a scalar.
    ///
    /// ```swift
    /// Tensor.zeros([2, 3]).shape    // [2, 3]
    /// ```
    public internal(set) var shape: [Int]
    /// The elements in row-major order (for a traced tensor, its plain value).
    ///
    /// ```swift
    /// if case .float32(let v) = Tensor([1, 2], dtype: .float32).data { print(v) }    // [1.0, 2.0]
    /// ```
    public internal(set) var data: TensorData
    /// The differentiation trace, or `nil` for a plain tensor.
    var tracer: Tracer?

    /// Wraps raw data; the caller guarantees `data.count == shape product`.
    @inline(__always)
    init(shape: [Int], data: TensorData, tracer: Tracer? = nil) {
        self.shape = shape
        self.data = data
        self.tracer = tracer
    }

    /// The element type.
    ///
    /// ```swift
    /// Tensor(0.5).dtype     // float64
    /// ```
    public var dtype: DType { data.dtype }

    /// The number of axes.
    ///
    /// ```swift
    /// Tensor.zeros([2, 3]).rank    // 2
    /// ```
    public var rank: Int { shape.count }

    /// The number of elements.
    ///
    /// ```swift
    /// Tensor.zeros([2, 3]).count   // 6
    /// ```
    public var count: Int { data.count }

    /// Whether this tensor is being differentiated by an enclosing differentiation call.
    ///
    /// ```swift
    /// _ = gradient(at: Tensor(2)) { x in
    ///     print(x.isTraced)          // true
    ///     return x * x
    /// }
    /// ```
    public var isTraced: Bool { tracer != nil }

    /// The same values with every derivative stopped: a constant to all enclosing
    /// differentiation calls (`stop_gradient` in JAX, `detach` in PyTorch).
    ///
    /// ```swift
    /// let g = gradient(at: Tensor(3)) { x in x * x.detached() }   // 3, not 6
    /// ```
    public func detached() -> Tensor { Tensor(shape: shape, data: data) }

    /// The elements converted to `type`, in row-major order.
    ///
    /// ```swift
    /// let t = Tensor([1, 2, 3])
    /// t.scalars(as: Float.self)      // [1.0, 2.0, 3.0]
    /// ```
    public func scalars<S: TensorScalar>(as type: S.Type) -> [S] { S.unwrap(data) }

    /// The elements as `Double`, in row-major order.
    ///
    /// ```swift
    /// Tensor([1, 2] as [Float]).scalars    // [1.0, 2.0]
    /// ```
    public var scalars: [Double] { Double.unwrap(data) }

    /// The single element of a tensor with one element, as `Double`.
    ///
    /// ```swift
    /// Tensor([[4]]).item     // 4.0
    /// ```
    public var item: Double {
        precondition(count == 1, "item: the tensor has shape \(shape) (\(count) elements), not one element")
        switch data {
        case .float32(let a): return Double(a[0])
        case .float64(let a): return a[0]
        }
    }
}

extension Tensor: CustomStringConvertible {
    /// The dtype, the shape and the first eight elements.
    ///
    /// ```swift
    /// print(Tensor([1, 2, 3]))    // Tensor(float64, shape: [3], [1.0, 2.0, 3.0])
    /// ```
    public var description: String {
        let values = scalars
        let shown = values.prefix(8).map { "\($0)" }.joined(separator: ", ")
        let more = values.count > 8 ? ", … (\(values.count) elements)" : ""
        return "Tensor(\(dtype), shape: \(shape), [\(shown)\(more)])"
    }
}
