import Foundation
import Testing
@testable import Higher

// Every layer against PyTorch (float64): outputs, updated running statistics and the
// gradients of sum(output · w) with respect to the input, the initial states and every
// parameter. The references come from Reference/make_layer_references.py (layers.json).

/// A tensor as stored in layers.json.
fileprivate struct LayerRefTensor: Decodable, Sendable {
    let shape: [Int]
    let data: [Double]
    var tensor: Tensor { Tensor(data, shape: shape, dtype: .float64) }
}

/// A JSON value of a case's configuration.
fileprivate enum LayerRefValue: Decodable, Sendable {
    case number(Double), bool(Bool), string(String), array([LayerRefValue]), object([String: LayerRefValue]), null

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let d = try? c.decode(Double.self) { self = .number(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([LayerRefValue].self) { self = .array(a) }
        else { self = .object(try c.decode([String: LayerRefValue].self)) }
    }

    subscript(key: String) -> LayerRefValue {
        guard case .object(let o) = self, let v = o[key] else { preconditionFailure("layers.json: no key \(key) in \(self)") }
        return v
    }
    var int: Int { guard case .number(let d) = self else { preconditionFailure("\(self) is not a number") }; return Int(d) }
    var double: Double? { if case .number(let d) = self { return d }; return nil }
    var bool: Bool { guard case .bool(let b) = self else { preconditionFailure("\(self) is not a bool") }; return b }
    var string: String { guard case .string(let s) = self else { preconditionFailure("\(self) is not a string") }; return s }
    var array: [LayerRefValue] { guard case .array(let a) = self else { preconditionFailure("\(self) is not an array") }; return a }
    var ints: [Int] { array.map(\.int) }
    var size: Size2D { Size2D(height: ints[0], width: ints[1]) }
}

fileprivate struct LayerRefCase: Decodable, Sendable, CustomTestStringConvertible {
    let name: String
    let kind: String
    let config: LayerRefValue
    let mode: String
    let input: LayerRefTensor
    let parameters: [String: LayerRefTensor]
    let buffers: [String: LayerRefTensor]
    let initial_states: [String: LayerRefTensor]
    let grad_input: LayerRefTensor?
    let grad_initial_states: [String: LayerRefTensor]
    let grad_parameters: [String: LayerRefTensor]
    let w: LayerRefTensor
    let output: LayerRefTensor
    let final_states: [String: LayerRefTensor]
    let final_states_w: [String: LayerRefTensor]
    let buffers_after: [String: LayerRefTensor]

    var testDescription: String { name }
    var moduleMode: ModuleMode { mode == "train" ? .training : .evaluation }
}

fileprivate struct LayerRefFile: Decodable {
    let cases: [LayerRefCase]
}

fileprivate let layerReferenceCases: [LayerRefCase] = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Reference").appendingPathComponent("layers.json")
    do {
        return try JSONDecoder().decode(LayerRefFile.self, from: Data(contentsOf: url)).cases
    } catch {
        preconditionFailure("layers.json: \(error)")
    }
}()

fileprivate func layerRefCases(_ kinds: Set<String>) -> [LayerRefCase] {
    layerReferenceCases.filter { kinds.contains($0.kind) }
}

/// PyTorch's name (possibly dotted, as in a Sequential) to Higher's path.
fileprivate func layerSwiftPath(_ torchName: String) -> String {
    var parts = torchName.split(separator: ".").map(String.init)
    let renamed = ["running_mean": "runningMean", "running_var": "runningVariance",
                   "num_batches_tracked": "numBatchesTracked"]
    if let r = renamed[parts[parts.count - 1]] {
        parts[parts.count - 1] = r
    } else if let recurrent = LSTM.path(forTorchName: parts[parts.count - 1]) {
        parts[parts.count - 1] = recurrent
    }
    return parts.joined(separator: ".")
}

/// The tree of `paths` (Higher's, with `prefix` in front of PyTorch's) from PyTorch's tensors.
fileprivate func layerTree(_ reference: [String: LayerRefTensor], paths: [String], prefix: String) -> Parameters {
    var bySwiftPath: [String: Tensor] = [:]
    for (name, t) in reference { bySwiftPath[prefix + layerSwiftPath(name)] = t.tensor }
    #expect(Set(bySwiftPath.keys) == Set(paths), "PyTorch names \(reference.keys.sorted()) vs paths \(paths)")
    return Parameters(paths.map { ($0, bySwiftPath[$0] ?? Tensor.zeros([0])) })
}

fileprivate func layerExpectClose(_ actual: Tensor?, _ expected: LayerRefTensor?, _ what: String,
                                  _ c: LayerRefCase, tolerance: Double = 1e-10,
                                  sourceLocation: SourceLocation = #_sourceLocation) {
    guard let actual, let expected else {
        Issue.record("\(c.name): \(what) missing", sourceLocation: sourceLocation)
        return
    }
    #expect(actual.shape == expected.shape, "\(c.name): \(what) shape", sourceLocation: sourceLocation)
    guard actual.shape == expected.shape else { return }
    let worst = zip(actual.scalars, expected.data).map { a, e in abs(a - e) / max(1, abs(e)) }.max() ?? 0
    #expect(worst <= tolerance, "\(c.name): \(what) differs from PyTorch by \(worst)", sourceLocation: sourceLocation)
}

/// A layer from a case's kind and configuration (Tensor → Tensor layers).
fileprivate func layerFromReference(_ kind: String, _ config: LayerRefValue) -> any Module<Tensor, Tensor> {
    var rng = RandomGenerator(seed: 1)
    switch kind {
    case "Linear":
        return Linear(config["in"].int, config["out"].int, bias: config["bias"].bool, using: &rng)
    case "Conv2d":
        return Conv2d(config["in"].int, config["out"].int, kernelSize: config["kernel"].size,
                      stride: config["stride"].size, padding: config["padding"].size,
                      dilation: config["dilation"].size, groups: config["groups"].int,
                      bias: config["bias"].bool, using: &rng)
    case "BatchNorm1d":
        return BatchNorm1d(config["features"].int, eps: config["eps"].double!, momentum: config["momentum"].double,
                           affine: config["affine"].bool, trackRunningStats: config["track"].bool)
    case "BatchNorm2d":
        return BatchNorm2d(config["features"].int, eps: config["eps"].double!, momentum: config["momentum"].double,
                           affine: config["affine"].bool, trackRunningStats: config["track"].bool)
    case "LayerNorm":
        return LayerNorm(config["shape"].ints, eps: config["eps"].double!, elementwiseAffine: config["affine"].bool,
                         bias: config["bias"].bool)
    case "GroupNorm":
        return GroupNorm(groups: config["groups"].int, channels: config["channels"].int, eps: config["eps"].double!,
                         affine: config["affine"].bool)
    case "Embedding":
        return Embedding(count: config["count"].int, dimension: config["dim"].int, using: &rng)
    case "Sequential":
        return Sequential(config["layers"].array.map { layerFromReference($0["kind"].string, $0["config"]) })
    case "MaxPool2d":
        return MaxPool2d(kernelSize: config["kernel"].size, stride: config["stride"].size, padding: config["padding"].size)
    case "AvgPool2d":
        return AvgPool2d(kernelSize: config["kernel"].size, stride: config["stride"].size, padding: config["padding"].size)
    case "Flatten":
        return Flatten(startAxis: config["start"].int, endAxis: config["end"].int)
    case "ReLU": return ReLU()
    case "LeakyReLU": return LeakyReLU(negativeSlope: config["negative_slope"].double!)
    case "ELU": return ELU(alpha: config["alpha"].double!)
    case "GELU": return GELU(approximate: config["approximate"].string == "tanh" ? .tanh : .none)
    case "Sigmoid": return Sigmoid()
    case "Tanh": return Tanh()
    case "Softplus": return Softplus(beta: config["beta"].double!, threshold: config["threshold"].double!)
    case "LogSigmoid": return LogSigmoid()
    case "SiLU": return SiLU()
    case "Softmax": return Softmax(axis: config["dim"].int)
    case "LogSoftmax": return LogSoftmax(axis: config["dim"].int)
    case "Identity": return Identity()
    default: preconditionFailure("layers.json: unknown kind \(kind)")
    }
}

/// `[x, h0, c0…] → [output, h, c…]`: a recurrent layer with its states as plain tensors,
/// so that the functional call and the input gradient cover the initial states.
fileprivate final class LayerRecurrentProbe: Module {
    let lstm: LSTM?
    let gru: GRU?

    init(_ kind: String, _ config: LayerRefValue) {
        var rng = RandomGenerator(seed: 2)
        let (i, h, l) = (config["input"].int, config["hidden"].int, config["layers"].int)
        let (bias, first, bi) = (config["bias"].bool, config["batch_first"].bool, config["bidirectional"].bool)
        lstm = kind == "LSTM" ? LSTM(i, h, numLayers: l, bias: bias, batchFirst: first, bidirectional: bi, using: &rng) : nil
        gru = kind == "GRU" ? GRU(i, h, numLayers: l, bias: bias, batchFirst: first, bidirectional: bi, using: &rng) : nil
    }

    func callAsFunction(_ input: [Tensor]) -> [Tensor] {
        if let lstm {
            let state = input.count == 3 ? LSTMState(hidden: input[1], cell: input[2]) : nil
            let (y, s) = lstm(input[0], initialState: state)
            return [y, s.hidden, s.cell]
        }
        let (y, h) = gru!(input[0], initialState: input.count == 2 ? input[1] : nil)
        return [y, h]
    }
}

/// Checks a functional model against one reference case. `loss` is the weighted sum of
/// the outputs; `outputs` names each output as the reference does.
fileprivate func layerCheck<M: Module>(
    _ module: M, _ c: LayerRefCase, input: M.Input, prefix: String,
    outputs: (M.Output) -> [(String, Tensor)], loss: (M.Output) -> Tensor,
    inputGradients: ((M.Input) -> [(String, Tensor)])?
) throws where M.Input: DifferentiableTree {
    let f = makeFunctional(module)
    let p = layerTree(c.parameters, paths: f.parameters.paths, prefix: prefix)
    let b = layerTree(c.buffers, paths: f.buffers.paths, prefix: prefix)
    let ownBuffers = f.buffers
    let (y, updated) = try f.apply(input, parameters: p, buffers: b, mode: c.moduleMode)
    let expected = ["output": c.output].merging(c.final_states) { a, _ in a }
    func expectBuffers(_ tree: Parameters, _ what: String) {
        for (path, t) in zip(tree.paths, tree.tensors) {
            let torchName = c.buffers_after.keys.first { prefix + layerSwiftPath($0) == path }
            layerExpectClose(t, torchName.flatMap { c.buffers_after[$0] }, "\(what) buffer \(path)", c)
        }
    }
    for (name, t) in outputs(y) { layerExpectClose(t, expected[name], name, c) }
    expectBuffers(updated, "returned")
    // The module's own buffers are untouched by the functional call.
    #expect(zip(f.buffers.tensors, ownBuffers.tensors).allSatisfy { $0.scalars == $1.scalars })

    // The same through the module itself, with the weights loaded into it.
    try f.load(p)
    try f.syncBuffers(b)
    let direct = c.moduleMode.run { module(input) }
    for (name, t) in outputs(direct) { layerExpectClose(t, expected[name], "direct \(name)", c) }
    expectBuffers(f.buffers, "module's")

    func weighted(_ input: M.Input, _ p: Parameters) throws -> Tensor {
        loss(try f.apply(input, parameters: p, buffers: b, mode: c.moduleMode).output)
    }
    if p.count > 0 {
        let g = try gradient(at: p) { p in try weighted(input, p) }
        for (name, expectedGrad) in c.grad_parameters {
            layerExpectClose(g[prefix + layerSwiftPath(name)], expectedGrad, "gradient of \(name)", c)
        }
    }
    if let inputGradients {
        let gx = try gradient(at: input) { x in try weighted(x, p) }
        let expectedGrads = (c.grad_input.map { ["input": $0] } ?? [:]).merging(c.grad_initial_states) { a, _ in a }
        for (name, t) in inputGradients(gx) { layerExpectClose(t, expectedGrads[name], "gradient of \(name)", c) }
    }
}

@Suite struct LayerReferenceTests {
    @Test(arguments: layerRefCases(["Linear", "Conv2d", "BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm",
                                    "Sequential", "MaxPool2d", "AvgPool2d", "Flatten", "ReLU", "LeakyReLU", "ELU",
                                    "GELU", "Sigmoid", "Tanh", "Softplus", "LogSigmoid", "SiLU", "Softmax",
                                    "LogSoftmax", "Identity", "Embedding"]))
    fileprivate func feedForwardLayerMatchesPyTorch(_ c: LayerRefCase) throws {
        let layer = layerFromReference(c.kind, c.config)
        let w = c.w.tensor
        try layerCheck(layer, c, input: c.input.tensor, prefix: "",
                       outputs: { [("output", $0)] }, loss: { ($0 * w).sum() },
                       inputGradients: c.grad_input == nil ? nil : { [("input", $0)] })
    }

    @Test(arguments: layerRefCases(["LSTM", "GRU"]))
    fileprivate func recurrentLayerMatchesPyTorch(_ c: LayerRefCase) throws {
        let probe = LayerRecurrentProbe(c.kind, c.config)
        let stateNames = c.kind == "LSTM" ? ["h", "c"] : ["h"]
        let initialNames = c.initial_states.isEmpty ? [] : (c.kind == "LSTM" ? ["h0", "c0"] : ["h0"])
        let input = [c.input.tensor] + initialNames.map { c.initial_states[$0]!.tensor }
        let w = [c.w.tensor] + stateNames.map { c.final_states_w[$0]!.tensor }
        try layerCheck(probe, c, input: input, prefix: c.kind == "LSTM" ? "lstm." : "gru.",
                       outputs: { Array(zip(["output"] + stateNames, $0)) },
                       loss: { outs in zip(outs, w).map { ($0 * $1).sum() }.reduce(Tensor(0), +) },
                       inputGradients: { Array(zip(["input"] + initialNames, $0)) })
    }

    @Test func everyReferenceCaseIsChecked() {
        #expect(layerReferenceCases.count == 54)
        #expect(Set(layerReferenceCases.map(\.name)).count == layerReferenceCases.count)
    }
}
