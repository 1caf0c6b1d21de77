import Testing
@testable import Higher

final class TinyAffine: Module {
    @Parameter var weight = Tensor([[1.0, 2.0]])
    @Parameter var bias = Tensor([0.5])
    func callAsFunction(_ x: Tensor) -> Tensor { matmul(x, weight, transposeB: true) + bias }
}

final class TinyNet: Module {
    let first = TinyAffine()
    let layers: [TinyAffine]
    let maybe: TinyAffine? = nil
    @Buffer var calls = Tensor(0)
    init() { layers = [first, TinyAffine()] }      // `first` is reachable twice: tied
    func callAsFunction(_ x: Tensor) -> Tensor {
        calls = calls + 1
        return layers[1](x) * first(x)
    }
}

@Suite struct MakeFunctionalSmokeTests {
    @Test func pathsTiedWeightsAndBuffers() throws {
        let net = TinyNet()
        let f = makeFunctional(net)
        #expect(f.parameters.paths == ["first.weight", "first.bias", "layers.1.weight", "layers.1.bias"])
        #expect(f.buffers.paths == ["calls"])
        let x = Tensor([[1.0, 1.0]])
        let (y, buffers) = try f.apply(x, parameters: f.parameters, buffers: f.buffers)
        #expect(y.scalars == net(x).scalars)
        #expect(buffers.tensor(at: "calls").item == 1)
        #expect(net.$calls.storedValue.item == 1)   // the direct call above, not the functional one
    }
}
