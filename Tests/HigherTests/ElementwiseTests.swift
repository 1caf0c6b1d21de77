import Testing
@testable import Higher

// MARK: - Finite-difference checks shared by the elementwise, activation and loss tests

/// Deterministic values in [-1, 1) for directions and cotangents.
func elemPseudoRandom(_ shape: [Int], seed: UInt64) -> Tensor {
    var state = seed &* 6364136223846793005 &+ 1442695040888963407
    let n = shape.reduce(1, *)
    var values = [Double]()
    values.reserveCapacity(n)
    for _ in 0..<n {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        values.append(Double(state >> 11) / Double(1 << 53) * 2 - 1)
    }
    return Tensor(values, shape: shape, dtype: .float64)
}

/// Whether `a` and `b` agree elementwise to `tolerance`, relative to max(1, |a|, |b|).
func elemClose(_ a: [Double], _ b: [Double], _ tolerance: Double) -> Bool {
    guard a.count == b.count else { return false }
    for (x, y) in zip(a, b) {
        if x == y { continue }
        if !(Swift.abs(x - y) <= tolerance * Swift.max(1, Swift.abs(x), Swift.abs(y))) { return false }
    }
    return true
}

/// Checks the VJP and the JVP of `f` at `inputs` against central differences in Float64,
/// and the Hessian-vector product of `⟨u, f⟩` against central differences of its gradient.
func elemFDCheck(
    _ inputs: [Tensor], secondOrder: Bool = true, tolerance: Double = 1e-6, eps: Double = 1e-6,
    sourceLocation: SourceLocation = #_sourceLocation, _ f: @escaping ([Tensor]) -> Tensor
) {
    let y = f(inputs)
    let u = elemPseudoRandom(y.shape, seed: 7)
    let scalar: ([Tensor]) -> Tensor = { xs in (f(xs) * u).sum() }
    func shifted(_ xs: [Tensor], _ dirs: [Tensor], _ h: Double) -> [Tensor] {
        zip(xs, dirs).map { x, d in Tensor(zip(x.scalars, d.scalars).map { $0 + h * $1 }, shape: x.shape, dtype: .float64) }
    }

    // Reverse mode, one coordinate at a time.
    let grads = vjp(at: inputs, of: f).pullback(u)
    for (i, x) in inputs.enumerated() {
        #expect(grads[i].shape == x.shape, "VJP shape for input \(i)", sourceLocation: sourceLocation)
        var fd = [Double]()
        for j in 0..<x.count {
            var e = [Double](repeating: 0, count: x.count)
            e[j] = 1
            let dirs = inputs.enumerated().map { $0.offset == i ? Tensor(e, shape: x.shape, dtype: .float64) : $0.element.zerosLike() }
            fd.append((scalar(shifted(inputs, dirs, eps)).item - scalar(shifted(inputs, dirs, -eps)).item) / (2 * eps))
        }
        #expect(elemClose(grads[i].scalars, fd, tolerance),
                "VJP input \(i): \(grads[i].scalars) vs finite differences \(fd)", sourceLocation: sourceLocation)
    }

    // Forward mode along a random direction.
    let v = inputs.enumerated().map { elemPseudoRandom($0.element.shape, seed: UInt64(100 + $0.offset)) }
    let (_, dy) = jvp(at: inputs, along: v, of: f)
    let plus = f(shifted(inputs, v, eps)).scalars, minus = f(shifted(inputs, v, -eps)).scalars
    let fdy = zip(plus, minus).map { ($0 - $1) / (2 * eps) }
    #expect(dy.shape == y.shape, "JVP shape", sourceLocation: sourceLocation)
    #expect(elemClose(dy.scalars, fdy, tolerance), "JVP \(dy.scalars) vs finite differences \(fdy)",
            sourceLocation: sourceLocation)

    // Second order: forward-over-reverse against differences of gradients.
    guard secondOrder else { return }
    let hv = hessianVectorProduct(at: inputs, along: v, of: scalar)
    let gPlus = gradient(at: shifted(inputs, v, eps), of: scalar)
    let gMinus = gradient(at: shifted(inputs, v, -eps), of: scalar)
    for i in inputs.indices {
        let fdh = zip(gPlus[i].scalars, gMinus[i].scalars).map { ($0 - $1) / (2 * eps) }
        #expect(elemClose(hv[i].scalars, fdh, tolerance),
                "HVP input \(i): \(hv[i].scalars) vs finite differences \(fdh)", sourceLocation: sourceLocation)
    }
}

/// `elemFDCheck` for a function of one tensor.
func elemFDCheck(
    _ x: Tensor, secondOrder: Bool = true, tolerance: Double = 1e-6,
    sourceLocation: SourceLocation = #_sourceLocation, _ f: @escaping (Tensor) -> Tensor
) {
    elemFDCheck([x], secondOrder: secondOrder, tolerance: tolerance, sourceLocation: sourceLocation) { f($0[0]) }
}

// MARK: - Elementwise math

@Suite struct ElementwiseTests {
    let x = Tensor([[0.3, 1.7, 0.9], [2.2, 0.45, 1.1]])

    @Test func valuesMatchReferences() {
        #expect(elemClose(Tensor([0, 1]).exp().scalars, [1, 2.718281828459045], 1e-15))
        #expect(elemClose(Tensor([1, 2.718281828459045]).log().scalars, [0, 1], 1e-15))
        #expect(elemClose(Tensor([1e-10]).log1p().scalars, [9.9999999995e-11], 1e-15))
        #expect(elemClose(Tensor([1e-10]).expm1().scalars, [1.00000000005e-10], 1e-15))
        #expect(Tensor([4, 9, 0]).sqrt().scalars == [2, 3, 0])
        #expect(Tensor([4, 16]).rsqrt().scalars == [0.5, 0.25])
        #expect(Tensor([-3, 2]).squared().scalars == [9, 4])
        #expect(Tensor([-2, 0, 3]).abs().scalars == [2, 0, 3])
        #expect(Tensor([-2, 0, 3]).sign().scalars == [-1, 0, 1])
        #expect(elemClose(Tensor([1, -0.5]).erf().scalars, [0.8427007929497149, -0.5204998778130465], 1e-15))
        #expect(elemClose(Tensor([2, 3, 0.5]).pow(Tensor([0.5, -1.5, 2.5])).scalars,
                          [1.4142135623730951, 0.19245008972987526, 0.1767766952966369], 1e-15))
        #expect(Tensor([[1], [2]]).pow(Tensor([1, 2, 3])).scalars == [1, 1, 1, 2, 4, 8])
        #expect(Tensor([1, 2, 3]).pow(2).scalars == [1, 4, 9])
        #expect(Tensor([4, 9]).pow(0.5).scalars == [2, 3])
        #expect(Tensor([0, 5]).pow(0).scalars == [1, 1])
        #expect(pow(2, Tensor([0, 1, 3])).scalars == [1, 2, 8])
        #expect(Tensor.maximum(Tensor([1, 5, 3]), Tensor([4, 2, 3])).scalars == [4, 5, 3])
        #expect(Tensor.minimum(Tensor([1, 5, 3]), Tensor([4, 2, 3])).scalars == [1, 2, 3])
        #expect(Tensor.maximum(Tensor([-1, 2]), 0).scalars == [0, 2])
        #expect(Tensor.minimum(Tensor([[1], [5]]), Tensor([2, 3])).shape == [2, 2])
        #expect(Tensor([-2, 0.5, 3]).clamped(min: 0, max: 1).scalars == [0, 0.5, 1])
        #expect(Tensor([-2, 3]).clamped(min: 0).scalars == [0, 3])
        #expect(Tensor([-2, 3]).clamped(max: 0).scalars == [-2, 0])
        // The free-function spellings are the methods.
        #expect(exp(x).scalars == x.exp().scalars && log(x).scalars == x.log().scalars)
        #expect(sqrt(x).scalars == x.sqrt().scalars && abs(-x).scalars == x.scalars)
        #expect(pow(x, 3).scalars == x.pow(3).scalars && log1p(x).scalars == x.log1p().scalars)
    }

    @Test func compoundAdditionKeepsValueSemantics() {
        // Same shape and dtype: written in place, but never into a copy that shares the elements.
        var a = Tensor([1, 2, 3] as [Float], shape: [3])
        let copy = a
        a += Tensor([10, 20, 30] as [Float], shape: [3])
        #expect(a.scalars == [11, 22, 33] && copy.scalars == [1, 2, 3])
        a += Tensor([1, 1, 1] as [Float], shape: [3])      // unshared now
        #expect(a.scalars == [12, 23, 34] && a.dtype == .float32)
        // Broadcasting and traced operands take the ordinary sum.
        var b = Tensor([1, 2])
        b += Tensor([[1, 1], [2, 2]])
        #expect(b.shape == [2, 2] && b.scalars == [2, 3, 3, 4])
        let g = gradient(at: Tensor([1, 2])) { x in
            var y = x
            y += x * x
            return y.sum()
        }
        #expect(g.scalars == [3, 5])
    }

    @Test func nanPropagates() {
        let n = Tensor([Double.nan, 1])
        #expect(Tensor.maximum(n, Tensor(0)).scalars[0].isNaN)
        #expect(Tensor.maximum(Tensor(0), n).scalars[0].isNaN)
        #expect(Tensor.minimum(n, Tensor(0)).scalars[0].isNaN)
        #expect(n.clamped(min: 0, max: 1).scalars[0].isNaN)
        #expect(n.sign().scalars[0].isNaN)
    }

    @Test func unaryDerivativesMatchFiniteDifferences() {
        elemFDCheck(x) { $0.exp() }
        elemFDCheck(x) { $0.log() }
        elemFDCheck(x) { $0.log1p() }
        elemFDCheck(x) { $0.expm1() }
        elemFDCheck(x) { $0.sqrt() }
        elemFDCheck(x) { $0.rsqrt() }
        elemFDCheck(x - 1) { $0.squared() }
        elemFDCheck(x - 1) { $0.abs() * $0 }
        elemFDCheck(x - 1) { $0.erf() }
        elemFDCheck(x) { $0.pow(2.5) }
        elemFDCheck(x) { $0.pow(-1.5) }
        elemFDCheck(x - 1) { $0.pow(3) }
        elemFDCheck(x - 1) { $0.clamped(min: -0.5, max: 0.5) * $0 }
        elemFDCheck(x) { pow(1.5, $0) }
    }

    @Test func binaryDerivativesWithBroadcasting() {
        let row = Tensor([0.7, 1.3, 2.1])
        let col = Tensor([[0.6], [1.4]])
        elemFDCheck([x, row]) { $0[0].pow($0[1]) }
        elemFDCheck([col, row]) { $0[0].pow($0[1]) }
        elemFDCheck([x, Tensor(1.25)]) { Tensor.maximum($0[0], $0[1]) * $0[0] }
        elemFDCheck([col, row]) { Tensor.minimum($0[0], $0[1]).squared() }
        elemFDCheck([x, row]) { Tensor.maximum($0[0], $0[1]).exp() }
    }

    @Test func secondOrderMixesOperands() {
        // A composite exercising the rules' own derivatives: d²/dx² of pow, log, sqrt together.
        elemFDCheck([x, Tensor([1.1, 0.4, 2.0])]) { v in (v[0].pow(v[1]) * v[0].log() + v[1].sqrt() * v[0] + 1).rsqrt() }
    }

    @Test func nonSmoothPointChoices() {
        // abs'(0) = 0, sign' = 0.
        #expect(gradient(at: Tensor([-2, 0, 3])) { $0.abs().sum() }.scalars == [-1, 0, 1])
        #expect(gradient(at: Tensor([-2, 0, 3])) { ($0.sign() * 5).sum() }.scalars == [0, 0, 0])
        #expect(derivative(at: Tensor([0]), along: Tensor([1])) { $0.abs() }.scalars == [0])
        // Ties of maximum/minimum split the derivative evenly.
        let (ga, gb) = { () -> (Tensor, Tensor) in
            let g = gradient(at: [Tensor([1, 2, 3]), Tensor([1, 5, 0])]) { Tensor.maximum($0[0], $0[1]).sum() }
            return (g[0], g[1])
        }()
        #expect(ga.scalars == [0.5, 0, 1] && gb.scalars == [0.5, 1, 0])
        let gm = gradient(at: [Tensor([2, 2]), Tensor([2, 1])]) { Tensor.minimum($0[0], $0[1]).sum() }
        #expect(gm[0].scalars == [0.5, 0] && gm[1].scalars == [0.5, 1])
        #expect(gradient(at: Tensor([3, -1])) { Tensor.maximum($0, $0).sum() }.scalars == [1, 1])
        // Clamp passes the derivative at the bounds, not outside.
        #expect(gradient(at: Tensor([-1, 0, 0.5, 1, 2])) { $0.clamped(min: 0, max: 1).sum() }.scalars == [0, 1, 1, 1, 0])
        // sqrt at 0: the derivative is +inf (and 0 · inf = NaN for a zero cotangent).
        let gs = gradient(at: Tensor([0, 4])) { $0.sqrt().sum() }.scalars
        #expect(gs[0] == .infinity && gs[1] == 0.25)
        #expect(vjp(at: Tensor([0])) { $0.sqrt() }.pullback(Tensor([0])).scalars[0].isNaN)
        // pow: base derivative 0 where the exponent is 0; exponent derivative 0 where the base is 0.
        let gp = gradient(at: [Tensor([0, 0, 2]), Tensor([0, 2, 3])]) { $0[0].pow($0[1]).sum() }
        #expect(gp[0].scalars == [0, 0, 12])
        #expect(gp[1].scalars[0] == 0 && gp[1].scalars[1] == 0)
        let log2Times8: Double = 8 * 0.6931471805599453
        #expect(elemClose([gp[1].scalars[2]], [log2Times8], 1e-15))
        #expect(gradient(at: Tensor([0, 3])) { $0.pow(0).sum() }.scalars == [0, 0])
    }

    @Test func float32Works() {
        let f = Tensor([0.25, 1, 4], dtype: .float32)
        #expect(f.sqrt().dtype == .float32 && f.sqrt().scalars == [0.5, 1, 2])
        #expect(f.exp().dtype == .float32)
        #expect(elemClose(f.log().scalars, [-1.3862943611198906, 0, 1.3862943611198906], 1e-6))
        let g = gradient(at: f) { ($0.pow(Tensor([2, 2, 2], dtype: .float32)) + $0.rsqrt()).sum() }
        #expect(g.dtype == .float32)
        #expect(elemClose(g.scalars, [-3.5, 1.5, 7.9375], 1e-6))
        let m = Tensor.maximum(f, 1)
        #expect(m.dtype == .float32 && m.scalars == [1, 1, 4])
        let h = hessianVectorProduct(at: f, along: f.onesLike()) { $0.log().sum() }
        #expect(h.dtype == .float32 && elemClose(h.scalars, [-16, -1, -0.0625], 1e-6))
    }

    @Test func plainResultsAreUntraced() {
        _ = gradient(at: Tensor([1, -2])) { x in
            #expect(x.sign().isTraced == false)
            #expect(x.abs().isTraced)
            return x.abs().sum()
        }
    }
}

// MARK: - Comparisons and where

@Suite struct ComparisonTests {
    @Test func masksWithBroadcasting() {
        let a = Tensor([[1, 2, 3], [4, 5, 6]])
        let b = Tensor([2, 5, 3])
        #expect(a.isLess(than: b).scalars == [1, 1, 0, 0, 0, 0])
        #expect(a.isLessOrEqual(to: b).scalars == [1, 1, 1, 0, 1, 0])
        #expect(a.isGreater(than: b).scalars == [0, 0, 0, 1, 0, 1])
        #expect(a.isGreaterOrEqual(to: b).scalars == [0, 0, 1, 1, 1, 1])
        #expect(a.isEqual(to: b).scalars == [0, 0, 1, 0, 1, 0])
        #expect(a.isNotEqual(to: b).scalars == [1, 1, 0, 1, 0, 1])
        #expect(a.isLess(than: 3).scalars == [1, 1, 0, 0, 0, 0])
        #expect(a.isGreaterOrEqual(to: 5).scalars == [0, 0, 0, 0, 1, 1])
        #expect(a.isEqual(to: 4).scalars == [0, 0, 0, 1, 0, 0])
        #expect(Tensor([[1], [5]]).isGreater(than: Tensor([2, 4])).shape == [2, 2])
        let f = Tensor([1, 2], dtype: .float32).isLess(than: 2)
        #expect(f.dtype == .float32 && f.scalars == [1, 0])
        #expect(Tensor([Double.nan]).isEqual(to: Tensor([Double.nan])).scalars == [0])
        #expect(Tensor([Double.nan]).isNotEqual(to: 1).scalars == [1])
    }

    @Test func masksAreNeverTraced() {
        let g = gradient(at: Tensor([1, 3])) { x in
            let m = x.isGreater(than: 2)
            #expect(!m.isTraced)
            return (m * x).sum()
        }
        #expect(g.scalars == [0, 1])
    }

    @Test func whereSelectsWithBroadcasting() {
        let x = Tensor([-1, 2, -3])
        #expect(Tensor.where(x.isGreater(than: 0), x, Tensor(0)).scalars == [0, 2, 0])
        #expect(Tensor.where(x.isGreater(than: 0), x, 7).scalars == [7, 2, 7])
        #expect(Tensor.where(x.isGreater(than: 0), 7, x).scalars == [-1, 7, -3])
        // A column mask against a row and a scalar.
        let r = Tensor.where(Tensor([[1], [0]]), Tensor([1, 2, 3]), Tensor(-1))
        #expect(r.shape == [2, 3] && r.scalars == [1, 2, 3, -1, -1, -1])
        // A full-shape mask against a column and a row.
        let m = Tensor([[1, 0], [0, 1]])
        let s = Tensor.where(m, Tensor([[10], [20]]), Tensor([1, 2]))
        #expect(s.scalars == [10, 2, 1, 20])
        // The mask may have another dtype.
        let f = Tensor.where(Tensor([1, 0]), Tensor([1, 2], dtype: .float32), Tensor([3, 4], dtype: .float32))
        #expect(f.dtype == .float32 && f.scalars == [1, 4])
    }

    @Test func whereDerivatives() {
        let mask = Tensor([[1, 0, 1], [0, 0, 1]])
        elemFDCheck([Tensor([[0.5], [1.5]]), Tensor([0.2, 0.7, 1.9])]) { v in
            Tensor.where(mask, v[0].exp(), v[1].squared() * v[0])
        }
        elemFDCheck([Tensor([0.3, 0.6, 0.9])]) { v in Tensor.where(Tensor([1, 0, 1]), v[0].log(), Tensor(2)) }
        // Each operand gets exactly 0 where it was not picked, even for an infinite cotangent.
        let (_, pullback) = vjp(at: [Tensor([1, 2]), Tensor([3, 4])]) { v in Tensor.where(Tensor([0, 1]), v[0], v[1]) }
        let cot = pullback(Tensor([Double.infinity, 1]))
        #expect(cot[0].scalars == [0, 1] && cot[1].scalars == [.infinity, 0])
        // So the double-where pattern keeps sqrt at 0 out of the gradient.
        let g = gradient(at: Tensor([0, 4])) { x in
            let safe = x.isGreater(than: 0)
            return Tensor.where(safe, Tensor.where(safe, x, 1).sqrt(), 0).sum()
        }
        #expect(g.scalars == [0, 0.25])
    }
}
