/// Reverse mode: gradients, value-and-gradient and vector-Jacobian products.

/// The gradient of the scalar function `f` at `x`.
///
/// `x` can be a tensor or any ``DifferentiableTree``. `f` must return one element
/// (a rank-0 tensor or any shape with one element). Calls nest freely, with
/// ``jvp(at:along:of:)`` too: the innermost call differentiates, and values of outer
/// calls are constants to it.
///
/// ```swift
/// let g = gradient(at: Tensor([1, 2, 3])) { x in (x * x).sum() }   // [2, 4, 6]
/// ```
public func gradient<T: DifferentiableTree>(at x: T, of f: (T) throws -> Tensor) rethrows -> T {
    try valueWithGradient(at: x, of: f).gradient
}

/// The value of the scalar function `f` at `x` and its gradient.
///
/// ```swift
/// let (loss, g) = valueWithGradient(at: Tensor(3)) { x in x * x }   // 9, 6
/// ```
public func valueWithGradient<T: DifferentiableTree>(
    at x: T, of f: (T) throws -> Tensor
) rethrows -> (value: Tensor, gradient: T) {
    let (value, pullback) = try vjp(at: x, of: f)
    precondition(value.count == 1,
                 "gradient: the function returned shape \(value.shape); a gradient needs one element (use vjp for other shapes)")
    return (value, pullback(value.onesLike()))
}

/// The value of `f` at `x` and its pullback: the function that maps a cotangent of
/// the output to the matching cotangent of `x` (a vector-Jacobian product).
///
/// The pullback can be called many times; it runs one backward sweep per call.
///
/// ```swift
/// let (y, pullback) = vjp(at: Tensor([1, 2])) { x in x * x }
/// pullback(Tensor([1, 0]))      // [2, 0]
/// ```
public func vjp<T: DifferentiableTree, U: DifferentiableTree>(
    at x: T, of f: (T) throws -> U
) rethrows -> (value: U, pullback: (U) -> T) {
    let level = Level(mode: .reverse)
    let tape = level.tape!
    let inputs = x.leaves
    var leafIDs = [Int]()
    leafIDs.reserveCapacity(inputs.count)
    let traced = x.mapLeaves { leaf -> Tensor in
        let input = level.leaf(leaf)
        leafIDs.append(input.tracer!.node)
        return input
    }
    let output = try level.run { try f(traced) }
    let outLeaves = output.leaves
    var outIDs = [Int]()
    outIDs.reserveCapacity(outLeaves.count)
    let value = output.mapLeaves { leaf -> Tensor in
        if let t = leaf.tracer, t.level === level {
            outIDs.append(t.node)
            return t.primal(of: leaf)
        }
        outIDs.append(-1)
        return leaf
    }
    let pullback = { (cotangent: U) -> T in
        let seeds = cotangent.leaves
        precondition(seeds.count == outLeaves.count,
                     "vjp: the cotangent has \(seeds.count) tensors, the output has \(outLeaves.count)")
        for (s, o) in zip(seeds, outLeaves) where s.shape != o.shape {
            preconditionFailure("vjp: a cotangent has shape \(s.shape), the output it pulls back has shape \(o.shape)")
        }
        var grads = tape.backward(seeds: zip(outIDs, seeds).map { (node: $0, cotangent: $1) }, leaves: leafIDs)
        // Moved out of the sweep's results; only the missing ones are made.
        return x.replacingLeaves(grads.indices.map { i in grads[i].take() ?? inputs[i].zerosLike() })
    }
    return (value, pullback)
}
