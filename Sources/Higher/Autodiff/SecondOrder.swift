/// Second order and dense derivatives: Hessian-vector products (forward-over-reverse),
/// Jacobians and Hessians of small functions.

/// The Hessian of the scalar function `f` at `x` applied to `v`, computed
/// forward-over-reverse: the gradient's backward sweep runs on dual tensors, at the
/// cost of a few gradients and without forming the Hessian.
///
/// ```swift
/// let hv = hessianVectorProduct(at: Tensor([1, 2]), along: Tensor([1, 0])) { x in
///     (x * x * x).sum()
/// }
/// // hv == [6, 0]  (the Hessian is diag(6x))
/// ```
public func hessianVectorProduct<T: DifferentiableTree>(
    at x: T, along v: T, of f: (T) throws -> Tensor
) rethrows -> T {
    try jvp(at: x, along: v) { y in try gradient(at: y, of: f) }.differential
}

/// The gradient of `f` at `x` and the Hessian-vector product along `v`, from one
/// forward-over-reverse pass.
///
/// ```swift
/// let (g, hv) = gradientAndHessianVectorProduct(at: Tensor(2), along: Tensor(1)) { x in x * x * x }
/// // g == 12, hv == 12
/// ```
public func gradientAndHessianVectorProduct<T: DifferentiableTree>(
    at x: T, along v: T, of f: (T) throws -> Tensor
) rethrows -> (gradient: T, hessianVectorProduct: T) {
    let (g, hv) = try jvp(at: x, along: v) { y in try gradient(at: y, of: f) }
    return (g, hv)
}

/// The Jacobian of `f` at `x`, with shape `f(x).shape + x.shape`, one forward pass
/// per element of `x`. Meant for small inputs and for checking.
///
/// ```swift
/// let j = jacobian(at: Tensor([1, 2])) { x in x * x }   // [[2, 0], [0, 4]]
/// ```
public func jacobian(at x: Tensor, of f: (Tensor) throws -> Tensor) rethrows -> Tensor {
    let n = x.count
    var columns = [[Double]]()
    var outShape: [Int] = []
    var outDType = x.dtype
    for i in 0..<n {
        var e = [Double](repeating: 0, count: n)
        e[i] = 1
        let (y, dy) = try jvp(at: x, along: Tensor(e, shape: x.shape, dtype: x.dtype), of: f)
        outShape = y.shape
        outDType = y.dtype
        columns.append(dy.scalars)
    }
    if n == 0 { outShape = try f(x).shape }
    let m = Shape.count(outShape)
    var values = [Double](repeating: 0, count: m * n)
    for i in 0..<n { for r in 0..<m { values[r * n + i] = columns[i][r] } }
    return Tensor(values, shape: outShape + x.shape, dtype: outDType)
}

/// The Hessian of the scalar function `f` at `x`, with shape `x.shape + x.shape`, one
/// forward-over-reverse pass per element of `x`. Meant for small inputs and checking.
///
/// ```swift
/// let h = hessian(at: Tensor([1, 2])) { x in (x * x).sum() }   // [[2, 0], [0, 2]]
/// ```
public func hessian(at x: Tensor, of f: (Tensor) throws -> Tensor) rethrows -> Tensor {
    try jacobian(at: x) { y in try gradient(at: y, of: f) }
}
