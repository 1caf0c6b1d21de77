/// Joining tensors along an axis and splitting them apart again.
extension Tensor {
    /// The tensors joined end to end along `axis` (negative axes count from the end).
    /// They must share their dtype, their rank and their extents on every other axis.
    ///
    /// The gradient slices the cotangent back into one piece per input.
    ///
    /// ```swift
    /// let a = Tensor([[1, 2]]), b = Tensor([[3, 4], [5, 6]])
    /// Tensor.concatenate([a, b])                              // [[1, 2], [3, 4], [5, 6]]
    /// Tensor.concatenate([b, b], alongAxis: -1).shape          // [2, 4]
    /// ```
    public static func concatenate(_ tensors: [Tensor], alongAxis axis: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "concatenate: no tensors to join")
        let first = tensors[0]
        precondition(first.rank > 0, "concatenate: rank-0 tensors have no axis to join along (use stack)")
        let a = Shape.axis(axis, rank: first.rank, "concatenate")
        for t in tensors {
            var ok = t.rank == first.rank
            if ok { for i in 0..<t.rank where i != a && t.shape[i] != first.shape[i] { ok = false } }
            precondition(ok, "concatenate: shapes \(tensors.map(\.shape)) differ off axis \(axis)")
            precondition(t.dtype == first.dtype,
                         "concatenate: dtypes \(tensors.map(\.dtype)) differ (shapes \(tensors.map(\.shape)))")
        }
        if tensors.count == 1 { return first }
        if tensors.allSatisfy({ $0.tracer == nil }) { return concatenateKernel(tensors, a) }
        let sizes = tensors.map { $0.shape[a] }
        return primitive("concatenate", tensors, value: { concatenateKernel($0, a) },
            jvp: { x, t, _ in concatenate((0..<x.count).map { t[$0] ?? x[$0].zerosLike() }, alongAxis: a) },
            backward: .cotangent { g, _ in
                var start = 0
                return sizes.map { n in
                    defer { start += n }
                    return g.sliced(alongAxis: a, start..<(start + n))
                }
            })
    }

    /// The tensors, which must share shape and dtype, joined along a new axis inserted
    /// at position `axis` of the result.
    ///
    /// ```swift
    /// let a = Tensor([1, 2]), b = Tensor([3, 4])
    /// Tensor.stack([a, b])                   // [[1, 2], [3, 4]]
    /// Tensor.stack([a, b], alongAxis: 1)     // [[1, 3], [2, 4]]
    /// ```
    public static func stack(_ tensors: [Tensor], alongAxis axis: Int = 0) -> Tensor {
        precondition(!tensors.isEmpty, "stack: no tensors to stack")
        let shape = tensors[0].shape
        precondition(tensors.allSatisfy { $0.shape == shape },
                     "stack: shapes \(tensors.map(\.shape)) differ")
        let a = axis < 0 ? axis + shape.count + 1 : axis
        precondition(a >= 0 && a <= shape.count,
                     "stack: axis \(axis) is out of range for stacking tensors of shape \(shape)")
        return concatenate(tensors.map { $0.unsqueezed(at: a) }, alongAxis: a)
    }

    /// Consecutive pieces along `axis` with the given extents, which must add up to the
    /// axis's extent.
    ///
    /// Each piece is a slice, so its gradient is padded back to this tensor's full
    /// shape: splitting into `k` pieces costs `k` full-size cotangents in the backward
    /// pass.
    ///
    /// ```swift
    /// let parts = Tensor([1, 2, 3, 4, 5]).split(sizes: [2, 3])   // [1, 2] and [3, 4, 5]
    /// ```
    public func split(sizes: [Int], alongAxis axis: Int = 0) -> [Tensor] {
        precondition(rank > 0, "split: a rank-0 tensor has no axis to split")
        let a = Shape.axis(axis, rank: rank, "split")
        precondition(sizes.allSatisfy { $0 >= 0 } && sizes.reduce(0, +) == shape[a],
                     "split: sizes \(sizes) do not add up to extent \(shape[a]) of axis \(axis) (shape \(shape))")
        var start = 0
        return sizes.map { n in
            defer { start += n }
            return sliced(alongAxis: a, start..<(start + n))
        }
    }

    /// `count` equal consecutive pieces along `axis`, whose extent `count` must divide.
    ///
    /// ```swift
    /// let halves = Tensor.zeros([4, 6]).split(count: 2, alongAxis: 1)   // two [4, 3]
    /// ```
    public func split(count: Int, alongAxis axis: Int = 0) -> [Tensor] {
        precondition(rank > 0, "split: a rank-0 tensor has no axis to split")
        let a = Shape.axis(axis, rank: rank, "split")
        precondition(count > 0 && shape[a] % count == 0,
                     "split: extent \(shape[a]) of axis \(axis) (shape \(shape)) cannot be split into \(count) equal pieces")
        return split(sizes: [Int](repeating: shape[a] / count, count: count), alongAxis: a)
    }

    /// The slices along `axis`, each with that axis removed: the inverse of
    /// ``stack(_:alongAxis:)``.
    ///
    /// ```swift
    /// let rows = Tensor([[1, 2], [3, 4]]).unstacked()   // [1, 2] and [3, 4]
    /// ```
    public func unstacked(alongAxis axis: Int = 0) -> [Tensor] {
        precondition(rank > 0, "unstack: a rank-0 tensor has no axis to unstack")
        let a = Shape.axis(axis, rank: rank, "unstack")
        var s = shape
        s.remove(at: a)
        return (0..<shape[a]).map { sliced(alongAxis: a, $0..<($0 + 1)).reshaped(s) }
    }

    static func concatenateKernel(_ tensors: [Tensor], _ a: Int) -> Tensor {
        var outShape = tensors[0].shape
        outShape[a] = tensors.reduce(0) { $0 + $1.shape[a] }
        let outer = Shape.count(Array(outShape[..<a]))
        let inner = Shape.count(Array(outShape[(a + 1)...]))
        let rowOut = outShape[a] * inner
        func join<S: TensorScalar>(_ arrays: [[S]]) -> [S] {
            makeArray(outer * rowOut) { y in
                var column = 0
                for (t, arr) in Swift.zip(tensors, arrays) {
                    let row = t.shape[a] * inner
                    arr.withUnsafeBufferPointer { x in
                        guard row > 0, let xb = x.baseAddress, let yb = y.baseAddress else { return }
                        for o in 0..<outer {
                            (yb + o * rowOut + column).initialize(from: xb + o * row, count: row)
                        }
                    }
                    column += row
                }
            }
        }
        switch tensors[0].dtype {
        case .float32: return Tensor(shape: outShape, data: .float32(join(tensors.map { Float.unwrap($0.data) })))
        case .float64: return Tensor(shape: outShape, data: .float64(join(tensors.map { Double.unwrap($0.data) })))
        }
    }
}
