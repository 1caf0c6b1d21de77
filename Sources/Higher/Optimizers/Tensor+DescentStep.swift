/// The plain gradient-descent update as one differentiable operation.
extension Tensor {
    /// `self − lr · (gradient + weightDecay · self)`: one SGD update of a parameter, with
    /// `lr` and `weightDecay` scalars of any dtype (they act in the parameter's dtype).
    ///
    /// Unrolled optimisation records an update per parameter per step; as one operation
    /// it is one tape node instead of five (two conversions, two products, a
    /// difference), and its derivatives with respect to all four inputs are exact, so a
    /// learning rate or a weight decay of 0 still receives its hypergradient.
    ///
    /// ```swift
    /// let p = Tensor([1, 2]), g = Tensor([0.5, -1])
    /// p.descentStep(gradient: g, lr: Tensor(0.1), weightDecay: Tensor(0.01))   // [0.949, 2.098]
    /// ```
    func descentStep(gradient g: Tensor, lr: Tensor, weightDecay: Tensor?) -> Tensor {
        precondition(g.shape == shape && g.dtype == dtype,
                     "descentStep: the gradient \(g.shape) \(g.dtype) does not match the parameter \(shape) \(dtype)")
        precondition(lr.count == 1 && (weightDecay?.count ?? 1) == 1,
                     "descentStep: lr \(lr.shape) and weightDecay \(weightDecay?.shape ?? []) must be single numbers")
        if tracer == nil && g.tracer == nil && lr.tracer == nil && weightDecay?.tracer == nil {
            return Tensor.descentStepKernel(self, g, lr: lr.item, weightDecay: weightDecay?.item ?? 0)
        }
        let inputs = weightDecay.map { [self, g, lr, $0] } ?? [self, g, lr]
        let dt = dtype
        return Tensor.primitive("descentStep", inputs,
            value: { x in Tensor.descentStepKernel(x[0], x[1], lr: x[2].item, weightDecay: x.count > 3 ? x[3].item : 0) },
            jvp: { x, t, _ in
                let (p, g) = (x[0], x[1])
                let lr = x[2].cast(to: dt), wd = x.count > 3 ? x[3].cast(to: dt) : nil
                // d(p − lr·d) with d = g + wd·p: dp − lr·dd − dlr·d, dd = dg + wd·dp + dwd·p.
                let dd = Tensor.sum([t[1], t[0].flatMap { tp in wd.map { $0 * tp } },
                              x.count > 3 ? t[3].map { $0.cast(to: dt) * p } : nil])
                let direction = wd.map { g + $0 * p } ?? g
                return Tensor.sum([t[0], dd.map { -(lr * $0) }, t[2].map { -($0.cast(to: dt) * direction) }])
                    ?? p.zerosLike()
            },
            backward: .inputs { x, u, need in
                if u.tracer == nil && x.allSatisfy({ $0.tracer == nil }) {
                    return Tensor.descentStepCotangents(u, x, need)
                }
                let (p, g) = (x[0], x[1])
                let lr = x[2].cast(to: dt), wd = x.count > 3 ? x[3].cast(to: dt) : nil
                var bars: [Tensor?] = [
                    need[0] ? (wd.map { u * (1 - lr * $0) } ?? u) : nil,
                    need[1] ? u * -lr : nil,
                    need[2] ? (-(u * (wd.map { g + $0 * p } ?? g)).sum()).reshaped(x[2].shape).cast(to: x[2].dtype) : nil,
                ]
                if x.count > 3 {
                    bars.append(need[3] ? (-(lr * (u * p).sum())).reshaped(x[3].shape).cast(to: x[3].dtype) : nil)
                }
                return bars
            })
    }

    /// The cotangents of the inputs `need` asks for, on plain tensors: `u·(1 − lr·wd)` (`u`
    /// itself without decay), `−lr·u`, `−Σ u·(g + wd·p)` and `−lr·Σ u·p`, the sums in one
    /// vectorised pass over the elements.
    static func descentStepCotangents(_ u: Tensor, _ x: [Tensor], _ need: InputMask) -> [Tensor?] {
        let lr = x[2].item, wd = x.count > 3 ? x[3].item : 0
        let hasDecay = x.count > 3
        let sums = need[2] || (hasDecay && need[3])
        func run<S: TensorScalar & SIMDScalar>(_ u: [S], _ p: [S], _ g: [S])
            -> (pBar: TensorData?, gBar: TensorData?, lr: Double, wd: Double) {
            let keep = S(1 - lr * wd), scale = S(-lr), decay = S(wd)
            func scaled(_ c: S) -> TensorData {
                S.wrap(u.withUnsafeBufferPointer { u in makeArray(u.count) { out in for i in 0..<u.count { out[i] = c * u[i] } } })
            }
            let pBar = need[0] && keep != 1 ? scaled(keep) : nil
            let gBar = need[1] ? scaled(scale) : nil
            guard sums else { return (pBar, gBar, 0, 0) }
            // Both sums in vectors of eight, added across lanes once at the end.
            var lanesL = SIMD8<S>(), lanesQ = SIMD8<S>()
            var l: S = 0, q: S = 0
            u.withUnsafeBufferPointer { u in
                p.withUnsafeBufferPointer { p in
                    g.withUnsafeBufferPointer { g in
                        let n = u.count
                        var i = 0
                        while i + 8 <= n {
                            let uv: SIMD8<S> = BLAS.load(u.baseAddress! + i), pv: SIMD8<S> = BLAS.load(p.baseAddress! + i)
                            lanesL += uv * (BLAS.load(g.baseAddress! + i) + decay * pv)
                            lanesQ += uv * pv
                            i += 8
                        }
                        while i < n { l += u[i] * (g[i] + decay * p[i]); q += u[i] * p[i]; i += 1 }
                    }
                }
            }
            l += lanesL.sum()
            q += lanesQ.sum()
            return (pBar, gBar, -Double(l), -lr * Double(q))
        }
        let r: (pBar: TensorData?, gBar: TensorData?, lr: Double, wd: Double)
        switch (u.data, x[0].data, x[1].data) {
        case (.float32(let a), .float32(let b), .float32(let c)): r = run(a, b, c)
        case (.float64(let a), .float64(let b), .float64(let c)): r = run(a, b, c)
        default: preconditionFailure("descentStep: the cotangent is \(u.dtype), the parameter \(x[0].dtype)")
        }
        let scalar = { (v: Double, like: Tensor) in Tensor([v], shape: like.shape, dtype: like.dtype) }
        var bars: [Tensor?] = [
            need[0] ? r.pBar.map { Tensor(shape: u.shape, data: $0) } ?? u : nil,
            r.gBar.map { Tensor(shape: u.shape, data: $0) },
            need[2] ? scalar(r.lr, x[2]) : nil,
        ]
        if hasDecay { bars.append(need[3] ? scalar(r.wd, x[3]) : nil) }
        return bars
    }

    /// The update on plain tensors, in one pass.
    static func descentStepKernel(_ p: Tensor, _ g: Tensor, lr: Double, weightDecay: Double) -> Tensor {
        func run<S: TensorScalar>(_ p: [S], _ g: [S]) -> [S] {
            let lr = S(lr), wd = S(weightDecay)
            return p.withUnsafeBufferPointer { p in
                g.withUnsafeBufferPointer { g in
                    makeArray(p.count) { out in
                        if wd == 0 {
                            for i in 0..<p.count { out[i] = p[i] - lr * g[i] }
                        } else {
                            for i in 0..<p.count { out[i] = p[i] - lr * (g[i] + wd * p[i]) }
                        }
                    }
                }
            }
        }
        switch (p.data, g.data) {
        case (.float32(let a), .float32(let b)): return Tensor(shape: p.shape, data: .float32(run(a, b)))
        case (.float64(let a), .float64(let b)): return Tensor(shape: p.shape, data: .float64(run(a, b)))
        default: preconditionFailure("descentStep: the parameter is \(p.dtype), the gradient \(g.dtype)")
        }
    }
}
