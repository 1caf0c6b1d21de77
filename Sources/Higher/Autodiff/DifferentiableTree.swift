/// A value made of tensors that Higher can differentiate with respect to: a tensor, an
/// array of trees, and (from the Functional layer) a `Parameters` tree.
///
/// Conform your own types by listing their tensors in a fixed order and rebuilding
/// the value from tensors in that same order:
///
/// ```swift
/// struct Affine: DifferentiableTree {
///     var weight: Tensor
///     var bias: Tensor
///     var leaves: [Tensor] { [weight, bias] }
///     func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> Affine {
///         Affine(weight: try transform(weight), bias: try transform(bias))
///     }
/// }
/// let g = gradient(at: Affine(weight: Tensor([2]), bias: Tensor([1]))) { p in
///     (p.weight * 3 + p.bias).sum()
/// }
/// // g.weight == [3], g.bias == [1]
/// ```
public protocol DifferentiableTree {
    /// The tensors of this value, in a fixed order.
    var leaves: [Tensor] { get }
    /// The same structure with every leaf replaced by `transform(leaf)`, visiting the
    /// leaves in the order of ``leaves``.
    func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> Self
}

extension DifferentiableTree {
    /// The same structure holding `newLeaves` (in the order of ``leaves``).
    ///
    /// ```swift
    /// let t = [Tensor([1]), Tensor([2])].replacingLeaves([Tensor([5]), Tensor([6])])
    /// ```
    public func replacingLeaves(_ newLeaves: [Tensor]) -> Self {
        replacingLeaves(newLeaves[...])
    }

    /// The same structure holding the tensors of `newLeaves`, a part of a larger list (no
    /// array is made of them).
    func replacingLeaves(_ newLeaves: ArraySlice<Tensor>) -> Self {
        var i = 0
        let result = mapLeaves { old in
            precondition(i < newLeaves.count, "replacingLeaves: \(newLeaves.count) tensors for a tree with more leaves")
            let new = newLeaves[newLeaves.startIndex + i]
            precondition(new.shape == old.shape,
                         "replacingLeaves: leaf \(i) has shape \(old.shape), the replacement has shape \(new.shape)")
            i += 1
            return new
        }
        precondition(i == newLeaves.count, "replacingLeaves: \(newLeaves.count) tensors for a tree with \(i) leaves")
        return result
    }

    /// The same structure with every leaf stopped from differentiation.
    ///
    /// ```swift
    /// let constant = [Tensor([1, 2])].detached()
    /// ```
    public func detached() -> Self { mapLeaves { $0.detached() } }

    /// A tree of zeros with the same structure, shapes and dtypes.
    ///
    /// ```swift
    /// let z = [Tensor([1, 2])].zerosLike()    // [[0, 0]]
    /// ```
    public func zerosLike() -> Self { mapLeaves { $0.zerosLike() } }
}

extension Tensor: DifferentiableTree {
    /// A tensor is a tree with itself as the only leaf.
    ///
    /// ```swift
    /// Tensor([1, 2]).leaves.count    // 1
    /// ```
    public var leaves: [Tensor] { [self] }

    /// Applies `transform` to this tensor.
    ///
    /// ```swift
    /// Tensor([1, 2]).mapLeaves { $0 * 2 }    // [2, 4]
    /// ```
    public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> Tensor { try transform(self) }
}

extension Array: DifferentiableTree where Element: DifferentiableTree {
    /// The leaves of every element, in order.
    ///
    /// ```swift
    /// [Tensor([1]), Tensor([2, 3])].leaves.count    // 2
    /// ```
    public var leaves: [Tensor] {
        // Arrays of tensors are the common case; skip the generic per-element walk.
        if Element.self == Tensor.self { return unsafeBitCast(self, to: [Tensor].self) }
        var out = [Tensor]()
        out.reserveCapacity(count)
        for element in self { out.append(contentsOf: element.leaves) }
        return out
    }

    /// Maps the leaves of every element, in order.
    ///
    /// ```swift
    /// [Tensor([1]), Tensor([2])].mapLeaves { $0 + 1 }    // [[2], [3]]
    /// ```
    public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> [Element] {
        if Element.self == Tensor.self {
            let tensors = unsafeBitCast(self, to: [Tensor].self)
            var out = [Tensor]()
            out.reserveCapacity(tensors.count)
            for t in tensors { out.append(try transform(t)) }
            return unsafeBitCast(out, to: [Element].self)
        }
        var out = [Element]()
        out.reserveCapacity(count)
        for element in self { out.append(try element.mapLeaves(transform)) }
        return out
    }
}

extension Optional: DifferentiableTree where Wrapped: DifferentiableTree {
    /// The leaves of the wrapped value, or none.
    ///
    /// ```swift
    /// Optional(Tensor([1])).leaves.count    // 1
    /// ```
    public var leaves: [Tensor] { self?.leaves ?? [] }

    /// Maps the leaves of the wrapped value.
    ///
    /// ```swift
    /// Optional(Tensor([1])).mapLeaves { $0 * 3 }    // [3]
    /// ```
    public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> Wrapped? {
        try self.map { try $0.mapLeaves(transform) }
    }
}
