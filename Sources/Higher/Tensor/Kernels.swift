/// Plain (untraced) elementwise kernels. Each kernel is a small struct with a generic
/// `callAsFunction`, so one definition serves Float and Double and is specialised for
/// each inside the module.
protocol UnaryKernel {
    func callAsFunction<S: TensorScalar>(_ x: S) -> S
}

protocol BinaryKernel {
    func callAsFunction<S: TensorScalar>(_ a: S, _ b: S) -> S
}

/// Makes a new array of `count` elements, filled by `body`.
@inline(__always)
func makeArray<S>(_ count: Int, _ body: (UnsafeMutableBufferPointer<S>) -> Void) -> [S] {
    [S](unsafeUninitializedCapacity: count) { buffer, initialized in
        body(buffer)
        initialized = count
    }
}

extension Tensor {
    /// Applies `kernel` to every element of a plain tensor.
    func mapElements<K: UnaryKernel>(_ kernel: K) -> Tensor {
        switch data {
        case .float32(let a): return Tensor(shape: shape, data: .float32(Tensor.map(a, kernel)))
        case .float64(let a): return Tensor(shape: shape, data: .float64(Tensor.map(a, kernel)))
        }
    }

    @inline(__always)
    static func map<S: TensorScalar, K: UnaryKernel>(_ a: [S], _ kernel: K) -> [S] {
        a.withUnsafeBufferPointer { x in
            makeArray(x.count) { y in
                for i in 0..<x.count { y[i] = kernel(x[i]) }
            }
        }
    }

    /// Adds a plain tensor of the same shape into this one's elements; `false` (and no
    /// change) when the dtypes differ. The elements are copied first if another tensor
    /// shares them, as for any array.
    mutating func addInPlace(_ other: Tensor) -> Bool {
        switch data {
        case .float32(var a):
            guard case .float32(let b) = other.data else { return false }
            data = .float32([])          // drops this tensor's reference, so `a` can be unique
            Tensor.add(&a, b)
            data = .float32(a)
        case .float64(var a):
            guard case .float64(let b) = other.data else { return false }
            data = .float64([])
            Tensor.add(&a, b)
            data = .float64(a)
        }
        return true
    }

    @inline(__always)
    private static func add<S: TensorScalar>(_ a: inout [S], _ b: [S]) {
        guard !a.isEmpty else { return }
        b.withUnsafeBufferPointer { y in
            a.withUnsafeMutableBufferPointer { x in addRow(x.baseAddress!, y.baseAddress!, x.count) }
        }
    }

    /// Combines two plain tensors elementwise with NumPy broadcasting.
    func zipElements<K: BinaryKernel>(_ other: Tensor, _ name: String, _ kernel: K) -> Tensor {
        guard let outShape = Shape.broadcast(shape, other.shape) else {
            preconditionFailure("\(name): shapes \(shape) and \(other.shape) cannot be broadcast together")
        }
        switch (data, other.data) {
        case (.float32(let a), .float32(let b)):
            return Tensor(shape: outShape, data: .float32(Tensor.zip(a, shape, b, other.shape, outShape, kernel)))
        case (.float64(let a), .float64(let b)):
            return Tensor(shape: outShape, data: .float64(Tensor.zip(a, shape, b, other.shape, outShape, kernel)))
        default:
            preconditionFailure("\(name): dtypes \(dtype) and \(other.dtype) differ (shapes \(shape) and \(other.shape))")
        }
    }

    static func zip<S: TensorScalar, K: BinaryKernel>(
        _ a: [S], _ sa: [Int], _ b: [S], _ sb: [Int], _ out: [Int], _ kernel: K
    ) -> [S] {
        let n = Shape.count(out)
        return a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                makeArray(n) { z in
                    if x.count == n && y.count == n {
                        for i in 0..<n { z[i] = kernel(x[i], y[i]) }
                    } else if y.count == 1 && x.count == n {
                        let c = y[0]
                        for i in 0..<n { z[i] = kernel(x[i], c) }
                    } else if x.count == 1 && y.count == n {
                        let c = x[0]
                        for i in 0..<n { z[i] = kernel(c, y[i]) }
                    } else if n > 0 {
                        // Each row through local pointers: the buffers captured by the row
                        // closure would be reloaded at every element, and not vectorised.
                        let xs = x.baseAddress!, ys = y.baseAddress!, zs = z.baseAddress!
                        var o = 0
                        Shape.forEachRow(broadcasting: sa, sb, to: out) { offA, offB, len, ia, ib in
                            let a = xs + offA, b = ys + offB, row = zs + o
                            if ia == 1 && ib == 0 {
                                let c = b[0]
                                for i in 0..<len { row[i] = kernel(a[i], c) }
                            } else if ia == 0 && ib == 1 {
                                let c = a[0]
                                for i in 0..<len { row[i] = kernel(c, b[i]) }
                            } else if ia == 1 && ib == 1 {
                                for i in 0..<len { row[i] = kernel(a[i], b[i]) }
                            } else {
                                for i in 0..<len { row[i] = kernel(a[i &* ia], b[i &* ib]) }
                            }
                            o += len
                        }
                    }
                }
            }
        }
    }

    /// A plain tensor of this dtype filled with `value`.
    func filled(_ shape: [Int], _ value: Double) -> Tensor {
        Tensor.full(shape, value, dtype: dtype)
    }
}

struct AddKernel: BinaryKernel { @inline(__always) func callAsFunction<S: TensorScalar>(_ a: S, _ b: S) -> S { a + b } }
struct SubKernel: BinaryKernel { @inline(__always) func callAsFunction<S: TensorScalar>(_ a: S, _ b: S) -> S { a - b } }
struct MulKernel: BinaryKernel { @inline(__always) func callAsFunction<S: TensorScalar>(_ a: S, _ b: S) -> S { a * b } }
struct DivKernel: BinaryKernel { @inline(__always) func callAsFunction<S: TensorScalar>(_ a: S, _ b: S) -> S { a / b } }
struct NegKernel: UnaryKernel { @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S) -> S { -x } }

/// `(a − b) · (g · scale)`, the product taken in the element type as the composed
/// operations would take it.
struct ScaledDifferenceKernel: BinaryKernel {
    let cotangent: Double, scale: Double
    @inline(__always) func callAsFunction<S: TensorScalar>(_ a: S, _ b: S) -> S { (a - b) * (S(cotangent) * S(scale)) }
}
