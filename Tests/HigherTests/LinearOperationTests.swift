import Testing
@testable import Higher

/// `linear(_:weight:bias:)`, the fused `x · weightᵀ + bias` behind the `Linear` layer.
@Suite struct LinearOperationTests {
    /// Operand shapes of one call: a shared weight `[out, in]` or a task-batched `[T, out, in]`.
    struct Layout: Sendable, CustomTestStringConvertible {
        let x: [Int]
        let weight: [Int]
        let hasBias: Bool

        var bias: [Int] { weight.count == 3 ? [weight[0], weight[1]] : [weight[0]] }
        var testDescription: String { "x \(x), weight \(weight)" + (hasBias ? ", bias \(bias)" : ", no bias") }

        /// Float64 operands with values in [-1, 1): x, weight and (when present) bias.
        func operands(seed: UInt64) -> [Tensor] {
            let base = [derivativeTestTensor(x, seed: seed), derivativeTestTensor(weight, seed: seed &+ 1)]
            return hasBias ? base + [derivativeTestTensor(bias, seed: seed &+ 2)] : base
        }
    }

    static let layouts: [Layout] = [
        // Shared weight: a vector, a matrix, and leading batch axes.
        Layout(x: [4], weight: [3, 4], hasBias: true),
        Layout(x: [4], weight: [3, 4], hasBias: false),
        Layout(x: [5, 4], weight: [3, 4], hasBias: true),
        Layout(x: [5, 4], weight: [3, 4], hasBias: false),
        Layout(x: [2, 3, 4], weight: [2, 4], hasBias: true),
        Layout(x: [2, 3, 4], weight: [2, 4], hasBias: false),
        // Task-batched weight: one row block per task, with one or more row axes.
        Layout(x: [3, 5, 4], weight: [3, 2, 4], hasBias: true),
        Layout(x: [3, 5, 4], weight: [3, 2, 4], hasBias: false),
        Layout(x: [2, 2, 3, 4], weight: [2, 3, 4], hasBias: true),
        Layout(x: [2, 1, 4], weight: [2, 1, 4], hasBias: false),
    ]

    /// `linear` on operands in `layout`'s order.
    static func apply(_ p: [Tensor]) -> Tensor {
        linear(p[0], weight: p[1], bias: p.count > 2 ? p[2] : nil)
    }

    /// The same map written with a product, reshapes and a broadcasting add.
    static func unfused(_ p: [Tensor]) -> Tensor {
        let (x, w) = (p[0], p[1])
        let bias = p.count > 2 ? p[2] : nil
        if w.rank == 2 {
            let rows = x.reshaped([-1, w.shape[1]])
            let y = matmul(rows, w, transposeB: true) + (bias ?? Tensor.zeros([w.shape[0]], dtype: x.dtype))
            return y.reshaped(Array(x.shape.dropLast()) + [w.shape[0]])
        }
        let tasks = w.shape[0], out = w.shape[1]
        let rows = x.reshaped([tasks, -1, w.shape[2]])
        var y = matmul(rows, w, transposeB: true)
        if let bias { y = y + bias.reshaped([tasks, 1, out]) }
        return y.reshaped(Array(x.shape.dropLast()) + [out])
    }

    @Test(arguments: layouts) func valuesMatchTheUnfusedFormula(_ layout: Layout) {
        let p = layout.operands(seed: 7)
        let y = Self.apply(p)
        #expect(y.shape == Array(layout.x.dropLast()) + [layout.weight[layout.weight.count - 2]])
        #expect(derivativeTestClose(y.scalars, Self.unfused(p).scalars, 1e-12))
        let p32 = p.map { $0.cast(to: .float32) }
        let y32 = Self.apply(p32)
        #expect(y32.dtype == .float32)
        #expect(derivativeTestClose(y32.scalars, Self.unfused(p32).scalars, 1e-6))
        #expect(derivativeTestClose(y32.scalars, y.scalars, 1e-5))
    }

    @Test func documentedValues() {
        let x = Tensor([[1, 2], [3, 4], [5, 6]])
        let w = Tensor([[1, 0], [0, 1], [1, 1]])
        #expect(linear(x, weight: w, bias: Tensor([0, 0, 10])).scalars == [1, 2, 13, 3, 4, 17, 5, 6, 21])
        let v = linear(Tensor([1, 2]), weight: w, bias: nil)
        #expect(v.shape == [3] && v.scalars == [1, 2, 3])
    }

    /// Products large enough to go to the BLAS library rather than the small-product loop.
    @Test func largeProductsMatchTheUnfusedFormula() {
        let shared = [derivativeTestTensor([40, 64], seed: 1), derivativeTestTensor([32, 64], seed: 2),
                      derivativeTestTensor([32], seed: 3)]
        #expect(derivativeTestClose(Self.apply(shared).scalars, Self.unfused(shared).scalars, 1e-12))
        let batched = [derivativeTestTensor([3, 20, 16], seed: 4), derivativeTestTensor([3, 24, 16], seed: 5),
                       derivativeTestTensor([3, 24], seed: 6)]
        #expect(derivativeTestClose(Self.apply(batched).scalars, Self.unfused(batched).scalars, 1e-12))
    }

    @Test func emptyOperandsGiveTheBiasOrZeros() {
        let y = linear(Tensor.zeros([2, 0]), weight: Tensor.zeros([3, 0]), bias: Tensor([1, 2, 3]))
        #expect(y.shape == [2, 3] && y.scalars == [1, 2, 3, 1, 2, 3])
        #expect(linear(Tensor.zeros([2, 0]), weight: Tensor.zeros([3, 0])).scalars == [0, 0, 0, 0, 0, 0])
        #expect(linear(Tensor.zeros([0, 4]), weight: Tensor.zeros([3, 4]), bias: Tensor.ones([3])).shape == [0, 3])
    }

    /// Every operand at once, then each alone (the others constant: the backward rule
    /// skips their cotangents, the tangent rule sees `nil` for them).
    @Test(arguments: layouts) func derivativesMatchFiniteDifferences(_ layout: Layout) {
        let p = layout.operands(seed: 17)
        let u = derivativeTestTensor(Self.apply(p).shape, seed: 40)
        let v = layout.operands(seed: 50)
        let vjpCheck = checkVJP(of: Self.apply, at: p, cotangent: u)
        #expect(vjpCheck.passes(tolerance: 1e-7), "\(vjpCheck)")
        let jvpCheck = checkJVP(of: Self.apply, at: p, along: v)
        #expect(jvpCheck.passes(tolerance: 1e-7), "\(jvpCheck)")
        for i in p.indices {
            checkDerivatives(at: p[i], seed: UInt64(60 + i)) { operand in
                var q = p
                q[i] = operand
                return Self.apply(q)
            }
        }
    }

    /// Forward-over-reverse against finite differences of the gradient, and
    /// reverse-over-reverse against forward-over-reverse, through a cubic of the output
    /// (so the derivative of the backward rule itself is exercised).
    @Test(arguments: layouts) func secondOrderMatchesFiniteDifferencesBothWays(_ layout: Layout) {
        let p = layout.operands(seed: 27)
        let c = derivativeTestTensor(Self.apply(p).shape, seed: 70)
        let f = { (q: [Tensor]) -> Tensor in
            let y = Self.apply(q)
            return (y * y * y * c).sum()
        }
        let v = layout.operands(seed: 80)
        let hvpCheck = checkHessianVectorProduct(of: f, at: p, along: v)
        #expect(hvpCheck.passes(tolerance: 1e-6), "\(hvpCheck)")
        let forwardOverReverse = hessianVectorProduct(at: p, along: v, of: f)
        let reverseOverReverse = gradient(at: p) { q in
            zip(gradient(at: q, of: f), v).map { ($0 * $1).sum() }.reduce(Tensor(0.0), +)
        }
        for (a, b) in zip(forwardOverReverse, reverseOverReverse) {
            #expect(derivativeTestClose(a.scalars, b.scalars, 1e-10), "forward-over-reverse \(a.scalars) vs \(b.scalars)")
        }
        for i in p.indices {
            checkHessianVectorProductAndSymmetry(at: p[i], seed: UInt64(90 + i)) { operand in
                var q = p
                q[i] = operand
                return f(q)
            }
        }
    }

    /// The layer gives the unfused formula on every input rank, and per task in task-batched mode.
    @Test func theLinearLayerUsesIt() throws {
        var rng = RandomGenerator(seed: 3)
        let fc = Linear(4, 3, using: &rng)
        for shape in [[4], [5, 4], [2, 5, 4]] {
            let x = derivativeTestTensor(shape, seed: 9)
            #expect(derivativeTestClose(fc(x).scalars, Self.unfused([x, fc.weight, fc.bias!]).scalars, 1e-12))
        }
        let w = derivativeTestTensor([2, 3, 4], seed: 10), b = derivativeTestTensor([2, 3], seed: 11)
        let x = derivativeTestTensor([2, 5, 4], seed: 12)
        let f = makeFunctional(fc)
        let batched = try TaskBatch.run(taskCount: 2) { try f(x, parameters: ["weight": w, "bias": b]) }
        #expect(derivativeTestClose(batched.scalars, Self.unfused([x, w, b]).scalars, 1e-12))
    }

    @Test func inFeaturesMismatchStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = linear(Tensor.zeros([8, 3]), weight: Tensor.zeros([5, 4]), bias: nil)
        }
        if let message = standardError(of: result) {
            #expect(message.contains("linear: x [8, 3] · weightᵀ [5, 4]: x's last axis 3 ≠ weight's in-features 4"))
        }
    }

    @Test func taskCountMismatchStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = linear(Tensor.zeros([3, 2, 4]), weight: Tensor.zeros([2, 5, 4]), bias: nil)
        }
        if let message = standardError(of: result) {
            #expect(message.contains("linear: x [3, 2, 4] · weightᵀ [2, 5, 4]: x's first axis 3 ≠ weight's task count 2"))
        }
    }

    @Test func biasShapeMismatchStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = linear(Tensor.zeros([8, 4]), weight: Tensor.zeros([5, 4]), bias: Tensor.zeros([4]))
        }
        if let message = standardError(of: result) {
            #expect(message.contains("linear: x [8, 4] · weightᵀ [5, 4]: bias [4] must be [5]"))
        }
    }
}
