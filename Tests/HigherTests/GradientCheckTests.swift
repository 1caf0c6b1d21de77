import Testing
@testable import Higher

/// `x²` whose backward rule forgets the factor 2 (its tangent rule is right).
fileprivate func checkBadVJPSquare(_ x: Tensor) -> Tensor {
    Tensor.primitive("checkBadVJPSquare", [x], value: { $0[0] * $0[0] },
                     jvp: { p, t, _ in t[0]! * p[0] * 2 },
                     backward: .all { p, _, g in [g * p[0]] })
}

/// `x²` whose tangent rule forgets the factor 2 (its backward rule is right).
fileprivate func checkBadJVPSquare(_ x: Tensor) -> Tensor {
    Tensor.primitive("checkBadJVPSquare", [x], value: { $0[0] * $0[0] },
                     jvp: { p, t, _ in t[0]! * p[0] },
                     backward: .all { p, _, g in [g * p[0] * 2] })
}

/// `x²` whose backward rule gives the right value but stops derivatives through the
/// primal, so first order is right and second order is wrong.
fileprivate func checkOpaqueVJPSquare(_ x: Tensor) -> Tensor {
    Tensor.primitive("checkOpaqueVJPSquare", [x], value: { $0[0] * $0[0] },
                     jvp: { p, t, _ in t[0]! * p[0] * 2 },
                     backward: .all { p, _, g in [g * p[0].detached() * 2] })
}

/// A one-hot mask of `shape` at `flatIndex`.
fileprivate func checkOneHot(_ shape: [Int], _ flatIndex: Int) -> Tensor {
    var v = [Double](repeating: 0, count: Shape.count(shape))
    v[flatIndex] = 1
    return Tensor(v, shape: shape, dtype: .float64)
}

fileprivate struct CheckAffine: DifferentiableTree {
    var weight: Tensor
    var bias: Tensor
    var leaves: [Tensor] { [weight, bias] }
    func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> CheckAffine {
        CheckAffine(weight: try transform(weight), bias: try transform(bias))
    }
}

@Suite struct GradientCheckTests {
    @Test func correctFunctionPasses() {
        let x = Tensor([[0.5, -1, 2], [1.5, -0.75, 0.3]])
        let result = checkGradient(of: { (x: Tensor) -> Tensor in (x * x * x / (x + 3) - x / 2).sum() }, at: x)
        #expect(result.passes(tolerance: 1e-6), "\(result)")
        #expect(result.maxAbsoluteError < 1e-8)
        #expect(result.library[0].shape == [2, 3] && result.finiteDifferences[0].shape == [2, 3])
        // Against the hand-computed gradient: d/dx [x³/(x+3) − x/2] = (2x³ + 9x²)/(x+3)² − 1/2.
        let expected = x.scalars.map { (v: Double) -> Double in
            let numerator: Double = 2 * v * v * v + 9 * v * v
            return numerator / ((v + 3) * (v + 3)) - 0.5
        }
        for (a, e) in zip(result.library[0].scalars, expected) { #expect(abs(a - e) < 1e-12) }
        #expect(result.description.contains("passes"))
    }

    @Test func detachedPartIsCaughtAtItsIndex() {
        var rng = RandomGenerator(seed: 1)
        let x = Arbitrary.tensor([2, 3], using: &rng)
        let mask = checkOneHot([2, 3], 5)
        // Same value as (x * x).sum(), but the derivative through element [1, 2] is halved.
        let result = checkGradient(of: { x in
            (x * x * (1 - mask) + x * (x * mask).detached()).sum()
        }, at: x)
        #expect(!result.passes(), "\(result)")
        #expect(result.worst?.flatIndex == 5)
        #expect(result.worst?.index == [1, 2])
        #expect(result.worst?.leaf == 0)
        #expect(result.worstAbsolute?.index == [1, 2])
        let xi = x.scalars[5]
        #expect(abs(result.worst!.library - xi) < 1e-12)
        #expect(abs(result.worst!.finiteDifference - 2 * xi) < 1e-8)
        #expect(abs(result.maxAbsoluteError - abs(xi)) < 1e-8)
        #expect(abs(result.maxRelativeError - 0.5) < 1e-8)
        #expect(result.failures(absolute: 1e-8, relative: 1e-6).map(\.index) == [[1, 2]])
        #expect(result.description.contains("FAILS"))
        #expect(result.description.contains("[1, 2] (flat 5)"))
    }

    @Test func wrongBackwardRuleIsCaughtByGradientAndVJPButNotJVP() {
        let x = Tensor([0.1, -0.3, 0.45])
        let g = checkGradient(of: { checkBadVJPSquare($0).sum() }, at: x)
        #expect(!g.passes())
        #expect(g.worst?.index == [2])       // the error is |x|, largest at 0.45
        let v = checkVJP(of: checkBadVJPSquare, at: x, cotangent: Tensor([1, -1, 0.5]))
        #expect(!v.passes())
        #expect(v.quantity == "vector-Jacobian product")
        let j = checkJVP(of: checkBadVJPSquare, at: x, along: Tensor([1, 0.5, -1]))
        #expect(j.passes(), "\(j)")
    }

    @Test func wrongTangentRuleIsCaughtByJVP() {
        let x = Tensor([[0.5, -1.5], [2, 1]])
        let j = checkJVP(of: checkBadJVPSquare, at: x, along: Tensor([[1, 0], [0, 0]]))
        #expect(!j.passes())
        #expect(j.worst?.index == [0, 0])
        #expect(abs(j.worst!.library - 0.5) < 1e-12 && abs(j.worst!.finiteDifference - 1) < 1e-8)
        #expect(checkGradient(of: { checkBadJVPSquare($0).sum() }, at: x).passes())
    }

    @Test func nonDifferentiableBackwardRuleIsCaughtByHVP() {
        let x = Tensor([0.5, -1.5, 2])
        let direction = Tensor([1, -0.25, 0.25])
        #expect(checkGradient(of: { checkOpaqueVJPSquare($0).sum() }, at: x).passes())
        let h = checkHessianVectorProduct(of: { checkOpaqueVJPSquare($0).sum() }, at: x, along: direction)
        #expect(!h.passes(), "\(h)")
        #expect(h.worst?.index == [0])      // the library gives 0, finite differences 2·v = [2, −0.5, 0.5]
        #expect(abs(h.worst!.finiteDifference - 2) < 1e-8)
        let good = checkHessianVectorProduct(of: { (($0 * $0 * $0) / ($0 + 4)).sum() }, at: x, along: direction)
        #expect(good.passes(), "\(good)")
        #expect(good.quantity == "Hessian-vector product")
    }

    @Test func treeInputLocatesTheLeaf() {
        let input = Tensor([[1, -2], [0.5, 3]])
        let point = CheckAffine(weight: Tensor([0.7, -1.2]), bias: Tensor([0.1, 0.4]))
        func loss(_ p: CheckAffine) -> Tensor {
            let y = input * p.weight + p.bias
            return (y * y).mean()
        }
        #expect(checkGradient(of: loss, at: point).passes())
        let mask = checkOneHot([2], 1)
        let wrong = checkGradient(of: { (p: CheckAffine) -> Tensor in
            let bias = p.bias * (1 - mask) + p.bias.detached() * mask
            let y = input * p.weight + bias
            return (y * y).mean()
        }, at: point)
        #expect(!wrong.passes())
        #expect(wrong.worst?.leaf == 1)
        #expect(wrong.worst?.index == [1])
        #expect(wrong.worst?.library == 0)
        #expect(wrong.description.contains("leaf 1 [1]"))
        #expect(wrong.description.contains("in 2 tensors"))
        // Arrays of tensors are trees too.
        let arrays = checkGradient(of: { p in (p[0] * p[1]).sum() }, at: [Tensor([1, 2]), Tensor([3, 4])])
        #expect(arrays.passes() && arrays.library.count == 2)
    }

    @Test func nonScalarOutputsThroughVJPAndJVP() {
        let x = Tensor([[0.5, 1], [-1, 2]])
        let f = { (x: Tensor) -> [Tensor] in [x * x / (x + 2), x.sum(alongAxis: 0)] }
        let cotangent = [Tensor([[1, -1], [0.5, 2]]), Tensor([0.3, -0.7])]
        let v = checkVJP(of: f, at: x, cotangent: cotangent)
        #expect(v.passes(), "\(v)")
        #expect(v.library.count == 1 && v.library[0].shape == [2, 2])
        let j = checkJVP(of: f, at: x, along: Tensor([[1, 2], [-1, 0.5]]))
        #expect(j.passes(), "\(j)")
        #expect(j.library.map(\.shape) == [[2, 2], [2]])
        let zero = checkJVP(of: f, at: x, along: x.zerosLike())
        #expect(zero.passes() && zero.maxAbsoluteError == 0)
    }

    @Test func float32InputsAreCheckedInFloat64() {
        let x = Tensor([0.5, -1, 2], dtype: .float32)
        let result = checkGradient(of: { x in (x * x * x).sum() * 0.5 }, at: x)
        #expect(result.passes(tolerance: 1e-8), "\(result)")
        #expect(result.library[0].dtype == .float64 && result.finiteDifferences[0].dtype == .float64)
    }

    @Test func toleranceSemantics() {
        let r = GradientCheckResult(quantity: "test", epsilon: 1e-6,
                                    library: [Tensor([1, 100, 0.001])],
                                    finiteDifferences: [Tensor([1.0000001, 100.00002, 0.0011])])
        #expect(!r.passes(tolerance: 1e-6))
        #expect(r.passes(tolerance: 1e-3))
        #expect(r.isWithin(absolute: 1e-3, relative: 0))
        #expect(!r.isWithin(absolute: 0, relative: 1e-6))
        #expect(r.failures(absolute: 0, relative: 1e-6).map(\.flatIndex) == [2])
        #expect(r.failures(absolute: 0, relative: 1e-8).map(\.flatIndex) == [0, 1, 2])
        #expect(r.worst?.flatIndex == 2)
        #expect(r.worstAbsolute?.flatIndex == 2)
        #expect(r.worstRelative?.flatIndex == 2)
        #expect(abs(r.maxRelativeError - 1e-4 / 0.0011) < 1e-9)
        #expect(abs(r.maxAbsoluteError - 1e-4) < 1e-12)
    }

    @Test func nanAlwaysFails() {
        let r = GradientCheckResult(quantity: "test", epsilon: 1e-6,
                                    library: [Tensor([1, .nan, 3])], finiteDifferences: [Tensor([1, 2, 5])])
        #expect(!r.passes(tolerance: 1e9))
        #expect(!r.isWithin(absolute: 1e9, relative: 1e9))
        #expect(r.maxAbsoluteError.isNaN && r.maxRelativeError.isNaN)
        #expect(r.worst?.flatIndex == 1 && r.worstAbsolute?.flatIndex == 1)
    }

    @Test func emptyInputsPass() {
        let r = checkGradient(of: { $0.sum() }, at: Tensor.zeros([0, 3]))
        #expect(r.passes() && r.worst == nil && r.maxAbsoluteError == 0)
    }

    /// The plain-loop property test from the documentation, over the core operations.
    @Test func propertyGradientsOfCoreOperationsOverRandomShapes() {
        var rng = RandomGenerator(seed: 2024)
        for trial in 0..<25 {
            let (a, b) = Arbitrary.broadcastableShapes(using: &rng)
            let x = Arbitrary.tensor(a, using: &rng)
            let y = Arbitrary.tensor(b, in: .positive, using: &rng)
            let f = { (p: [Tensor]) -> Tensor in ((p[0] * p[1] - p[0] / p[1]) * p[0] + p[1]).mean() }
            let g = checkGradient(of: f, at: [x, y])
            #expect(g.passes(), "trial \(trial), shapes \(a) \(b): \(g)")
            let direction = Arbitrary.tree(like: [x, y], using: &rng)
            let h = checkHessianVectorProduct(of: f, at: [x, y], along: direction)
            #expect(h.passes(), "trial \(trial), shapes \(a) \(b): \(h)")
        }
    }

    // Generators

    @Test func shapesStayInTheirRanges() {
        var rng = RandomGenerator(seed: 3)
        var ranks = Set<Int>()
        for _ in 0..<300 {
            let s = Arbitrary.shape(using: &rng)
            ranks.insert(s.count)
            #expect(s.count <= 4 && s.allSatisfy { (1...4).contains($0) })
            let m = Arbitrary.shape(rank: 2...3, extent: 5...7, using: &rng)
            #expect((2...3).contains(m.count) && m.allSatisfy { (5...7).contains($0) })
        }
        #expect(ranks == [0, 1, 2, 3, 4])
        var again = RandomGenerator(seed: 3)
        var first = RandomGenerator(seed: 3)
        #expect(Arbitrary.shape(using: &again) == Arbitrary.shape(using: &first))
    }

    @Test func broadcastableShapesBroadcast() {
        var rng = RandomGenerator(seed: 4)
        var sawOnes = false, sawDifferentRanks = false
        for _ in 0..<300 {
            let (a, b) = Arbitrary.broadcastableShapes(rank: 1...4, using: &rng)
            #expect(a.count >= 1 && b.count >= 1 && a.count <= 4 && b.count <= 4)
            #expect(Shape.broadcast(a, b) != nil, "\(a) and \(b)")
            sawOnes = sawOnes || a.contains(1) && a != b
            sawDifferentRanks = sawDifferentRanks || a.count != b.count
        }
        #expect(sawOnes && sawDifferentRanks)
        let (a, b) = Arbitrary.broadcastableShapes(using: &rng)
        #expect((Tensor.ones(a) + Tensor.ones(b)).shape == Shape.broadcast(a, b))
    }

    @Test func tensorsStayInTheirDomain() {
        var rng = RandomGenerator(seed: 5)
        let domains: [Arbitrary.Domain] = [.awayFromZero, .positive, .unitInterval, .signedUnit,
                                           .interval(-1...1), Arbitrary.Domain(1...2, 5...9)]
        for domain in domains {
            for dtype in [DType.float32, .float64] {
                let t = Arbitrary.tensor([4, 50], in: domain, dtype: dtype, using: &rng)
                #expect(t.dtype == dtype && t.shape == [4, 50])
                // Float32 rounding may step just outside a bound.
                let slack = dtype == .float32 ? 1e-6 : 0
                #expect(t.scalars.allSatisfy { v in
                    domain.intervals.contains { $0.lowerBound - slack <= v && v <= $0.upperBound + slack }
                }, "\(domain)")
            }
        }
        let both = Arbitrary.tensor([400], using: &rng).scalars
        #expect(both.contains { $0 < 0 } && both.contains { $0 > 0 })
        #expect(Arbitrary.Domain.awayFromZero.description == "[-2.0, -0.25] ∪ [0.25, 2.0]")
    }

    @Test func distinctTensorsAreWellSeparated() {
        var rng = RandomGenerator(seed: 6)
        for n in [1, 2, 17, 256] {
            let v = Arbitrary.tensor([n], distinct: true, using: &rng).scalars.sorted()
            let gap = 0.2 * 3.5 / Double(n)
            for i in 1..<max(v.count, 1) { #expect(v[i] - v[i - 1] >= gap * (1 - 1e-9)) }
            #expect(v.allSatisfy { abs($0) >= 0.25 && abs($0) <= 2 })
        }
    }

    @Test func axesAndTrees() {
        var rng = RandomGenerator(seed: 7)
        var seen = Set<[Int]>()
        for _ in 0..<200 {
            let axes = Arbitrary.axes(rank: 3, using: &rng)
            #expect(axes == axes.sorted() && Set(axes).count == axes.count && axes.allSatisfy { (0..<3).contains($0) })
            seen.insert(axes)
        }
        #expect(seen.count == 8)
        #expect(Arbitrary.axes(rank: 0, using: &rng) == [])
        let point = [Tensor.ones([2, 3], dtype: .float32), Tensor.ones([])]
        let tree = Arbitrary.tree(like: point, in: .positive, using: &rng)
        #expect(tree.map(\.shape) == [[2, 3], []])
        #expect(tree.map(\.dtype) == [.float32, .float64])
        #expect(tree.leaves.allSatisfy { $0.scalars.allSatisfy { $0 > 0 } })
    }

    @Test func nonScalarGradientStops() async {
        await #expect(processExitsWith: .failure) {
            _ = checkGradient(of: { $0 * 2 }, at: Tensor([1, 2]))
        }
    }
}
