/// Reordering, inserting and removing axes: permute, transpose, squeeze, unsqueeze,
/// flatten.
extension Tensor {
    /// The tensor with its axes reordered: axis `i` of the result is axis `axes[i]` of
    /// this tensor (negative axes count from the end). The elements are copied so the
    /// result is contiguous again.
    ///
    /// ```swift
    /// let t = Tensor.zeros([2, 3, 4])
    /// t.permuted([2, 0, 1]).shape     // [4, 2, 3]
    /// t.permuted([-1, 0, 1]).shape    // [4, 2, 3]
    /// ```
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.count == rank,
                     "permute: \(axes) lists \(axes.count) axes for a tensor of shape \(shape)")
        let perm = axes.map { Shape.axis($0, rank: rank, "permute") }
        precondition(Set(perm).count == rank, "permute: \(axes) is not a permutation of the axes of shape \(shape)")
        return permutedPrimitive(perm)
    }

    /// The tensor with its axes reordered (variadic form of the array version).
    ///
    /// ```swift
    /// Tensor.zeros([2, 3, 4]).permuted(1, 2, 0).shape   // [3, 4, 2]
    /// ```
    public func permuted(_ axes: Int...) -> Tensor { permuted(axes) }

    /// The tensor with its last two axes swapped: the matrix transpose, applied to
    /// every matrix of a batch. A tensor of rank 0 or 1 is returned unchanged (as
    /// NumPy's `.T` does for vectors).
    ///
    /// ```swift
    /// Tensor([[1, 2, 3], [4, 5, 6]]).transposed()   // [[1, 4], [2, 5], [3, 6]]
    /// Tensor.zeros([5, 2, 3]).transposed().shape     // [5, 3, 2]
    /// ```
    public func transposed() -> Tensor {
        if rank < 2 { return self }
        return transposed(rank - 2, rank - 1)
    }

    /// The tensor with axes `first` and `second` swapped (negative axes count from the end).
    ///
    /// ```swift
    /// Tensor.zeros([2, 3, 4]).transposed(0, -1).shape   // [4, 3, 2]
    /// ```
    public func transposed(_ first: Int, _ second: Int) -> Tensor {
        let a = Shape.axis(first, rank: rank, "transpose"), b = Shape.axis(second, rank: rank, "transpose")
        if a == b { return self }
        var perm = Array(0..<rank)
        perm.swapAt(a, b)
        return permutedPrimitive(perm)
    }

    func permutedPrimitive(_ perm: [Int]) -> Tensor {
        if perm.enumerated().allSatisfy({ $0.offset == $0.element }) { return self }
        if tracer == nil { return permuteKernel(perm) }
        var inverse = perm
        for (i, p) in perm.enumerated() { inverse[p] = i }
        return Tensor.primitive("permute", [self], value: { $0[0].permuteKernel(perm) },
            jvp: { _, t, _ in t[0]!.permutedPrimitive(perm) },
            backward: .cotangent { [inverse] g, _ in [g.permutedPrimitive(inverse)] })
    }

    func permuteKernel(_ perm: [Int]) -> Tensor {
        let st = Shape.strides(shape)
        return stridedCopy(shape: perm.map { shape[$0] }, strides: perm.map { st[$0] }, offset: 0)
    }

    /// The tensor without its axes of extent 1.
    ///
    /// ```swift
    /// Tensor.zeros([1, 3, 1, 2]).squeezed().shape   // [3, 2]
    /// ```
    public func squeezed() -> Tensor { reshaped(shape.filter { $0 != 1 }) }

    /// The tensor without `axis`, which must have extent 1 (negative axes count from the end).
    ///
    /// ```swift
    /// Tensor.zeros([1, 3, 1]).squeezed(axis: -1).shape   // [1, 3]
    /// ```
    public func squeezed(axis: Int) -> Tensor {
        precondition(rank > 0, "squeeze: a rank-0 tensor has no axis to remove")
        let a = Shape.axis(axis, rank: rank, "squeeze")
        precondition(shape[a] == 1, "squeeze: axis \(axis) of shape \(shape) has extent \(shape[a]), not 1")
        var s = shape
        s.remove(at: a)
        return reshaped(s)
    }

    /// The tensor with a new axis of extent 1 inserted at position `axis` of the result
    /// (so `-1` appends one at the end).
    ///
    /// ```swift
    /// let v = Tensor([1, 2, 3])
    /// v.unsqueezed(at: 0).shape     // [1, 3]
    /// v.unsqueezed(at: -1).shape    // [3, 1]
    /// ```
    public func unsqueezed(at axis: Int) -> Tensor {
        let a = axis < 0 ? axis + rank + 1 : axis
        precondition(a >= 0 && a <= rank, "unsqueeze: axis \(axis) is out of range for a tensor of shape \(shape)")
        var s = shape
        s.insert(1, at: a)
        return reshaped(s)
    }

    /// The tensor with the axes from `axis` to the last merged into one (all of them by
    /// default, giving a vector; a rank-0 tensor becomes a vector of one element).
    ///
    /// ```swift
    /// let t = Tensor.zeros([2, 3, 4])
    /// t.flattened().shape              // [24]
    /// t.flattened(fromAxis: 1).shape   // [2, 12]
    /// ```
    public func flattened(fromAxis axis: Int = 0) -> Tensor {
        if rank == 0 { return reshaped([1]) }
        let a = Shape.axis(axis, rank: rank, "flatten")
        return reshaped(Array(shape[..<a]) + [Shape.count(Array(shape[a...]))])
    }
}
