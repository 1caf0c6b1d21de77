import Testing
@testable import Higher

// Layers beyond the PyTorch references (LayerReferenceTests): initialisation, paths,
// training and evaluation modes, dropout's randomness, frozen parameters, Float32,
// second order.

fileprivate func layerMaxDifference(_ a: Tensor, _ b: Tensor) -> Double {
    zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
}

/// Central finite differences of `gradient` along `direction`: the HVP reference.
fileprivate func layerHVPByDifferences(_ p: Parameters, _ direction: Parameters, eps: Double = 1e-5,
                                       _ f: (Parameters) throws -> Tensor) rethrows -> Parameters {
    let plus = try gradient(at: p + eps * direction, of: f)
    let minus = try gradient(at: p - eps * direction, of: f)
    return (plus - minus) * (1 / (2 * eps))
}

fileprivate func layerRandomLike(_ p: Parameters, seed: UInt64) -> Parameters {
    var rng = RandomGenerator(seed: seed)
    return p.map { _, t in Tensor.normal(t.shape, dtype: t.dtype, using: &rng) }
}

fileprivate final class LayerFrozenBackbone: Module {
    let backbone: Linear
    let head: Linear
    init() {
        var rng = RandomGenerator(seed: 5)
        backbone = Linear(3, 4, frozen: true, using: &rng)
        head = Linear(4, 2, using: &rng)
    }
    func callAsFunction(_ x: Tensor) -> Tensor { head(tanh(backbone(x))) }
}

@Suite struct LayerTests {
    // MARK: Initialisation

    @Test func linearAndConvolutionStartUniformWithinPyTorchBounds() {
        var rng = RandomGenerator(seed: 11)
        let fc = Linear(64, 200, using: &rng)
        let bound = 1 / 8.0
        let w = fc.weight.scalars
        #expect(fc.weight.shape == [200, 64] && fc.bias?.shape == [200])
        #expect(w.allSatisfy { abs($0) <= bound } && fc.bias!.scalars.allSatisfy { abs($0) <= bound })
        // Uniform on [−b, b): mean 0, variance b²/3 (12 800 samples: a few standard errors).
        let mean = w.reduce(0, +) / Double(w.count)
        let variance = w.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(w.count)
        #expect(abs(mean) < 0.004)
        #expect(abs(variance / (bound * bound / 3) - 1) < 0.05)
        #expect(w.max()! > 0.95 * bound && w.min()! < -0.95 * bound)

        let conv = Conv2d(4, 6, kernelSize: [3, 2], groups: 2, using: &rng)
        let convBound = 1 / Double(2 * 3 * 2).squareRoot()
        #expect(conv.weight.shape == [6, 2, 3, 2])
        #expect(conv.weight.scalars.allSatisfy { abs($0) <= convBound })
        #expect(conv.weight.scalars.contains { abs($0) > 0.8 * convBound })
        #expect(conv.bias!.scalars.allSatisfy { abs($0) <= convBound })
        #expect(Linear(3, 2, bias: false, using: &rng).bias == nil)
    }

    @Test func recurrentEmbeddingAndNormalisationInitialisation() {
        var rng = RandomGenerator(seed: 12)
        let lstm = LSTM(5, 16, numLayers: 2, using: &rng)
        for cell in lstm.layers {
            for t in [cell.weightIH, cell.weightHH, cell.biasIH!, cell.biasHH!] {
                #expect(t.scalars.allSatisfy { abs($0) <= 0.25 })
            }
        }
        #expect(lstm.layers[1].weightIH.shape == [64, 16])
        let gru = GRU(5, 4, bidirectional: true, using: &rng)
        #expect(gru.reverseLayers[0].weightHH.shape == [12, 4])
        #expect(gru.layers[0].weightIH.scalars.allSatisfy { abs($0) <= 0.5 })

        let embed = Embedding(count: 100, dimension: 50, using: &rng).weight.scalars
        let mean = embed.reduce(0, +) / 5000
        let variance = embed.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 5000
        #expect(abs(mean) < 0.05 && abs(variance - 1) < 0.06)

        let bn = BatchNorm2d(3)
        #expect(bn.weight?.scalars == [1, 1, 1] && bn.bias?.scalars == [0, 0, 0])
        #expect(bn.runningMean?.scalars == [0, 0, 0] && bn.runningVariance?.scalars == [1, 1, 1])
        #expect(bn.numBatchesTracked?.item == 0 && bn.numBatchesTracked?.dtype == .float64)
        #expect(LayerNorm([2, 3]).weight?.shape == [2, 3] && GroupNorm(groups: 2, channels: 4).bias?.scalars == [0, 0, 0, 0])
    }

    @Test func sameSeedGivesSameWeights() {
        var a = RandomGenerator(seed: 3)
        var b = RandomGenerator(seed: 3)
        let x = Sequential(Linear(3, 4, using: &a), ReLU(), Linear(4, 2, using: &a))
        let y = Sequential(Linear(3, 4, using: &b), ReLU(), Linear(4, 2, using: &b))
        #expect(makeFunctional(x).parameters.tensors.map(\.scalars) == makeFunctional(y).parameters.tensors.map(\.scalars))
        #expect(a == b)
    }

    // MARK: Paths

    @Test func pathsFollowPyTorch() {
        var rng = RandomGenerator(seed: 4)
        #expect(makeFunctional(Linear(2, 3, using: &rng)).parameters.paths == ["weight", "bias"])
        #expect(makeFunctional(Linear(2, 3, bias: false, using: &rng)).parameters.paths == ["weight"])
        let bn = makeFunctional(BatchNorm1d(3))
        #expect(bn.parameters.paths == ["weight", "bias"])
        #expect(bn.buffers.paths == ["runningMean", "runningVariance", "numBatchesTracked"])
        #expect(makeFunctional(BatchNorm2d(3, affine: false, trackRunningStats: false)).parameters.count == 0)
        #expect(makeFunctional(BatchNorm2d(3, trackRunningStats: false)).buffers.count == 0)
        #expect(makeFunctional(LayerNorm(3, bias: false)).parameters.paths == ["weight"])

        let net = Sequential(Conv2d(1, 2, kernelSize: 3, using: &rng), BatchNorm2d(2), ReLU(),
                             Sequential(Flatten(), Linear(2, 2, using: &rng)), Dropout(0.5, using: &rng))
        let f = makeFunctional(net)
        #expect(f.parameters.paths == ["0.weight", "0.bias", "1.weight", "1.bias", "3.1.weight", "3.1.bias"])
        #expect(f.buffers.paths == ["1.runningMean", "1.runningVariance", "1.numBatchesTracked", "4.step"])
        #expect(net.count == 5 && net[2] is ReLU)

        let lstm = makeFunctional(LSTM(2, 3, numLayers: 2, bidirectional: true, using: &rng))
        #expect(lstm.parameters.count == 16)
        #expect(Array(lstm.parameters.paths.prefix(4)) == ["layers.0.weightIH", "layers.0.weightHH",
                                                           "layers.0.biasIH", "layers.0.biasHH"])
        for path in lstm.parameters.paths {
            let torch = LSTM.torchName(forPath: path)
            #expect(torch != nil && LSTM.path(forTorchName: torch!) == path)
        }
        #expect(LSTM.torchName(forPath: "reverseLayers.1.biasHH") == "bias_hh_l1_reverse")
        #expect(GRU.path(forTorchName: "weight_ih_l0") == "layers.0.weightIH")
        #expect(GRU.path(forTorchName: "weight_ih_lx") == nil && LSTM.torchName(forPath: "layers.0.weight") == nil)
        #expect(makeFunctional(GRU(2, 3, numLayers: 2, dropout: 0.3, using: &rng)).buffers.paths == ["dropout.step"])
    }

    // MARK: Modes and buffers

    @Test func batchNormTrainingUpdatesStatisticsAndEvaluationUsesThem() throws {
        let bn = BatchNorm1d(2, momentum: 0.5)
        let x = Tensor([[1, 10], [3, 20], [5, 60]])
        let y = bn(x)   // training by default: batch statistics, biased variance
        let column0 = [1.0, 3, 5].map { ($0 - 3) / (8.0 / 3 + 1e-5).squareRoot() }
        #expect(zip(y.scalars.enumerated().filter { $0.offset % 2 == 0 }.map(\.element), column0)
            .allSatisfy { abs($0 - $1) < 1e-12 })
        // Running update with the unbiased variance (4 and 700 for these columns).
        #expect(layerMaxDifference(bn.runningMean!, Tensor([1.5, 15])) < 1e-12)
        #expect(layerMaxDifference(bn.runningVariance!, Tensor([0.5 + 2, 0.5 + 350])) < 1e-12)
        #expect(bn.numBatchesTracked?.item == 1)

        let z = ModuleMode.evaluation.run { bn(x) }
        let expected = (x - Tensor([1.5, 15])) / (Tensor([2.5, 350.5]) + 1e-5).sqrt()
        #expect(layerMaxDifference(z, expected) < 1e-12)
        #expect(bn.numBatchesTracked?.item == 1)   // evaluation leaves the statistics alone

        // A functional call returns the update and leaves the module alone, until synced.
        let f = makeFunctional(bn)
        let before = f.buffers
        let (_, updated) = try f.apply(x, parameters: f.parameters, buffers: before)
        #expect(updated.tensor(at: "numBatchesTracked").item == 2)
        #expect(bn.numBatchesTracked?.item == 1)
        let (_, unchanged) = try f.apply(x, parameters: f.parameters, buffers: before, mode: .evaluation)
        #expect(unchanged.tensors.map(\.scalars) == before.tensors.map(\.scalars))
        try f.syncBuffers(updated)
        #expect(bn.numBatchesTracked?.item == 2)
        #expect(layerMaxDifference(bn.runningMean!, Tensor([2.25, 22.5])) < 1e-12)
    }

    @Test func runningStatisticsCarryNoDerivative() throws {
        let bn = BatchNorm1d(2)
        let f = makeFunctional(bn)
        let x = Tensor([[1, 2], [3, 5], [4, 4]])
        // Differentiating through the buffers that a training call returns gives zero.
        let g = try gradient(at: f.parameters) { p in
            try f.apply(x, parameters: p, buffers: f.buffers).buffers.tensor(at: "runningMean").sum() * 0
                + f.apply(x, parameters: p, buffers: f.buffers).output.sum()
        }
        #expect(g.tensors.allSatisfy { $0.scalars.allSatisfy(\.isFinite) })
        let updated = try f.apply(x, parameters: f.parameters, buffers: f.buffers).buffers
        #expect(updated.tensors.allSatisfy { !$0.isTraced })
        let gx = gradient(at: x) { x in
            (try! f.apply(x, parameters: f.parameters, buffers: f.buffers).buffers.tensor(at: "runningMean")).sum()
        }
        #expect(gx.scalars.allSatisfy { $0 == 0 })
    }

    @Test func dropoutMasksAreReproducibleAndFreshWhenBuffersAreThreaded() throws {
        let drop = Dropout(0.25, seed: 99)
        let x = Tensor.ones([40, 50])
        #expect(ModuleMode.evaluation.run { drop(x) }.scalars == x.scalars)
        #expect(drop.step.item == 0)

        let y = drop(x)
        let values = Set(y.scalars)
        #expect(values == [0, 1 / 0.75])
        let dropped = Double(y.scalars.filter { $0 == 0 }.count) / 2000
        #expect(abs(dropped - 0.25) < 0.04)
        #expect(drop.step.item == 1)
        #expect(drop(x).scalars != y.scalars)   // a direct call advances the module's own step

        let f = makeFunctional(drop)
        let start: Parameters = ["step": Tensor(0)]
        let (a, next) = try f.apply(x, parameters: f.parameters, buffers: start)
        let (b, _) = try f.apply(x, parameters: f.parameters, buffers: start)
        let (c, _) = try f.apply(x, parameters: f.parameters, buffers: next)
        #expect(a.scalars == y.scalars && b.scalars == a.scalars)   // same seed and step, same mask
        #expect(c.scalars != a.scalars && next.tensor(at: "step").item == 1)
        #expect(drop.step.item == 2)   // functional calls never touch the module
        #expect(a.scalars == (x * drop.mask(shape: x.shape, step: 0, dtype: .float64)).scalars)

        // The derivative is the mask.
        let g = gradient(at: x) { x in (try! f.apply(x, parameters: f.parameters, buffers: start).output).sum() }
        #expect(g.scalars == y.scalars)

        #expect(Dropout(1, seed: 1)(x).scalars.allSatisfy { $0 == 0 })
        let identity = Dropout(0, seed: 1)
        #expect(identity(x).scalars == x.scalars && identity.step.item == 0)
        var rng = RandomGenerator(seed: 8)
        var same = rng
        #expect(Dropout(0.5, using: &rng).generator == same.split())
        // Float32 masks follow the input's dtype.
        #expect(Dropout(0.5, seed: 2)(Tensor.ones([4], dtype: .float32)).dtype == .float32)
    }

    @Test func recurrentDropoutActsOnlyBetweenLayersAndInTraining() {
        var a = RandomGenerator(seed: 21)
        var b = RandomGenerator(seed: 21)
        let withDropout = LSTM(3, 4, numLayers: 2, dropout: 0.5, using: &a)
        let plain = LSTM(3, 4, numLayers: 2, using: &b)
        let x = Tensor.normal([5, 2, 3], using: &a)
        try! makeFunctional(plain).load(makeFunctional(withDropout).parameters)
        let evaluation = ModuleMode.evaluation.run { withDropout(x).output }
        #expect(layerMaxDifference(evaluation, plain(x).output) == 0)
        #expect(layerMaxDifference(withDropout(x).output, plain(x).output) > 1e-3)
        #expect(withDropout.dropout?.step.item == 1)   // one mask per layer boundary and call
    }

    // MARK: Frozen parameters

    @Test func frozenLayersAreUsedButNotTrained() throws {
        let model = LayerFrozenBackbone()
        let f = makeFunctional(model)
        #expect(f.parameters.paths == ["head.weight", "head.bias"])
        #expect(f.frozenPaths == ["backbone.weight", "backbone.bias"])
        #expect(model.backbone.$weight.isFrozen && model.backbone.biasParameter?.isFrozen == true)
        let x = Tensor([[0.5, -1, 2], [1, 0, -0.5]])
        #expect(try f(x, parameters: f.parameters).scalars == model(x).scalars)
        let g = try gradient(at: f.parameters) { p in try f(x, parameters: p).squared().sum() }
        #expect(g.paths == ["head.weight", "head.bias"])
        // The head's gradient sees the frozen features.
        let features = tanh(model.backbone(x))
        let expected = matmul(2 * model(x), features, transposeA: true)
        #expect(layerMaxDifference(g.tensor(at: "head.weight"), expected) < 1e-12)
        var rng = RandomGenerator(seed: 1)
        #expect(makeFunctional(Embedding(count: 3, dimension: 2, frozen: true, using: &rng)).parameters.count == 0)
        #expect(makeFunctional(BatchNorm2d(2, frozen: true)).buffers.count == 3)
    }

    // MARK: Float32

    @Test func float32LayersMatchFloat64() throws {
        func check<M: Module>(_ make: (DType) -> M, _ input: Tensor, tolerance: Double = 2e-5,
                              _ output: (M.Output) -> Tensor) throws where M.Input == Tensor {
            let wide = make(.float64)
            let narrow = make(.float32)
            let fw = makeFunctional(wide)
            let fn = makeFunctional(narrow)
            try fn.load(fw.parameters.map { _, t in t.cast(to: .float32) })
            let y32 = output(narrow(input.cast(to: .float32)))
            let y64 = output(wide(input.cast(to: .float32).cast(to: .float64)))
            #expect(y32.dtype == .float32)
            #expect(layerMaxDifference(y32, y64) < tolerance, "\(M.self)")
        }
        var rng = RandomGenerator(seed: 31)
        let x2 = Tensor.normal([4, 6], using: &rng)
        let x4 = Tensor.normal([2, 4, 5, 5], using: &rng)
        let seq = Tensor.normal([3, 2, 6], using: &rng)
        try check({ d in var r = RandomGenerator(seed: 1); return Linear(6, 3, dtype: d, using: &r) }, x2) { $0 }
        try check({ d in var r = RandomGenerator(seed: 1)
            return Conv2d(4, 6, kernelSize: 3, padding: 1, groups: 2, dtype: d, using: &r) }, x4) { $0 }
        try check({ BatchNorm2d(4, dtype: $0) }, x4) { $0 }
        try check({ BatchNorm1d(6, dtype: $0) }, x2) { $0 }
        try check({ LayerNorm(6, dtype: $0) }, x2) { $0 }
        try check({ GroupNorm(groups: 2, channels: 4, dtype: $0) }, x4) { $0 }
        try check({ d in var r = RandomGenerator(seed: 1); return LSTM(6, 5, numLayers: 2, dtype: d, using: &r) }, seq) {
            $0.output }
        try check({ d in var r = RandomGenerator(seed: 1); return GRU(6, 5, dtype: d, using: &r) }, seq) { $0.state }
        try check({ d in var r = RandomGenerator(seed: 1)
            return Sequential(Linear(6, 8, dtype: d, using: &r), GELU(), Linear(8, 2, dtype: d, using: &r)) }, x2) { $0 }
        var r = RandomGenerator(seed: 1)
        let table = Embedding(count: 4, dimension: 3, dtype: .float32, using: &r)
        #expect(table(Tensor([[3, 0]])).dtype == .float32 && table(Tensor([[3, 0]])).shape == [1, 2, 3])
        #expect(table([1, 1]).scalars == Array(table.weight.scalars[3..<6]) + Array(table.weight.scalars[3..<6]))
    }

    // MARK: Shapes, cells and unbatched inputs

    @Test func cellsAgreeWithOneStepSequences() {
        var rng = RandomGenerator(seed: 41)
        let lstm = LSTM(3, 4, using: &rng)
        let gru = GRU(3, 4, using: &rng)
        let x = Tensor.normal([2, 3], using: &rng)
        let h0 = Tensor.normal([2, 4], using: &rng)
        let c0 = Tensor.normal([2, 4], using: &rng)
        let state = lstm.layers[0](x, state: LSTMState(hidden: h0, cell: c0))
        let (y, final) = lstm(x.unsqueezed(at: 0), initialState: LSTMState(hidden: h0.unsqueezed(at: 0),
                                                                           cell: c0.unsqueezed(at: 0)))
        #expect(layerMaxDifference(state.hidden, y[0]) == 0 && layerMaxDifference(state.cell, final.cell[0]) == 0)
        let h = gru.layers[0](x, state: h0)
        #expect(layerMaxDifference(h, gru(x.unsqueezed(at: 0), initialState: h0.unsqueezed(at: 0)).output[0]) == 0)
        // Unbatched cells, and zero states by default.
        #expect(lstm.layers[0](x[0]).hidden.shape == [4])
        #expect(layerMaxDifference(gru.layers[0](x[1]), gru.layers[0](x)[1]) < 1e-15)
        #expect(layerMaxDifference(lstm.layers[0](x).cell,
                                   lstm.layers[0](x, state: LSTMState(hidden: Tensor.zeros([2, 4]),
                                                                      cell: Tensor.zeros([2, 4]))).cell) == 0)
        // Unbatched pooling and flattening of a scalar.
        let image = Tensor.normal([2, 4, 4], using: &rng)
        #expect(MaxPool2d(kernelSize: 2)(image).shape == [2, 2, 2])
        #expect(AvgPool2d(kernelSize: 2, stride: 1)(image).shape == [2, 3, 3])
        #expect(Flatten()(Tensor(3)).shape == [1])
        #expect(Sequential().callAsFunction(image).scalars == image.scalars)
    }

    // MARK: Second order

    @Test func hessianVectorProductsThroughLayersMatchDifferences() throws {
        var rng = RandomGenerator(seed: 51)
        let net = Sequential(Linear(3, 5, using: &rng), BatchNorm1d(5), Tanh(), Linear(5, 2, using: &rng))
        let rnn = GRU(2, 3, using: &rng)
        let cnn = Sequential(Conv2d(1, 2, kernelSize: 2, using: &rng), GroupNorm(groups: 1, channels: 2),
                             SiLU(), Flatten(), Linear(8, 1, using: &rng))
        let x = Tensor.normal([4, 3], using: &rng)
        let sequence = Tensor.normal([3, 2, 2], using: &rng)
        let image = Tensor.normal([2, 1, 3, 3], using: &rng)

        let fNet = makeFunctional(net)
        let fRNN = makeFunctional(rnn)
        let fCNN = makeFunctional(cnn)
        let losses: [(Parameters, (Parameters) throws -> Tensor)] = [
            (fNet.parameters, { p in try fNet(x, parameters: p).squared().sum() }),
            (fRNN.parameters, { p in
                try fRNN.apply(sequence, parameters: p, buffers: fRNN.buffers).output.output.squared().sum() }),
            (fCNN.parameters, { p in try fCNN(image, parameters: p).squared().sum() }),
        ]
        for (k, (p, loss)) in losses.enumerated() {
            let v = layerRandomLike(p, seed: UInt64(60 + k))
            let hvp = try hessianVectorProduct(at: p, along: v, of: loss)
            let reference = try layerHVPByDifferences(p, v, loss)
            let scale = max(1, reference.globalNorm().item)
            #expect((hvp - reference).globalNorm().item / scale < 1e-6, "loss \(k)")
        }
    }
}
