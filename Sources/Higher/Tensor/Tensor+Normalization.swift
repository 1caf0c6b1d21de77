/// Normalisation over slices, the core of batch, layer and group normalisation, as one
/// operation: a single pass for the statistics and one for the result, where the same
/// formula written with reductions and broadcasts takes six, and a closed-form pullback.
extension Tensor {
    /// Each slice along `axes` shifted to mean 0 and scaled to variance 1:
    /// (x − mean) / √(variance + `epsilon`), with the population variance (divided by the
    /// slice's size), as PyTorch's normalisation layers compute it. Differentiable to any order.
    ///
    /// ```swift
    /// let x = Tensor([[1, 3], [2, 2]])
    /// x.normalized(alongAxes: [1], epsilon: 0)      // [[-1, 1], [nan, nan]]: the second row is constant
    /// x.normalized(alongAxes: [1])                  // [[-0.999995, 0.999995], [0, 0]]
    /// let perChannel = images.normalized(alongAxes: [0, 2, 3])   // [N, C, H, W], as batch normalisation
    /// ```
    ///
    /// A slice of constant values has variance 0: its result is 0 when `epsilon` is
    /// positive, NaN when it is 0.
    public func normalized(alongAxes axes: [Int], epsilon: Double = 1e-5) -> Tensor {
        precondition(epsilon >= 0 && epsilon.isFinite, "normalized(alongAxes:epsilon:): epsilon must be finite and at least 0, got \(epsilon)")
        let (reduced, kept, _) = reductionLayout(axes, "normalized(alongAxes:epsilon:)", keepingDimensions: true)
        return normalizedPrimitive(reduced, kept, epsilon)
    }

    func normalizedPrimitive(_ reduced: [Int], _ kept: [Int], _ epsilon: Double) -> Tensor {
        if tracer == nil { return normalizedKernel(kept, epsilon) }
        return Tensor.primitive("normalized", [self], value: { $0[0].normalizedKernel(kept, epsilon) },
            jvp: { x, t, xhat in
                let s = x[0].inverseStandardDeviation(reduced, kept, epsilon)
                return Tensor.normalizedPullback(t[0]!, xhat, s, reduced, kept)
            },
            backward: .all { x, xhat, g in
                let s = x[0].inverseStandardDeviation(reduced, kept, epsilon)
                return [Tensor.normalizedPullback(g, xhat, s, reduced, kept)]
            })
    }

    /// 1/√(variance + ε) of each slice, in the kept layout. Its derivative is
    /// −s² · x̂ / n with x̂ the normalised input and n the slice size.
    func inverseStandardDeviation(_ reduced: [Int], _ kept: [Int], _ epsilon: Double) -> Tensor {
        if tracer == nil { return inverseStandardDeviationKernel(kept, epsilon) }
        let n = Double(Swift.max(count / Swift.max(Shape.count(kept), 1), 1))
        return Tensor.primitive("inverseStandardDeviation", [self],
            value: { $0[0].inverseStandardDeviationKernel(kept, epsilon) },
            jvp: { x, t, s in
                let xhat = x[0].normalizedPrimitive(reduced, kept, epsilon)
                return -(s * s) * (xhat * t[0]!).sum(alongAxes: reduced, keepingDimensions: true) / n
            },
            backward: .all { x, s, g in
                let xhat = x[0].normalizedPrimitive(reduced, kept, epsilon)
                return [-(g * s * s / n) * xhat]
            })
    }

    /// s · (g − mean(g) − x̂ · mean(g · x̂)), means over each slice: the pullback (and, the
    /// map being self-adjoint, the tangent map) of the normalisation at x̂ = normalized(x),
    /// s = 1/√(variance + ε). An operation of its own so that second-order sweeps through
    /// a normalisation stay one pass each.
    static func normalizedPullback(_ g: Tensor, _ xhat: Tensor, _ s: Tensor, _ reduced: [Int], _ kept: [Int]) -> Tensor {
        if g.tracer == nil && xhat.tracer == nil && s.tracer == nil { return normalizedPullbackKernel(g, xhat, s, kept) }
        return primitive("normalizedPullback", [g, xhat, s], value: { normalizedPullbackKernel($0[0], $0[1], $0[2], kept) },
            jvp: { x, t, out in
                let (g, xhat, s) = (x[0], x[1], x[2])
                var terms = [Tensor?]()
                if let dg = t[0] { terms.append(normalizedPullback(dg, xhat, s, reduced, kept)) }
                if let dxhat = t[1] {
                    let c = (g * xhat).mean(alongAxes: reduced, keepingDimensions: true)
                    let m = (g * dxhat).mean(alongAxes: reduced, keepingDimensions: true)
                    terms.append(-(s * (c * dxhat + xhat * m)))
                }
                // out = s · r, so the s-term r · ds is out · ds / s.
                if let ds = t[2] { terms.append(out * (ds / s)) }
                return sum(terms)!
            },
            backward: .masked { x, out, u, needs in
                let (g, xhat, s) = (x[0], x[1], x[2])
                let gBar = needs[0] ? normalizedPullback(u, xhat, s, reduced, kept) : nil
                var xhatBar: Tensor?
                if needs[1] {
                    let c = (g * xhat).mean(alongAxes: reduced, keepingDimensions: true)
                    let m = (u * xhat).mean(alongAxes: reduced, keepingDimensions: true)
                    xhatBar = -(s * (c * u + g * m))
                }
                let sBar = needs[2] ? (u * out).sum(alongAxes: reduced, keepingDimensions: true) / s : nil
                return [gBar, xhatBar, sBar]
            })
    }

    // MARK: - Plain kernels

    func normalizedKernel(_ kept: [Int], _ epsilon: Double) -> Tensor {
        let layout = NormalizationLayout(shape: shape, kept: kept)
        func run<S: TensorScalar>(_ a: [S]) -> [S] {
            a.withUnsafeBufferPointer { x in
                let (mean, inverseStd) = layout.inverseStandardDeviation(x, epsilon: epsilon)
                return layout.normalize(x, mean: mean, inverseStd: inverseStd)
            }
        }
        switch data {
        case .float32(let a): return Tensor(shape: shape, data: .float32(run(a)))
        case .float64(let a): return Tensor(shape: shape, data: .float64(run(a)))
        }
    }

    func inverseStandardDeviationKernel(_ kept: [Int], _ epsilon: Double) -> Tensor {
        let layout = NormalizationLayout(shape: shape, kept: kept)
        switch data {
        case .float32(let a):
            return Tensor(shape: kept, data: .float32(a.withUnsafeBufferPointer { layout.inverseStandardDeviation($0, epsilon: epsilon).inverseStd }))
        case .float64(let a):
            return Tensor(shape: kept, data: .float64(a.withUnsafeBufferPointer { layout.inverseStandardDeviation($0, epsilon: epsilon).inverseStd }))
        }
    }

    /// The per-slice mean and population variance of a plain tensor, in the kept layout
    /// (what batch normalisation adds to its running statistics).
    func sliceMoments(_ kept: [Int]) -> (mean: Tensor, variance: Tensor) {
        let layout = NormalizationLayout(shape: shape, kept: kept)
        func run<S: TensorScalar>(_ a: [S]) -> ([S], [S]) {
            let (mean, variance) = a.withUnsafeBufferPointer { layout.statistics($0) }
            return (mean, variance.map { S($0) })
        }
        switch data {
        case .float32(let a):
            let (m, v) = run(a)
            return (Tensor(shape: kept, data: .float32(m)), Tensor(shape: kept, data: .float32(v)))
        case .float64(let a):
            let (m, v) = run(a)
            return (Tensor(shape: kept, data: .float64(m)), Tensor(shape: kept, data: .float64(v)))
        }
    }

    static func normalizedPullbackKernel(_ g: Tensor, _ xhat: Tensor, _ s: Tensor, _ kept: [Int]) -> Tensor {
        precondition(g.shape == xhat.shape && s.shape == kept,
                     "internal: normalizedPullback got shapes \(g.shape), \(xhat.shape), \(s.shape) for slots \(kept)")
        let layout = NormalizationLayout(shape: g.shape, kept: kept)
        switch (g.data, xhat.data, s.data) {
        case (.float32(let a), .float32(let b), .float32(let c)):
            let r = a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in c.withUnsafeBufferPointer { layout.backward(a, b, $0) } } }
            return Tensor(shape: g.shape, data: .float32(r))
        case (.float64(let a), .float64(let b), .float64(let c)):
            let r = a.withUnsafeBufferPointer { a in b.withUnsafeBufferPointer { b in c.withUnsafeBufferPointer { layout.backward(a, b, $0) } } }
            return Tensor(shape: g.shape, data: .float64(r))
        default:
            preconditionFailure("internal: normalizedPullback got dtypes \(g.dtype), \(xhat.dtype), \(s.dtype)")
        }
    }
}
