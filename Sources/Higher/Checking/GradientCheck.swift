// Checks of Higher's derivatives of your own functions against central finite
// differences: use them to test a custom operation, model or loss before training.

/// Compares the gradient of the scalar function `f` at `x` with central finite
/// differences, element by element.
///
/// Each partial derivative is `(f(x + ε·eᵢ) − f(x − ε·eᵢ)) / 2ε`, so the check costs
/// `2·n` evaluations of `f` for `n` elements: meant for small inputs. `x` can be a tensor
/// or any ``DifferentiableTree``; the result locates elements by leaf and index.
///
/// Every check runs in Float64: the point (and the direction or cotangent) is converted
/// to Float64 first, and both Higher's derivative and the finite differences are computed
/// there, so that a Float32 model is checked without Float32 round-off swamping the
/// differences. `f` must therefore work at either dtype: build constants with the
/// input's dtype (`Tensor.ones(shape, dtype: x.dtype)`), use `Double` operands (they take
/// the tensor's dtype), or cast captured Float32 data (`batch.cast(to: x.dtype)`).
///
/// ```swift
/// let x = Tensor([[0.5, -1], [2, 1.5]])
/// let result = checkGradient(of: { x in (x * x / (x + 3)).sum() }, at: x)
/// precondition(result.passes(tolerance: 1e-6), "\(result)")
/// ```
public func checkGradient<T: DifferentiableTree>(
    of f: (T) throws -> Tensor, at x: T, epsilon: Double = 1e-6
) rethrows -> GradientCheckResult {
    FiniteDifferences.requireStep(epsilon, "checkGradient")
    let point = FiniteDifferences.float64(x)
    let library = try gradient(at: point, of: f)
    let numeric = try FiniteDifferences.partials(point, epsilon: epsilon) { p in
        let y = try f(p)
        precondition(y.count == 1,
                     "checkGradient: the function returned shape \(y.shape); a gradient needs one element (use checkVJP)")
        return y.item
    }
    return GradientCheckResult(quantity: "gradient", epsilon: epsilon,
                               library: library.leaves, finiteDifferences: numeric)
}

/// Compares the Jacobian-vector product (forward mode) of `f` at `x` along `v` with the
/// central difference `(f(x + h·v) − f(x − h·v)) / 2h`, `h = ε / max|vᵢ|` (no element of
/// the point moves by more than `ε`). Compares every element of the output.
///
/// ```swift
/// let result = checkJVP(of: { x in x * x * x }, at: Tensor([1, 2]), along: Tensor([1, -1]))
/// precondition(result.passes(), "\(result)")
/// ```
public func checkJVP<T: DifferentiableTree, U: DifferentiableTree>(
    of f: (T) throws -> U, at x: T, along v: T, epsilon: Double = 1e-6
) rethrows -> GradientCheckResult {
    FiniteDifferences.requireStep(epsilon, "checkJVP")
    FiniteDifferences.requireSameStructure(x, v, "checkJVP", "direction")
    let point = FiniteDifferences.float64(x), direction = FiniteDifferences.float64(v)
    let library = try jvp(at: point, along: direction, of: f).differential
    let numeric = try FiniteDifferences.directional(point, along: direction, epsilon: epsilon, f)
    return GradientCheckResult(quantity: "Jacobian-vector product", epsilon: epsilon,
                               library: library.leaves, finiteDifferences: numeric)
}

/// Compares the vector-Jacobian product (reverse mode) of `f` at `x` with the cotangent
/// `u` against central differences of `⟨u, f(x)⟩`, element by element of `x`: the check
/// for functions with non-scalar outputs. Costs `2·n` evaluations for `n` input elements.
///
/// ```swift
/// let result = checkVJP(of: { x in x * x }, at: Tensor([1, 2, 3]), cotangent: Tensor([1, 0, -2]))
/// precondition(result.passes(), "\(result)")
/// ```
public func checkVJP<T: DifferentiableTree, U: DifferentiableTree>(
    of f: (T) throws -> U, at x: T, cotangent u: U, epsilon: Double = 1e-6
) rethrows -> GradientCheckResult {
    FiniteDifferences.requireStep(epsilon, "checkVJP")
    let point = FiniteDifferences.float64(x)
    let (value, pullback) = try vjp(at: point, of: f)
    let outputs = value.leaves, seeds = u.leaves
    precondition(outputs.count == seeds.count,
                 "checkVJP: the cotangent has \(seeds.count) tensors, the output has \(outputs.count)")
    for (i, (o, s)) in zip(outputs, seeds).enumerated() {
        precondition(o.shape == s.shape, "checkVJP: cotangent leaf \(i) has shape \(s.shape), the output has \(o.shape)")
    }
    // The seeds take the output's dtypes, which are Float64 unless `f` casts.
    var i = 0
    let typedSeeds = u.mapLeaves { s -> Tensor in defer { i += 1 }; return s.detached().cast(to: outputs[i].dtype) }
    let library = pullback(typedSeeds)
    let weights = seeds.map(\.scalars)
    let numeric = try FiniteDifferences.partials(point, epsilon: epsilon) { p in
        var total = 0.0
        for (w, y) in zip(weights, try f(p).leaves) {
            let ys = y.scalars
            for j in ys.indices { total += w[j] * ys[j] }
        }
        return total
    }
    return GradientCheckResult(quantity: "vector-Jacobian product", epsilon: epsilon,
                               library: library.leaves, finiteDifferences: numeric)
}

/// Compares the Hessian-vector product of the scalar function `f` at `x` along `v`
/// (forward-over-reverse) with central differences of Higher's own gradient,
/// `(∇f(x + h·v) − ∇f(x − h·v)) / 2h`, `h = ε / max|vᵢ|`.
///
/// A function whose gradient is right but whose backward rules are not themselves
/// differentiable (for example one that uses raw values or `.detached()` inside a
/// derivative rule) passes ``checkGradient(of:at:epsilon:)`` and fails here.
///
/// ```swift
/// let result = checkHessianVectorProduct(of: { x in (x * x * x).sum() },
///                                        at: Tensor([1, 2]), along: Tensor([0.5, -1]))
/// precondition(result.passes(), "\(result)")
/// ```
public func checkHessianVectorProduct<T: DifferentiableTree>(
    of f: (T) throws -> Tensor, at x: T, along v: T, epsilon: Double = 1e-6
) rethrows -> GradientCheckResult {
    FiniteDifferences.requireStep(epsilon, "checkHessianVectorProduct")
    FiniteDifferences.requireSameStructure(x, v, "checkHessianVectorProduct", "direction")
    let point = FiniteDifferences.float64(x), direction = FiniteDifferences.float64(v)
    let library = try hessianVectorProduct(at: point, along: direction, of: f)
    let numeric = try FiniteDifferences.directional(point, along: direction, epsilon: epsilon) { p in
        try gradient(at: p, of: f)
    }
    return GradientCheckResult(quantity: "Hessian-vector product", epsilon: epsilon,
                               library: library.leaves, finiteDifferences: numeric)
}
