/// Central finite differences in Float64 over trees of tensors: the reference side of
/// every check in this folder. Everything here runs on plain (untraced) values.
enum FiniteDifferences {
    /// A plain Float64 copy of every leaf.
    static func float64<T: DifferentiableTree>(_ x: T) -> T {
        x.mapLeaves { $0.detached().cast(to: .float64) }
    }

    /// `∂g/∂xᵢ` for every element of every leaf of `x` (Float64), by
    /// `(g(x + h·eᵢ) − g(x − h·eᵢ)) / (h₊ + h₋)`, where `h₊`, `h₋` are the steps actually
    /// taken after rounding `xᵢ ± epsilon`, which removes the representation error of the
    /// step from the quotient.
    static func partials<T: DifferentiableTree>(
        _ x: T, epsilon: Double, _ g: (T) throws -> Double
    ) rethrows -> [Tensor] {
        let leaves = x.leaves
        var current = leaves
        var result = [Tensor]()
        result.reserveCapacity(leaves.count)
        for l in leaves.indices {
            var values = leaves[l].scalars
            let shape = leaves[l].shape
            var partial = [Double](repeating: 0, count: values.count)
            for i in values.indices {
                let original = values[i]
                let up = original + epsilon, down = original - epsilon
                values[i] = up
                current[l] = Tensor(values, shape: shape)
                let plus = try g(x.replacingLeaves(current))
                values[i] = down
                current[l] = Tensor(values, shape: shape)
                let minus = try g(x.replacingLeaves(current))
                values[i] = original
                partial[i] = (plus - minus) / ((up - original) + (original - down))
            }
            current[l] = leaves[l]
            result.append(Tensor(partial, shape: shape))
        }
        return result
    }

    /// The directional derivative of `f` at `x` along `v` (both Float64 trees), one
    /// tensor per output leaf: `(f(x + h·v) − f(x − h·v)) / 2h` with
    /// `h = epsilon / max|vᵢ|`, so that no element moves by more than `epsilon`.
    static func directional<T: DifferentiableTree, U: DifferentiableTree>(
        _ x: T, along v: T, epsilon: Double, _ f: (T) throws -> U
    ) rethrows -> [Tensor] {
        let scale = v.leaves.reduce(0.0) { m, t in t.scalars.reduce(m) { Swift.max($0, Swift.abs($1)) } }
        if scale == 0 {
            return try f(x).leaves.map { Tensor.zeros($0.shape) }
        }
        let h = epsilon / scale
        let directions = v.leaves
        var i = 0
        let up = x.mapLeaves { leaf -> Tensor in defer { i += 1 }; return leaf + directions[i] * h }
        i = 0
        let down = x.mapLeaves { leaf -> Tensor in defer { i += 1 }; return leaf - directions[i] * h }
        let plus = try f(up).leaves, minus = try f(down).leaves
        return zip(plus, minus).map { p, m in
            (p.detached().cast(to: .float64) - m.detached().cast(to: .float64)) / (2 * h)
        }
    }

    /// Stops unless `v` has the structure of `x`: as many leaves, each of the same shape.
    static func requireSameStructure<T: DifferentiableTree>(_ x: T, _ v: T, _ op: String, _ what: String) {
        let a = x.leaves, b = v.leaves
        precondition(a.count == b.count, "\(op): the \(what) has \(b.count) tensors, the point has \(a.count)")
        for (i, (p, d)) in zip(a, b).enumerated() {
            precondition(p.shape == d.shape, "\(op): \(what) leaf \(i) has shape \(d.shape), the point has \(p.shape)")
        }
    }

    static func requireStep(_ epsilon: Double, _ op: String) {
        precondition(epsilon > 0 && epsilon.isFinite, "\(op): the step epsilon \(epsilon) must be positive and finite")
    }
}
