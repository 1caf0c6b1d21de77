import Testing
@testable import Higher

/// y = x·Wᵀ + b, written with the wrappers directly so these tests do not depend on the layers.
final class Affine: Module, @unchecked Sendable {
    @Parameter var weight: Tensor
    @Parameter var bias: Tensor
    init(_ inputs: Int, _ outputs: Int, seed: UInt64) {
        var rng = RandomGenerator(seed: seed)
        weight = Tensor.uniform([outputs, inputs], low: -1, high: 1, using: &rng)
        bias = Tensor.uniform([outputs], low: -1, high: 1, using: &rng)
    }
    func callAsFunction(_ x: Tensor) -> Tensor { matmul(x, weight, transposeB: true) + bias }
}

class Base: Module, @unchecked Sendable {
    @Parameter var scale = Tensor([2.0])
    func callAsFunction(_ x: Tensor) -> Tensor { x * scale }
}

/// Every structure reflection must see: superclass parameters, nested modules, arrays and
/// optionals of modules, a tied module, a frozen parameter and a buffer.
final class Composite: Base, @unchecked Sendable {
    let encoder = Affine(2, 3, seed: 1)
    let blocks: [Affine]
    let head: Affine?
    let missing: Affine? = nil
    @Parameter(frozen: true) var shift = Tensor([0.25])
    @Buffer var seen = Tensor(0)

    override init() {
        blocks = [Affine(3, 3, seed: 2), Affine(3, 3, seed: 3)]
        head = Affine(3, 1, seed: 4)
    }

    override func callAsFunction(_ x: Tensor) -> Tensor {
        if ModuleMode.current == .training { seen = seen + Double(x.shape[0]) }
        var h = tanh(encoder(x))
        for block in blocks { h = tanh(block(h)) }
        return super.callAsFunction(head!(h)) + shift
    }
}

/// Uses one submodule twice: its weights are tied.
final class Tied: Module, @unchecked Sendable {
    let shared = Affine(2, 2, seed: 5)
    let pair: [Affine]
    init() { pair = [shared, shared] }
    func callAsFunction(_ x: Tensor) -> Tensor { pair[1](tanh(pair[0](x))) }
}

@Suite struct MakeFunctionalTests {
    let x = Tensor([[0.5, -1.0], [1.5, 0.25], [-0.75, 2.0]])

    @Test func reflectionFindsEveryParameterOnce() {
        let f = makeFunctional(Composite())
        #expect(f.parameters.paths == [
            "scale", "encoder.weight", "encoder.bias",
            "blocks.0.weight", "blocks.0.bias", "blocks.1.weight", "blocks.1.bias",
            "head.weight", "head.bias",
        ])
        #expect(f.frozenPaths == ["shift"])
        #expect(f.buffers.paths == ["seen"])
        #expect(makeFunctional(Tied()).parameters.paths == ["shared.weight", "shared.bias"])
    }

    @Test func applyWithOwnParametersEqualsCallingTheModule() throws {
        let model = Composite()
        let f = makeFunctional(model)
        let direct = ModuleMode.evaluation.run { model(x) }
        let functional = try f.apply(x, parameters: f.parameters, buffers: f.buffers, mode: .evaluation).output
        #expect(functional.scalars == direct.scalars)
    }

    @Test func buffersComeBackAsValuesAndSyncOnlyWhenAsked() throws {
        let model = Composite()
        let f = makeFunctional(model)
        let (_, updated) = try f.apply(x, parameters: f.parameters, buffers: f.buffers)
        #expect(updated.tensor(at: "seen").item == 3)
        #expect(model.$seen.storedValue.item == 0)
        let (_, again) = try f.apply(x, parameters: f.parameters, buffers: updated)
        #expect(again.tensor(at: "seen").item == 6)
        try f.syncBuffers(again)
        #expect(model.$seen.storedValue.item == 6)
    }

    @Test func tiedWeightGradientIsTheSumOfBothUses() throws {
        let model = Tied()
        let f = makeFunctional(model)
        let g = try gradient(at: f.parameters) { p in try f(x, parameters: p).sum() }
        // The same function with the two uses given separate copies of the weights.
        let w = model.shared.weight, b = model.shared.bias
        let split = gradient(at: [w, b, w, b]) { q in
            let h = tanh(matmul(x, q[0], transposeB: true) + q[1])
            return (matmul(h, q[2], transposeB: true) + q[3]).sum()
        }
        let expectedW = (split[0] + split[2]).scalars, expectedB = (split[1] + split[3]).scalars
        for (a, e) in zip(g.tensor(at: "shared.weight").scalars, expectedW) { #expect(abs(a - e) < 1e-14) }
        for (a, e) in zip(g.tensor(at: "shared.bias").scalars, expectedB) { #expect(abs(a - e) < 1e-14) }
    }

    @Test func frozenParametersAreUsedButNotDifferentiated() throws {
        let model = Composite()
        let f = makeFunctional(model)
        let g = try gradient(at: f.parameters) { p in try f(x, parameters: p).sum() }
        #expect(!g.contains("shift"))
        #expect(g.tensor(at: "scale").item != 0)
    }

    @Test func sixteenConcurrentTasksOnOneModuleMatchSerialResults() async throws {
        let model = Composite()
        let f = makeFunctional(model)
        let before = f.parameters
        let x = self.x
        @Sendable func work(_ i: Int) throws -> [Double] {
            let p = f.parameters.mapLeaves { $0 * (1 + Double(i) / 16) }
            let (y, g) = try valueWithGradient(at: p) { p in try f(x, parameters: p).squared().sum() }
            return [y.item] + g.tensors.flatMap(\.scalars)
        }
        let serial = try (0..<16).map(work)
        let concurrent = try await withThrowingTaskGroup(of: (Int, [Double]).self) { group in
            for i in 0..<16 { group.addTask { (i, try work(i)) } }
            var out = [[Double]](repeating: [], count: 16)
            for try await (i, r) in group { out[i] = r }
            return out
        }
        #expect(concurrent == serial)
        #expect(f.parameters.tensors.map(\.scalars) == before.tensors.map(\.scalars))
    }

    @Test func parametersThatDoNotFitAreRejectedByPath() throws {
        let model = Composite()
        let f = makeFunctional(model)
        let before = f.parameters
        var wrongShape = f.parameters
        wrongShape["head.weight"] = Tensor.zeros([2, 3])
        #expect(throws: ParametersError.shapeMismatch(path: "head.weight", expected: [1, 3], actual: [2, 3])) {
            try f(x, parameters: wrongShape)
        }
        var missing = f.parameters
        missing["encoder.bias"] = nil
        #expect(throws: ParametersError.missingPath("encoder.bias", in: "Composite parameters")) {
            try f(x, parameters: missing)
        }
        var extra = f.parameters
        extra["decoder.weight"] = Tensor.zeros([1])
        #expect(throws: ParametersError.unexpectedPath("decoder.weight", in: "Composite parameters")) {
            try f(x, parameters: extra)
        }
        #expect(throws: ParametersError.shapeMismatch(path: "head.weight", expected: [1, 3], actual: [2, 3])) {
            try f.load(wrongShape)
        }
        #expect(f.parameters.tensors.map(\.scalars) == before.tensors.map(\.scalars))
    }

    @Test func loadWritesWeightsStrictlyOrNot() throws {
        let model = Composite()
        let f = makeFunctional(model)
        let doubled = f.parameters.mapLeaves { $0 * 2 }
        try f.load(doubled)
        #expect(model.encoder.$weight.storedValue.scalars == doubled.tensor(at: "encoder.weight").scalars)
        let partial = Parameters([("scale", Tensor([5.0]))])
        #expect(throws: ParametersError.missingPath("encoder.weight", in: "load")) { try f.load(partial) }
        try f.load(partial, strict: false)
        #expect(model.$scale.storedValue.item == 5)
    }

    @Test func structModelMatchesClassModel() throws {
        /// The `Tied` network written as a struct with an explicit parameter list.
        struct TiedStruct: FunctionalModel {
            var parameters: Parameters
            func apply(_ x: Tensor, parameters p: Parameters, buffers: Parameters) throws -> (output: Tensor, buffers: Parameters) {
                try p.requireSameStructure(as: parameters)
                let w = p.tensor(at: "shared.weight"), b = p.tensor(at: "shared.bias")
                let h = tanh(matmul(x, w, transposeB: true) + b)
                return (matmul(h, w, transposeB: true) + b, buffers)
            }
        }
        let f = makeFunctional(Tied())
        let s = TiedStruct(parameters: f.parameters)
        #expect(try s(x, parameters: s.parameters).scalars == f(x, parameters: f.parameters).scalars)
        let gs = try gradient(at: s.parameters) { p in try s(x, parameters: p).squared().sum() }
        let gf = try gradient(at: f.parameters) { p in try f(x, parameters: p).squared().sum() }
        #expect(gs.tensors.map(\.scalars) == gf.tensors.map(\.scalars))
    }
}
