/// Mapping and combining trees path by path, and the arithmetic optimizers need.
extension Parameters {
    /// The first mismatch between this tree's structure and `other`'s (paths in the same
    /// order, equal shapes and dtypes), or `nil` when they fit.
    ///
    /// ```swift
    /// if let problem = params.mismatch(with: grads) { print(problem) }
    /// ```
    public func mismatch(with other: Parameters, context: String = "Parameters") -> ParametersError? {
        if paths != other.paths {
            for path in paths where !other.contains(path) { return .missingPath(path, in: context) }
            for path in other.paths where !contains(path) { return .unexpectedPath(path, in: context) }
            for (i, (a, b)) in zip(paths, other.paths).enumerated() where a != b {
                return .orderMismatch(position: i, expected: a, actual: b)
            }
        }
        // Read in place (optimizers check every step): binding each pair of tensors
        // would copy them.
        for i in tensors.indices where tensors[i].shape != other.tensors[i].shape || tensors[i].dtype != other.tensors[i].dtype {
            let a = tensors[i], b = other.tensors[i]
            if a.shape != b.shape { return .shapeMismatch(path: paths[i], expected: a.shape, actual: b.shape) }
            return .dtypeMismatch(path: paths[i], expected: a.dtype, actual: b.dtype)
        }
        return nil
    }

    /// Throws the first structural mismatch with `other`.
    ///
    /// ```swift
    /// try grads.requireSameStructure(as: params)
    /// ```
    public func requireSameStructure(as other: Parameters, context: String = "Parameters") throws {
        if let problem = other.mismatch(with: self, context: context) { throw problem }
    }

    /// A tree with each tensor transformed; the closure also receives the path.
    ///
    /// ```swift
    /// let decayed = p.map { path, t in path.hasSuffix("bias") ? t : t * 0.99 }
    /// ```
    public func map(_ transform: (String, Tensor) throws -> Tensor) rethrows -> Parameters {
        var out = [Tensor]()
        out.reserveCapacity(count)
        for (path, t) in zip(paths, tensors) { out.append(try transform(path, t)) }
        return with(tensors: out)
    }

    /// Combines two trees with the same paths (in the same order), shapes and dtypes.
    /// Throws ``ParametersError`` naming the first path that does not fit.
    ///
    /// ```swift
    /// let updated = try params.zipMap(grads) { p, g in p - 0.1 * g }
    /// ```
    public func zipMap(_ other: Parameters, _ combine: (Tensor, Tensor) throws -> Tensor) throws -> Parameters {
        if let problem = mismatch(with: other, context: "zipMap") { throw problem }
        var out = [Tensor]()
        out.reserveCapacity(count)
        for i in 0..<count { out.append(try combine(tensors[i], other.tensors[i])) }
        return with(tensors: out)
    }

    /// Combines three trees of the same structure.
    ///
    /// ```swift
    /// let next = try params.zipMap(grads, momentum) { p, g, m in p - 0.1 * (g + 0.9 * m) }
    /// ```
    public func zipMap(
        _ second: Parameters, _ third: Parameters, _ combine: (Tensor, Tensor, Tensor) throws -> Tensor
    ) throws -> Parameters {
        if let problem = mismatch(with: second, context: "zipMap") { throw problem }
        if let problem = mismatch(with: third, context: "zipMap") { throw problem }
        var out = [Tensor]()
        out.reserveCapacity(count)
        for i in 0..<count { out.append(try combine(tensors[i], second.tensors[i], third.tensors[i])) }
        return with(tensors: out)
    }

    /// `zipMap` for operators: stops with the mismatch message instead of throwing.
    func combined(_ other: Parameters, _ op: String, _ combine: (Tensor, Tensor) -> Tensor) -> Parameters {
        if let problem = mismatch(with: other, context: op) { preconditionFailure("Parameters \(op): \(problem)") }
        var out = [Tensor]()
        out.reserveCapacity(count)
        for i in 0..<count { out.append(combine(tensors[i], other.tensors[i])) }
        return with(tensors: out)
    }

    /// Path-wise sum; the trees must have the same structure.
    ///
    /// ```swift
    /// let total = gradsA + gradsB
    /// ```
    public static func + (lhs: Parameters, rhs: Parameters) -> Parameters { lhs.combined(rhs, "+") { $0 + $1 } }
    /// Path-wise difference.
    ///
    /// ```swift
    /// let delta = after - before
    /// ```
    public static func - (lhs: Parameters, rhs: Parameters) -> Parameters { lhs.combined(rhs, "-") { $0 - $1 } }
    /// Every tensor scaled.
    ///
    /// ```swift
    /// let step = 0.1 * grads
    /// ```
    public static func * (lhs: Double, rhs: Parameters) -> Parameters { rhs.mapLeaves { lhs * $0 } }
    /// Every tensor scaled.
    ///
    /// ```swift
    /// let step = grads * 0.1
    /// ```
    public static func * (lhs: Parameters, rhs: Double) -> Parameters { lhs.mapLeaves { $0 * rhs } }
    /// Every tensor scaled by a (possibly differentiable) scalar tensor.
    ///
    /// ```swift
    /// let step = learningRate * grads      // learningRate: Tensor of one element
    /// ```
    public static func * (lhs: Tensor, rhs: Parameters) -> Parameters { rhs.mapLeaves { lhs * $0 } }
    /// Every tensor negated.
    ///
    /// ```swift
    /// let descent = -grads
    /// ```
    public static prefix func - (x: Parameters) -> Parameters { x.mapLeaves { -$0 } }

    /// The sum over all paths of the elementwise products: ⟨self, other⟩, as a rank-0 tensor.
    /// In the trees' dtype; a tree mixing Float32 and Float64 paths sums in Float64. An empty
    /// tree gives 0.
    ///
    /// ```swift
    /// let directional = grads.dot(direction).item
    /// ```
    public func dot(_ other: Parameters) -> Tensor {
        if let problem = mismatch(with: other, context: "dot") { preconditionFailure("Parameters dot: \(problem)") }
        let mixed = tensors.contains { $0.dtype != tensors[0].dtype }
        var acc: Tensor?
        for i in 0..<count {
            var term = (tensors[i] * other.tensors[i]).sum()
            if mixed { term = term.cast(to: .float64) }
            acc = acc.map { $0 + term } ?? term
        }
        return acc ?? Tensor(0)
    }

    /// The Euclidean norm of all scalars together (a rank-0 tensor, differentiable).
    ///
    /// At the origin the norm has no derivative; there every derivative is 0 (the
    /// subgradient PyTorch's `vector_norm` uses), not the NaN of `sqrt` at 0, so clipping
    /// a zero gradient by its norm can still be differentiated.
    ///
    /// ```swift
    /// let norm = grads.globalNorm().item
    /// ```
    public func globalNorm() -> Tensor {
        let squared = dot(self)
        // `squared · 0` is the value 0 with all derivatives 0, at every nesting level.
        if squared.item == 0 { return squared * 0 }
        return squared.sqrt()
    }

    /// The paths for which `isIncluded` returns true, in order.
    ///
    /// ```swift
    /// let biases = p.filter { path, _ in path.hasSuffix(".bias") }
    /// ```
    public func filter(_ isIncluded: (String, Tensor) throws -> Bool) rethrows -> Parameters {
        var out = Parameters()
        for (path, t) in zip(paths, tensors) where try isIncluded(path, t) { out[path] = t }
        return out
    }

    /// The paths under `prefix` (a whole path component: `"encoder"` matches
    /// `"encoder.weight"`, not `"encoder2.weight"`). The empty prefix keeps every path.
    ///
    /// ```swift
    /// let encoder = p.filter(prefix: "encoder")
    /// ```
    public func filter(prefix: String) -> Parameters {
        if prefix.isEmpty { return self }
        return filter { path, _ in path == prefix || path.hasPrefix(prefix + ".") }
    }

    /// This tree with the tensors of `other` written over the matching paths (which keep
    /// their place); paths only in `other` are appended in `other`'s order.
    ///
    /// ```swift
    /// let merged = all.merging(updatedEncoder)
    /// ```
    public func merging(_ other: Parameters) -> Parameters {
        var out = self
        for (path, t) in zip(other.paths, other.tensors) { out[path] = t }
        return out
    }

    /// All scalars as one vector, in path order (differentiable). The tensors must share
    /// one dtype; an empty tree gives an empty Float64 vector.
    ///
    /// ```swift
    /// let v = p.flattened()        // shape [p.scalarCount]
    /// let back = p.unflattened(v)  // same paths and shapes as p
    /// ```
    public func flattened() -> Tensor {
        guard let first = tensors.first else { return Tensor.zeros([0]) }
        if let i = tensors.firstIndex(where: { $0.dtype != first.dtype }) {
            preconditionFailure("Parameters flattened: \"\(paths[0])\" is \(first.dtype) but \"\(paths[i])\" is \(tensors[i].dtype); cast the tree to one dtype first")
        }
        return Tensor.concatenate(tensors.map { $0.reshaped([-1]) }, alongAxis: 0)
    }

    /// A tree with this tree's paths and shapes holding the scalars of `vector`, the
    /// inverse of ``flattened()`` (differentiable). The tensors have the vector's dtype.
    ///
    /// ```swift
    /// let back = p.unflattened(p.flattened())
    /// ```
    public func unflattened(_ vector: Tensor) -> Parameters {
        precondition(vector.rank == 1 && vector.count == scalarCount,
                     "Parameters unflattened: a vector of shape \(vector.shape) for a tree of \(scalarCount) scalars")
        var offset = 0
        return mapLeaves { t in
            let piece = vector.sliced(alongAxis: 0, offset..<(offset + t.count)).reshaped(t.shape)
            offset += t.count
            return piece
        }
    }
}
