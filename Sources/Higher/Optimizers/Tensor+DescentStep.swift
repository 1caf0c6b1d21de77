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
            maskedVJP: { x, _, u, need in
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
