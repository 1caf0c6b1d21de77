/// Forward mode: Jacobian-vector products with dual tensors.

/// The value of `f` at `x` and its directional derivative along `v` (a
/// Jacobian-vector product), computed in one forward pass with dual tensors.
///
/// ```swift
/// let (y, dy) = jvp(at: Tensor([1, 2]), along: Tensor([1, 0])) { x in x * x }
/// // y == [1, 4], dy == [2, 0]
/// ```
public func jvp<T: DifferentiableTree, U: DifferentiableTree>(
    at x: T, along v: T, of f: (T) throws -> U
) rethrows -> (value: U, differential: U) {
    let level = Level(mode: .forward)
    let directions = v.leaves
    precondition(directions.count == x.leaves.count,
                 "jvp: the direction has \(directions.count) tensors, the point has \(x.leaves.count)")
    var i = 0
    let dual = x.mapLeaves { leaf -> Tensor in
        let d = directions[i]
        precondition(d.shape == leaf.shape && d.dtype == leaf.dtype,
                     "jvp: direction \(i) has shape \(d.shape) (\(d.dtype)), the point has \(leaf.shape) (\(leaf.dtype))")
        i += 1
        return Tensor(shape: leaf.shape, data: leaf.data, tracer: Tracer(level: level, primal: leaf, tangent: d))
    }
    let output = try level.run { try f(dual) }
    let value = output.mapLeaves { leaf in
        if let t = leaf.tracer, t.level === level { return t.primal(of: leaf) }
        return leaf
    }
    let differential = output.mapLeaves { leaf in
        if let t = leaf.tracer, t.level === level { return t.tangent ?? t.primal(of: leaf).zerosLike() }
        return leaf.zerosLike()
    }
    return (value, differential)
}

/// The directional derivative of `f` at `x` along `v`.
///
/// ```swift
/// let dy = derivative(at: Tensor(3), along: Tensor(1)) { x in x * x }   // 6
/// ```
public func derivative<T: DifferentiableTree, U: DifferentiableTree>(
    at x: T, along v: T, of f: (T) throws -> U
) rethrows -> U {
    try jvp(at: x, along: v, of: f).differential
}
