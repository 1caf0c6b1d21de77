/// What every optimizer family shares: checking settings at construction, checking that
/// gradients and state fit the parameters, and a few update formulas written the way
/// `torch.optim` evaluates them (so trajectories agree to round-off).

/// Stops with `"<optimizer>: <message>"` when some value of `h` fails `isValid`; the
/// message names the first offending value, as `torch.optim` does.
func requireValid(
    _ h: Hyperparameter, _ optimizer: String, _ message: String, _ isValid: (Double) -> Bool
) {
    if let bad = h.values.first(where: { !isValid($0) }) {
        preconditionFailure("\(optimizer): \(message)\(bad)")
    }
}

/// Throws the first way `tree` does not fit `params` (same paths in the same order, same
/// shapes and dtypes), naming the path.
func requireFit(_ tree: Parameters, _ params: Parameters, _ context: String) throws {
    if let problem = params.mismatch(with: tree, context: context) { throw problem }
}

/// Throws unless `tree` has exactly the paths of `params`, in order (shapes are free:
/// per-tensor scalars such as NAdam's momentum products).
func requireSamePaths(_ tree: Parameters, _ params: Parameters, _ context: String) throws {
    if tree.paths == params.paths { return }
    for path in params.paths where !tree.contains(path) { throw ParametersError.missingPath(path, in: context) }
    for path in tree.paths where !params.contains(path) { throw ParametersError.unexpectedPath(path, in: context) }
    for (i, (a, b)) in zip(params.paths, tree.paths).enumerated() where a != b {
        throw ParametersError.orderMismatch(position: i, expected: a, actual: b)
    }
}

extension Tensor {
    /// `torch.lerp(self, end, weight)` as torch evaluates it: `self + w·(end − self)` for
    /// `w < 0.5`, else `end − (end − self)·(1 − w)` (the branch is chosen by the value of
    /// a one-element weight; a larger weight uses the first form).
    func lerp(to end: Tensor, weight w: Tensor) -> Tensor {
        if w.count == 1 && w.item >= 0.5 { return end - (end - self) * (1 - w) }
        return self + w * (end - self)
    }

    /// `self + value · t1 · t2`, evaluated left to right as `torch.addcmul` does.
    func addingProduct(_ value: Tensor, _ t1: Tensor, _ t2: Tensor) -> Tensor {
        self + (value * t1) * t2
    }

    /// `self + value · t1 / t2`, evaluated left to right as `torch.addcdiv` does.
    func addingQuotient(_ value: Tensor, _ t1: Tensor, _ t2: Tensor) -> Tensor {
        self + (value * t1) / t2
    }
}

/// The machine epsilon of a dtype (`torch.finfo(dtype).eps`).
func machineEpsilon(_ dtype: DType) -> Double {
    dtype == .float32 ? Double(Float.ulpOfOne) : Double.ulpOfOne
}
