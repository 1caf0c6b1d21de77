import Foundation
import Testing
@testable import Higher

@Suite struct ActivationTests {
    // Away from every kink, so finite differences are valid.
    let x = Tensor([[-2.1, -0.4, 0.3], [0.8, 1.7, -1.2]])
    let grid = Tensor([-3, -1, 0, 0.5, 2])

    @Test func valuesMatchReferences() {
        // References computed with Python's math module (float64).
        #expect(relu(Tensor([-1, 0, 2])).scalars == [0, 0, 2])
        #expect(elemClose(leakyRelu(Tensor([-2, 3])).scalars, [-0.02, 3], 1e-15))
        #expect(elemClose(leakyRelu(Tensor([-2, 3]), negativeSlope: 0.2).scalars, [-0.4, 3], 1e-15))
        #expect(elemClose(elu(Tensor([-1, 2])).scalars, [-0.6321205588285577, 2], 1e-15))
        #expect(elemClose(elu(Tensor([-2]), alpha: 0.5).scalars, [-0.43233235838169365], 1e-15))
        #expect(elemClose(gelu(grid).scalars,
                          [-0.00404969409489031, -0.15865525393145707, 0, 0.34573123063700656, 1.9544997361036416], 1e-14))
        #expect(elemClose(gelu(grid, approximate: .tanh).scalars,
                          [-0.0036373920817729943, -0.15880800939172324, 0, 0.34571400982514394, 1.954597694087775], 1e-14))
        #expect(elemClose(sigmoid(Tensor([-3, 0, 2, 40, -800])).scalars,
                          [0.04742587317756679, 0.5, 0.8807970779778823, 1, 0], 1e-15))
        #expect(elemClose(tanh(Tensor([-1, 0, 0.5])).scalars, [-0.7615941559557649, 0, 0.46211715726000974], 1e-15))
        #expect(elemClose(softplus(Tensor([-30, 0, 1])).scalars,
                          [9.357622968839737e-14, 0.6931471805599453, 1.3132616875182228], 1e-14))
        #expect(elemClose(softplus(Tensor([1]), beta: 2).scalars, [1.0634640055214863], 1e-15))
        #expect(elemClose(logSigmoid(Tensor([0, 3])).scalars, [-0.6931471805599453, -0.04858735157374206], 1e-15))
    }

    @Test func extremeInputsStayFinite() {
        let big = Tensor([-1000, -40, 40, 1000])
        #expect(sigmoid(big).scalars == [0, sigmoid(Tensor(-40)).item, sigmoid(Tensor(40)).item, 1])
        #expect(softplus(big).scalars[3] == 1000 && softplus(big).scalars[0] == 0)
        #expect(softplus(big, threshold: .infinity).scalars[3] == 1000)
        #expect(logSigmoid(big).scalars[0] == -1000 && logSigmoid(big).scalars[3] == 0)
        #expect(elu(big).scalars[0] == -1 && gelu(big).scalars[0] == 0 && gelu(big).scalars[3] == 1000)
        for f: (Tensor) -> Tensor in [sigmoid, { tanh($0) }, { softplus($0) }, logSigmoid, { elu($0) }, { gelu($0) }] {
            let g = gradient(at: big) { f($0).sum() }
            #expect(g.scalars.allSatisfy { $0.isFinite })
        }
        #expect(gradient(at: big) { logSigmoid($0).sum() }.scalars == [1, 1, sigmoid(Tensor(-40)).item, 0])
    }

    @Test func derivativesMatchFiniteDifferences() {
        elemFDCheck(x) { relu($0) * $0 }
        elemFDCheck(x) { leakyRelu($0, negativeSlope: 0.1) * $0 }
        elemFDCheck(x) { elu($0) }
        elemFDCheck(x) { elu($0, alpha: 0.7) }
        elemFDCheck(x) { gelu($0) }
        elemFDCheck(x) { gelu($0, approximate: .tanh) }
        elemFDCheck(x) { sigmoid($0) }
        elemFDCheck(x) { tanh($0) }
        elemFDCheck(x) { softplus($0) }
        elemFDCheck(x) { softplus($0, beta: 2.5) }
        elemFDCheck(x) { softplus($0, beta: 2, threshold: 1) }
        elemFDCheck(x) { logSigmoid($0) }
    }

    @Test func derivativesThroughBroadcastingComposites() {
        let bias = Tensor([0.2, -0.3, 0.5])
        elemFDCheck([x, bias]) { v in sigmoid(v[0] + v[1]) * tanh(v[1]) }
        elemFDCheck([x, bias]) { v in gelu(v[0] * v[1]) + softplus(v[1] - v[0]) }
        elemFDCheck([x, bias]) { v in logSigmoid(v[0] * v[1]) * elu(v[0] + v[1]) }
    }

    @Test func nonSmoothPointChoices() {
        let at = Tensor([-1, 0, 1])
        #expect(gradient(at: at) { relu($0).sum() }.scalars == [0, 0, 1])
        #expect(gradient(at: at) { leakyRelu($0, negativeSlope: 0.1).sum() }.scalars == [0.1, 0.1, 1])
        let ge = gradient(at: at) { elu($0, alpha: 0.5).sum() }.scalars
        #expect(elemClose(ge, [0.18393972058572117, 0.5, 1], 1e-15))
        // Forward mode makes the same choices.
        #expect(derivative(at: at, along: at.onesLike()) { relu($0) }.scalars == [0, 0, 1])
        #expect(derivative(at: at, along: at.onesLike()) { leakyRelu($0) }.scalars == [0.01, 0.01, 1])
        // Softplus: 1 above the threshold, sigmoid(βx) below it.
        let gs = gradient(at: Tensor([25, 0])) { softplus($0).sum() }.scalars
        #expect(gs == [1, 0.5])
        // Second derivatives of the piecewise-linear ones are 0.
        #expect(hessianVectorProduct(at: at, along: at.onesLike()) { relu($0).sum() }.scalars == [0, 0, 0])
    }

    @Test func secondDerivativesAtKnownPoints() {
        // sigmoid'' = s(1−s)(1−2s) and tanh'' = −2 t (1 − t²).
        let p = Tensor([0.7])
        let s: Double = 1 / (1 + Foundation.exp(-0.7))
        let t = Foundation.tanh(0.7)
        let sigmoid2: Double = s * (1 - s) * (1 - 2 * s)
        let tanh2: Double = -2 * t * (1 - t * t)
        #expect(elemClose(hessianVectorProduct(at: p, along: Tensor([1])) { sigmoid($0).sum() }.scalars, [sigmoid2], 1e-14))
        #expect(elemClose(hessianVectorProduct(at: p, along: Tensor([1])) { tanh($0).sum() }.scalars, [tanh2], 1e-14))
        // gelu'' = φ(x) (2 − x²).
        let phi: Double = Foundation.exp(-0.245) / (2 * Double.pi).squareRoot()
        let gelu2: Double = phi * (2 - 0.49)
        #expect(elemClose(hessianVectorProduct(at: p, along: Tensor([1])) { gelu($0).sum() }.scalars, [gelu2], 1e-14))
    }

    @Test func float32Works() {
        let f = Tensor([-1, 0, 2], dtype: .float32)
        for act: (Tensor) -> Tensor in [relu, { leakyRelu($0) }, { elu($0) }, { gelu($0) }, { gelu($0, approximate: .tanh) },
                                       sigmoid, { tanh($0) }, { softplus($0) }, logSigmoid] {
            let y = act(f)
            #expect(y.dtype == .float32)
            #expect(elemClose(y.scalars, act(f.cast(to: .float64)).scalars, 1e-6))
            let g = gradient(at: f) { act($0).sum() }
            let g64 = gradient(at: f.cast(to: .float64)) { act($0).sum() }
            #expect(g.dtype == .float32 && elemClose(g.scalars, g64.scalars, 1e-6))
        }
    }
}
