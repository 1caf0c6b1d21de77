/// The affine map of a fully connected layer, `x · weightᵀ + bias`, as one operation: one
/// GEMM onto rows that already hold the bias, and one tape node, where the same formula
/// written with reshapes, a product and a broadcasting add records five.

/// `x · weightᵀ + bias` over the last axis of `x`, PyTorch's `torch.nn.functional.linear`.
///
/// - shared weight: `x` `[…, in]` (at least one axis), `weight` `[out, in]`, `bias` `[out]`
///   → `[…, out]`;
/// - task-batched weight: `x` `[T, …, in]`, `weight` `[T, out, in]`, `bias` `[T, out]`
///   → `[T, …, out]`, task `t`'s rows multiplied by task `t`'s weight only.
///
/// All operands have the same dtype. Differentiable in every operand, to any order.
///
/// ```swift
/// let x = Tensor([[1, 2], [3, 4], [5, 6]])         // 3 rows, 2 features
/// let w = Tensor([[1, 0], [0, 1], [1, 1]])         // 3 outputs × 2 inputs
/// linear(x, weight: w, bias: Tensor([0, 0, 10]))   // [[1, 2, 13], [3, 4, 17], [5, 6, 21]]
/// linear(Tensor([1, 2]), weight: w, bias: nil)     // [1, 2, 3]
/// ```
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor? = nil) -> Tensor {
    let geometry = LinearGeometry(x, weight, bias)
    let traced = x.tracer != nil || weight.tracer != nil || bias?.tracer != nil
    if !traced { return Tensor.linearKernel(x, weight, bias, geometry) }
    let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
    return Tensor.primitive("linear", inputs,
        value: { Tensor.linearKernel($0[0], $0[1], $0.count > 2 ? $0[2] : nil, geometry) },
        jvp: { p, t, _ in
            Tensor.linearTangent(x: p[0], weight: p[1], tangents: t, geometry)
        },
        backward: .inputs { p, g, need in
            Tensor.linearCotangents(x: p[0], weight: p[1], g, need, hasBias: p.count > 2, geometry)
        })
}

extension Tensor {
    /// The tangent `linear(ẋ, W) + linear(x, Ẇ, ḃ)` from the tangents present (`nil` = zero).
    static func linearTangent(x: Tensor, weight: Tensor, tangents t: [Tensor?], _ geometry: LinearGeometry) -> Tensor {
        var biasTangent = t.count > 2 ? t[2] : nil
        var terms = [Tensor?]()
        if let dw = t[1] {
            terms.append(linear(x, weight: dw, bias: biasTangent))
            biasTangent = nil
        }
        if let dx = t[0] {
            terms.append(linear(dx, weight: weight, bias: biasTangent))
            biasTangent = nil
        }
        if let db = biasTangent {
            terms.append(db.reshaped(geometry.biasRowShape).broadcast(to: geometry.outShape))
        }
        return sum(terms)!
    }

    /// dx = g · W, dW = gᵀ · x and db = Σ g over the rows (per task when batched), each only
    /// when `need` asks for it.
    static func linearCotangents(
        x: Tensor, weight: Tensor, _ g: Tensor, _ need: InputMask, hasBias: Bool, _ geometry: LinearGeometry
    ) -> [Tensor?] {
        let gRows = geometry.asRows(g, geometry.outFeatures)
        let dx = need[0]
            ? gRows.matmul(weight, transposeA: false, transposeB: false).reshaped(x.shape) : nil
        let dw = need[1]
            ? gRows.matmul(geometry.asRows(x, geometry.inFeatures), transposeA: true, transposeB: false) : nil
        guard hasBias else { return [dx, dw] }
        let db = need[2] ? gRows.sum(alongAxes: [geometry.tasks == nil ? 0 : 1]) : nil
        return [dx, dw, db]
    }

    /// The value on plain tensors: each output row starts as the bias, then one GEMM per
    /// task adds `x · Wᵀ` to it (beta = 1).
    static func linearKernel(_ x: Tensor, _ w: Tensor, _ b: Tensor?, _ geometry: LinearGeometry) -> Tensor {
        switch (x.data, w.data, b?.data) {
        case (.float32(let a), .float32(let m), .none):
            return Tensor(shape: geometry.outShape, data: .float32(geometry.run(a, m, nil)))
        case (.float32(let a), .float32(let m), .float32(let c)?):
            return Tensor(shape: geometry.outShape, data: .float32(geometry.run(a, m, c)))
        case (.float64(let a), .float64(let m), .none):
            return Tensor(shape: geometry.outShape, data: .float64(geometry.run(a, m, nil)))
        case (.float64(let a), .float64(let m), .float64(let c)?):
            return Tensor(shape: geometry.outShape, data: .float64(geometry.run(a, m, c)))
        default:
            preconditionFailure("internal: linear got dtypes \(x.dtype), \(w.dtype), \(String(describing: b?.dtype))")
        }
    }
}

/// The sizes of one `linear` call, checked once: how many tasks (`nil` for a shared
/// weight), how many rows each task has, and the feature counts.
struct LinearGeometry: Sendable {
    /// The task count of a task-batched weight, `nil` for a shared one.
    let tasks: Int?
    /// Rows per task (all rows of `x` for a shared weight).
    let rows: Int
    let inFeatures: Int
    let outFeatures: Int
    let outShape: [Int]

    init(_ x: Tensor, _ w: Tensor, _ b: Tensor?) {
        func fail(_ why: String) -> Never { preconditionFailure("linear: x \(x.shape) · weightᵀ \(w.shape): \(why)") }
        guard w.rank == 2 || w.rank == 3 else {
            fail("the weight must be [out, in] or, task-batched, [T, out, in]")
        }
        let batched = w.rank == 3
        if x.rank < (batched ? 2 : 1) {
            fail(batched ? "x must be [T, …, in] for a task-batched weight" : "x must have at least one axis")
        }
        if x.dtype != w.dtype { fail("dtypes \(x.dtype) and \(w.dtype) differ") }
        let inputs = w.shape[w.rank - 1], outputs = w.shape[w.rank - 2]
        let last = x.shape[x.rank - 1]
        if last != inputs { fail("x's last axis \(last) ≠ weight's in-features \(inputs)") }
        let taskCount = batched ? w.shape[0] : nil
        if let t = taskCount, x.shape[0] != t { fail("x's first axis \(x.shape[0]) ≠ weight's task count \(t)") }
        if let b {
            let fits = taskCount.map { b.rank == 2 && b.shape[0] == $0 && b.shape[1] == outputs }
                ?? (b.rank == 1 && b.shape[0] == outputs)
            if !fits { fail("bias \(b.shape) must be \(taskCount.map { [$0, outputs] } ?? [outputs])") }
            if b.dtype != w.dtype { fail("bias dtype \(b.dtype) differs from the weight's \(w.dtype)") }
        }
        tasks = taskCount
        inFeatures = inputs
        outFeatures = outputs
        var rowCount = 1
        for d in x.shape.dropFirst(batched ? 1 : 0).dropLast() { rowCount &*= d }
        rows = rowCount
        var out = x.shape
        out[out.count - 1] = outputs
        outShape = out
    }

    /// The rows as matrices, `[rows, features]` or `[T, rows, features]`.
    func rowsShape(_ features: Int) -> [Int] {
        tasks.map { [$0, rows, features] } ?? [rows, features]
    }

    /// `t` with its rows as matrices (``rowsShape(_:)``); `t` itself when it has that shape
    /// already, as a task-batched MLP's activations do, so no shape is built.
    func asRows(_ t: Tensor, _ features: Int) -> Tensor {
        let s = t.shape
        let already = tasks.map { s.count == 3 && s[0] == $0 && s[1] == rows && s[2] == features }
            ?? (s.count == 2 && s[0] == rows && s[1] == features)
        return already ? t : t.reshaped(rowsShape(features))
    }

    /// The bias with an axis of 1 for every row axis, so that it broadcasts to the output.
    var biasRowShape: [Int] {
        guard let t = tasks else { return [outFeatures] }
        return [t] + [Int](repeating: 1, count: outShape.count - 2) + [outFeatures]
    }

    func run<S: TensorScalar>(_ x: [S], _ w: [S], _ b: [S]?) -> [S] {
        let taskCount = tasks ?? 1
        let (m, n, k) = (rows, outFeatures, inFeatures)
        return x.withUnsafeBufferPointer { px in
            w.withUnsafeBufferPointer { pw in
                makeArray(taskCount * m * n) { pc in
                    guard let c = pc.baseAddress else { return }
                    if b == nil && k == 0 { c.update(repeating: 0, count: pc.count) }
                    if let b {
                        b.withUnsafeBufferPointer { pb in
                            for t in 0..<taskCount {
                                let bias = pb.baseAddress! + (tasks == nil ? 0 : t * n)
                                for i in 0..<m { (c + (t * m + i) * n).update(from: bias, count: n) }
                            }
                        }
                    }
                    guard k > 0 else { return }
                    for t in 0..<taskCount {
                        BLAS.gemm(transposeA: false, transposeB: true, m: m, n: n, k: k,
                                  px.baseAddress! + t * m * k, lda: k, pw.baseAddress! + t * n * k, ldb: k,
                                  beta: b == nil ? 0 : 1, c + t * m * n, ldc: n)
                    }
                }
            }
        }
    }
}
