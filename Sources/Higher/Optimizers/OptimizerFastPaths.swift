/// Fused loops for the most common steps (SGD and Adam) when nothing is being
/// differentiated: every tensor plain and every setting one plain number. They compute
/// exactly what the tensor-operation path computes, operation for operation in the
/// parameter's own precision (so the two agree bit for bit), in one pass over memory and
/// with one new array per result instead of one per intermediate.

/// The settings as plain numbers when none is traced or per-parameter; else `nil`.
func plainScalars(_ settings: [Hyperparameter]) -> [Double]? {
    var out = [Double]()
    out.reserveCapacity(settings.count)
    for h in settings {
        guard !h.isTraced, let v = h.scalarValue else { return nil }
        out.append(v)
    }
    return out
}

func allPlain(_ trees: [Parameters?]) -> Bool {
    trees.allSatisfy { $0?.tensors.allSatisfy { !$0.isTraced } ?? true }
}

/// Applies `body` to the Float or Double arrays of same-dtype tensors.
@inline(__always)
private func withScalars<R>(
    _ tensors: [Tensor], float: ([[Float]]) -> R, double: ([[Double]]) -> R
) -> R? {
    switch tensors[0].data {
    case .float32:
        var arrays = [[Float]]()
        for t in tensors {
            guard case .float32(let a) = t.data else { return nil }
            arrays.append(a)
        }
        return float(arrays)
    case .float64:
        var arrays = [[Double]]()
        for t in tensors {
            guard case .float64(let a) = t.data else { return nil }
            arrays.append(a)
        }
        return double(arrays)
    }
}

// MARK: - SGD

extension SGD {
    /// The fused plain step, or `nil` when something is traced or per-parameter.
    func plainStep(_ state: State, _ params: Parameters, _ grads: Parameters, _ hyper: Hyper,
                   useMomentum: Bool, decay: Bool, first: Bool) -> (State, Parameters)? {
        guard let s = plainScalars([hyper.lr, hyper.momentum, hyper.dampening, hyper.weightDecay]),
              allPlain([params, grads, useMomentum && !first ? state.momentumBuffer : nil]) else { return nil }
        var newParams = [Tensor](), newBuffer = [Tensor]()
        newParams.reserveCapacity(params.count)
        for i in 0..<params.count {
            let p = params.tensors[i]
            var inputs = [p, grads.tensors[i]]
            if useMomentum && !first { inputs.append(state.momentumBuffer!.tensors[i]) }
            let kernel = SGDKernel(lr: s[0], momentum: s[1], dampening: s[2], weightDecay: s[3], useMomentum: useMomentum,
                                   first: first, decay: decay, nesterov: nesterov, maximize: maximize)
            guard let (q, b) = withScalars(inputs, float: { kernel.run($0) }, double: { kernel.run($0) }) else { return nil }
            newParams.append(Tensor(shape: p.shape, data: q))
            if let b { newBuffer.append(Tensor(shape: p.shape, data: b)) }
        }
        let buffer = useMomentum ? params.with(tensors: newBuffer) : state.momentumBuffer
        return (State(step: state.step + 1, momentumBuffer: buffer), params.with(tensors: newParams))
    }
}

private struct SGDKernel {
    let lr: Double, momentum: Double, dampening: Double, weightDecay: Double
    let useMomentum: Bool, first: Bool, decay: Bool, nesterov: Bool, maximize: Bool

    func run<S: TensorScalar>(_ a: [[S]]) -> (TensorData, TensorData?) {
        let n = a[0].count
        let lr = S(lr), mu = S(momentum), wd = S(weightDecay), keep = 1 - S(dampening)
        var buffer: [S]? = nil
        let params: [S] = a[0].withUnsafeBufferPointer { p in
            a[1].withUnsafeBufferPointer { g in
                if !useMomentum {
                    return makeArray(n) { out in
                        for i in 0..<n {
                            var gi = maximize ? -g[i] : g[i]
                            if decay { gi = gi + wd * p[i] }
                            out[i] = p[i] - lr * gi
                        }
                    }
                }
                var newBuffer = [S]()
                let result: [S] = makeArray(n) { out in
                    newBuffer = makeArray(n) { b in
                        let previous = first ? nil : a[2]
                        previous.withUnsafeBufferPointerIfPresent { old in
                            for i in 0..<n {
                                var gi = maximize ? -g[i] : g[i]
                                if decay { gi = gi + wd * p[i] }
                                let bi = old.map { $0[i] * mu + keep * gi } ?? gi
                                b[i] = bi
                                out[i] = p[i] - lr * (nesterov ? gi + mu * bi : bi)
                            }
                        }
                    }
                }
                buffer = newBuffer
                return result
            }
        }
        return (S.wrap(params), buffer.map(S.wrap))
    }
}

extension Optional {
    @inline(__always)
    func withUnsafeBufferPointerIfPresent<S, R>(_ body: (UnsafeBufferPointer<S>?) -> R) -> R where Wrapped == [S] {
        guard let self else { return body(nil) }
        return self.withUnsafeBufferPointer { body($0) }
    }
}

// MARK: - Adam

/// Adam's and AdamW's fused plain step, or `nil` when something is traced or
/// per-parameter.
func adamPlainStep(
    _ state: Adam.State, _ params: Parameters, _ grads: Parameters, _ hyper: Adam.Hyper,
    amsgrad: Bool, maximize: Bool, decoupled: Bool, decay: Bool
) -> (Adam.State, Parameters)? {
    guard let s = plainScalars([hyper.lr, hyper.beta1, hyper.beta2, hyper.eps, hyper.weightDecay]),
          allPlain([params, grads, state.expAvg, state.expAvgSq, amsgrad ? state.maxExpAvgSq : nil]) else { return nil }
    let t = state.step + 1
    var newP = [Tensor](), newM = [Tensor](), newV = [Tensor](), newMax = [Tensor]()
    for i in 0..<params.count {
        let p = params.tensors[i]
        var inputs = [p, grads.tensors[i], state.expAvg.tensors[i], state.expAvgSq.tensors[i]]
        if amsgrad { inputs.append(state.maxExpAvgSq!.tensors[i]) }
        let kernel = AdamKernel(lr: s[0], beta1: s[1], beta2: s[2], eps: s[3], weightDecay: s[4], step: t,
                                amsgrad: amsgrad, maximize: maximize, decoupled: decoupled, decay: decay)
        guard let out = withScalars(inputs, float: { kernel.run($0) }, double: { kernel.run($0) }) else { return nil }
        newP.append(Tensor(shape: p.shape, data: out[0]))
        newM.append(Tensor(shape: p.shape, data: out[1]))
        newV.append(Tensor(shape: p.shape, data: out[2]))
        if amsgrad { newMax.append(Tensor(shape: p.shape, data: out[3])) }
    }
    let newState = Adam.State(step: t, expAvg: params.with(tensors: newM), expAvgSq: params.with(tensors: newV),
                              maxExpAvgSq: amsgrad ? params.with(tensors: newMax) : state.maxExpAvgSq)
    return (newState, params.with(tensors: newP))
}

private struct AdamKernel {
    let lr: Double, beta1: Double, beta2: Double, eps: Double, weightDecay: Double, step: Int
    let amsgrad: Bool, maximize: Bool, decoupled: Bool, decay: Bool

    /// The same scalar arithmetic as the tensor path, in `S`.
    func run<S: TensorScalar>(_ a: [[S]]) -> [TensorData] {
        let n = a[0].count
        let lr = S(lr), b1 = S(beta1), b2 = S(beta2), eps = S(eps), wd = S(weightDecay)
        let t = S(Double(step))
        func power(_ x: S) -> S { step == 1 ? x : (step == 2 ? x * x : S.pow(x, t)) }
        let w = 1 - b1, oneMinusB2 = 1 - b2
        let stepSize = lr / (1 - power(b1))
        let negativeStep = -stepSize
        let bc2Sqrt = S.pow(1 - power(b2), 0.5)
        let decayFactor = 1 - lr * wd
        let highWeight = w >= 0.5, keep = 1 - w
        var m = [S](), v = [S](), vmax = [S]()
        let params: [S] = a[0].withUnsafeBufferPointer { p in
            a[1].withUnsafeBufferPointer { g in
                a[2].withUnsafeBufferPointer { m0 in
                    a[3].withUnsafeBufferPointer { v0 in
                        (amsgrad ? a[4] : nil).withUnsafeBufferPointerIfPresent { max0 in
                            var vmaxOut = [S]()
                            var vOut = [S]()
                            var mOut = [S]()
                            let out: [S] = makeArray(n) { po in
                                mOut = makeArray(n) { mo in
                                    vOut = makeArray(n) { vo in
                                        vmaxOut = makeArray(amsgrad ? n : 0) { xo in
                                            for i in 0..<n {
                                                var pi = p[i]
                                                var gi = maximize ? -g[i] : g[i]
                                                if decay {
                                                    if decoupled { pi = pi * decayFactor } else { gi = gi + wd * pi }
                                                }
                                                let mi = highWeight ? gi - (gi - m0[i]) * keep : m0[i] + w * (gi - m0[i])
                                                let vi = v0[i] * b2 + (oneMinusB2 * gi) * gi
                                                var second = vi
                                                if let max0 {
                                                    let previous = max0[i]
                                                    second = previous >= vi || previous.isNaN ? previous : vi
                                                    xo[i] = second
                                                }
                                                let denom = second.squareRoot() / bc2Sqrt + eps
                                                mo[i] = mi
                                                vo[i] = vi
                                                po[i] = pi + (negativeStep * mi) / denom
                                            }
                                        }
                                    }
                                }
                            }
                            m = mOut
                            v = vOut
                            vmax = vmaxOut
                            return out
                        }
                    }
                }
            }
        }
        var result = [S.wrap(params), S.wrap(m), S.wrap(v)]
        if amsgrad { result.append(S.wrap(vmax)) }
        return result
    }
}
