extension Tensor {
    /// A tensor holding `scalars` in row-major order with the given shape.
    ///
    /// ```swift
    /// let m = Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
    /// ```
    public init<S: TensorScalar>(_ scalars: [S], shape: [Int]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor: negative extent in shape \(shape)")
        precondition(Shape.count(shape) == scalars.count,
                     "Tensor: \(scalars.count) scalars do not fill shape \(shape) (\(Shape.count(shape)) elements)")
        self.init(shape: shape, data: S.wrap(scalars))
    }

    /// A vector of `scalars`, converted to `dtype` (Float64 by default).
    ///
    /// ```swift
    /// let v = Tensor([1, 2, 3])                     // float64, shape [3]
    /// let w = Tensor([1, 2, 3], dtype: .float32)    // float32, shape [3]
    /// ```
    public init(_ scalars: [Double], dtype: DType = .float64) {
        self.init(scalars, shape: [scalars.count], dtype: dtype)
    }

    /// A tensor of `scalars` with `shape`, converted to `dtype`.
    ///
    /// ```swift
    /// let m = Tensor([1, 2, 3, 4], shape: [2, 2], dtype: .float32)
    /// ```
    public init(_ scalars: [Double], shape: [Int], dtype: DType) {
        switch dtype {
        case .float64: self.init(scalars, shape: shape)
        case .float32: self.init(scalars.map { Float($0) }, shape: shape)
        }
    }

    /// A matrix from nested rows.
    ///
    /// ```swift
    /// let m = Tensor([[1, 2], [3, 4]])      // shape [2, 2]
    /// ```
    public init(_ rows: [[Double]], dtype: DType = .float64) {
        let cols = rows.first?.count ?? 0
        precondition(rows.allSatisfy { $0.count == cols }, "Tensor: rows have different lengths \(rows.map(\.count))")
        self.init(rows.flatMap { $0 }, shape: [rows.count, cols], dtype: dtype)
    }

    /// A rank-0 tensor.
    ///
    /// ```swift
    /// let s = Tensor(2.5)                          // float64, shape []
    /// let f = Tensor(2.5, dtype: .float32)
    /// ```
    public init(_ value: Double, dtype: DType = .float64) {
        self.init([value], shape: [], dtype: dtype)
    }

    /// A tensor with every element equal to `value`.
    ///
    /// ```swift
    /// let t = Tensor.full([2, 3], 7, dtype: .float32)
    /// ```
    public static func full(_ shape: [Int], _ value: Double, dtype: DType = .float64) -> Tensor {
        let n = Shape.count(shape)
        switch dtype {
        case .float32: return Tensor(shape: shape, data: .float32([Float](repeating: Float(value), count: n)))
        case .float64: return Tensor(shape: shape, data: .float64([Double](repeating: value, count: n)))
        }
    }

    /// A tensor of zeros.
    ///
    /// ```swift
    /// let z = Tensor.zeros([3, 4])
    /// ```
    public static func zeros(_ shape: [Int], dtype: DType = .float64) -> Tensor { full(shape, 0, dtype: dtype) }

    /// A tensor of ones.
    ///
    /// ```swift
    /// let o = Tensor.ones([3], dtype: .float32)
    /// ```
    public static func ones(_ shape: [Int], dtype: DType = .float64) -> Tensor { full(shape, 1, dtype: dtype) }

    /// Zeros with this tensor's shape and dtype (never traced).
    ///
    /// ```swift
    /// let z = Tensor([1, 2]).zerosLike()   // [0, 0]
    /// ```
    public func zerosLike() -> Tensor { Tensor.zeros(shape, dtype: dtype) }

    /// Ones with this tensor's shape and dtype (never traced).
    ///
    /// ```swift
    /// let o = Tensor([1, 2]).onesLike()    // [1, 1]
    /// ```
    public func onesLike() -> Tensor { Tensor.ones(shape, dtype: dtype) }

    /// The values `start, start + step, …` below `end`.
    ///
    /// ```swift
    /// Tensor.arange(0, 5)            // [0, 1, 2, 3, 4]
    /// Tensor.arange(1, 2, step: 0.25)  // [1, 1.25, 1.5, 1.75]
    /// ```
    public static func arange(_ start: Double, _ end: Double, step: Double = 1, dtype: DType = .float64) -> Tensor {
        precondition(step != 0, "arange: step must not be 0")
        let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor((0..<n).map { start + Double($0) * step }, shape: [n], dtype: dtype)
    }

    /// `count` evenly spaced values from `start` to `end`, both included.
    ///
    /// ```swift
    /// Tensor.linspace(0, 1, count: 5)    // [0, 0.25, 0.5, 0.75, 1]
    /// ```
    public static func linspace(_ start: Double, _ end: Double, count: Int, dtype: DType = .float64) -> Tensor {
        precondition(count >= 0, "linspace: count \(count) is negative")
        if count == 1 { return Tensor([start], dtype: dtype) }
        let step = (end - start) / Double(count - 1)
        return Tensor((0..<count).map { $0 == count - 1 ? end : start + Double($0) * step }, shape: [count], dtype: dtype)
    }

    /// The `n × n` identity matrix.
    ///
    /// ```swift
    /// let i = Tensor.eye(3)
    /// ```
    public static func eye(_ n: Int, dtype: DType = .float64) -> Tensor {
        var v = [Double](repeating: 0, count: n * n)
        for i in 0..<n { v[i * n + i] = 1 }
        return Tensor(v, shape: [n, n], dtype: dtype)
    }

    /// This tensor converted to `dtype` (differentiable; the gradient converts back).
    ///
    /// ```swift
    /// let f = Tensor([1, 2]).cast(to: .float32)
    /// ```
    public func cast(to dtype: DType) -> Tensor {
        if dtype == self.dtype { return self }
        let from = self.dtype
        return Tensor.primitive("cast", [self], value: { x in
            switch (x[0].data, dtype) {
            case (.float64(let a), .float32): return Tensor(shape: x[0].shape, data: .float32(a.map { Float($0) }))
            case (.float32(let a), .float64): return Tensor(shape: x[0].shape, data: .float64(a.map { Double($0) }))
            default: return x[0]
            }
        }, jvp: { _, t, _ in t[0]!.cast(to: dtype) },
           backward: .cotangent { g, _ in [g.cast(to: from)] })
    }
}
