import Testing
@testable import Higher

@Suite struct AutodiffCoreTests {
    @Test func gradientOfSquareSum() {
        let g = gradient(at: Tensor([1, 2, 3])) { x in (x * x).sum() }
        #expect(g.scalars == [2, 4, 6])
    }

    @Test func broadcastGradientSumsOverBroadcastAxes() {
        let b = Tensor([1, 2])
        let g = gradient(at: b) { b in (Tensor.ones([3, 2]) * b).sum() }
        #expect(g.scalars == [3, 3])
    }

    @Test func forwardOverReverseHVP() {
        let hv = hessianVectorProduct(at: Tensor([1, 2]), along: Tensor([1, 0])) { x in (x * x * x).sum() }
        #expect(hv.scalars == [6, 0])
    }

    @Test func perturbationConfusionForwardReverse() {
        // d/dx [x · d/dy (x + y)] at x = 1 is 1.
        let r = gradient(at: Tensor(1)) { x in
            x * gradient(at: Tensor(1)) { y in x + y }
        }
        #expect(r.item == 1)
        let f = derivative(at: Tensor(1), along: Tensor(1)) { x in
            x * derivative(at: Tensor(1), along: Tensor(1)) { y in x + y }
        }
        #expect(f.item == 1)
        let m = derivative(at: Tensor(1), along: Tensor(1)) { x in
            x * gradient(at: Tensor(1)) { y in x * y }
        }
        #expect(m.item == 2)
        let n = gradient(at: Tensor(1)) { x in
            x * derivative(at: Tensor(1), along: Tensor(1)) { y in x * y }
        }
        #expect(n.item == 2)
    }
}
