import Testing
@testable import Higher

@Suite struct AutodiffCoreTests {
    /// A node's input indices are stored inline up to three and in an array past that;
    /// every count reads back what it was given.
    @Test func nodeInputsReadBackEveryCount() {
        func id(_ k: Int) -> Int { k % 2 == 0 ? 10 * k + 3 : -1 }
        for count in 0...6 {
            let ids = NodeInputs(count: count, id)
            let stored: [Int] = (0..<count).map { ids[$0] }
            let given: [Int] = (0..<count).map(id)
            #expect(ids.count == count)
            #expect(stored == given)
        }
    }

    /// An operation of many traced inputs (past the inline three) gets every input's gradient.
    @Test func manyInputOperationPullsBackToEveryInput() {
        let xs: [Tensor] = (0..<5).map { i in Tensor([Double(i) + 1, 2 * Double(i)]) }
        let weights = Tensor((0..<10).map { Double($0) })
        let g = gradient(at: xs) { v in (Tensor.concatenate(v, alongAxis: 0) * weights).sum() }
        let expected: [[Double]] = (0..<5).map { i in [Double(2 * i), Double(2 * i + 1)] }
        #expect(g.map(\.scalars) == expected)
    }

    @Test func gradientOfSquareSum() {
        let g = gradient(at: Tensor([1, 2, 3])) { x in (x * x).sum() }
        #expect(g.scalars == [2, 4, 6])
    }

    @Test func valueWithGradientReturnsPlainValue() {
        let (v, g) = valueWithGradient(at: Tensor(3)) { x in x * x }
        #expect(v.item == 9 && g.item == 6)
        #expect(!v.isTraced && !g.isTraced)
    }

    @Test func broadcastGradientSumsOverBroadcastAxes() {
        let b = Tensor([1, 2])
        let g = gradient(at: b) { b in (Tensor.ones([3, 2]) * b).sum() }
        #expect(g.scalars == [3, 3])
    }

    @Test func unusedInputGetsZeroGradient() {
        let g = gradient(at: [Tensor([1, 2]), Tensor([5])]) { p in (p[0] * p[0]).sum() }
        #expect(g[0].scalars == [2, 4])
        #expect(g[1].scalars == [0])
    }

    @Test func constantFunctionHasZeroGradient() {
        let g = gradient(at: Tensor([1, 2])) { _ in Tensor(7) }
        #expect(g.scalars == [0, 0])
    }

    @Test func detachedStopsGradient() {
        let g = gradient(at: Tensor(3)) { x in x * x.detached() }
        #expect(g.item == 3)
    }

    @Test func pullbackCanBeCalledRepeatedly() {
        let (y, pullback) = vjp(at: Tensor([1, 2])) { x in x * x }
        #expect(y.scalars == [1, 4])
        #expect(pullback(Tensor([1, 0])).scalars == [2, 0])
        #expect(pullback(Tensor([0, 1])).scalars == [0, 4])
    }

    @Test func jvpOfTree() {
        let (v, d) = jvp(at: [Tensor(2), Tensor(3)], along: [Tensor(1), Tensor(0)]) { p in p[0] * p[1] }
        #expect(v.item == 6 && d.item == 3)
    }

    @Test func forwardOverReverseHVP() {
        let hv = hessianVectorProduct(at: Tensor([1, 2]), along: Tensor([1, 0])) { x in (x * x * x).sum() }
        #expect(hv.scalars == [6, 0])
    }

    @Test func reverseOverReverseMatchesForwardOverReverse() {
        let x = Tensor([0.5, -1.5, 2])
        let v = Tensor([1, 2, -1])
        let f = { (x: Tensor) in (x * x * x / (x * x + 1)).sum() }
        let fwd = hessianVectorProduct(at: x, along: v, of: f)
        let rev = gradient(at: x) { y in (gradient(at: y, of: f) * v).sum() }
        for (a, b) in zip(fwd.scalars, rev.scalars) { #expect(abs(a - b) < 1e-13) }
    }

    @Test func jacobianAndHessianOfSmallFunctions() {
        let j = jacobian(at: Tensor([1, 2])) { x in x * x }
        #expect(j.shape == [2, 2] && j.scalars == [2, 0, 0, 4])
        let h = hessian(at: Tensor([1, 2])) { x in (x * x * x).sum() }
        #expect(h.scalars == [6, 0, 0, 12])
    }

    @Test func thirdOrderDerivative() {
        // d³/dx³ x⁴ = 24x, through three nested levels of mixed modes.
        let x = Tensor(2)
        let d3 = gradient(at: x) { x in
            derivative(at: x, along: Tensor(1)) { x in
                gradient(at: x) { x in x * x * x * x }
            }
        }
        #expect(d3.item == 48)
    }

    @Test func float32Gradients() {
        let g = gradient(at: Tensor([1, 2] as [Float], shape: [2])) { x in (x * x).sum() }
        #expect(g.dtype == .float32 && g.scalars == [2, 4])
    }
}
