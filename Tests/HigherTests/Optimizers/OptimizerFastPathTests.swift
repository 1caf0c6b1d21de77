import Testing
@testable import Higher

/// The fused plain loops of SGD and Adam compute exactly what the tensor-operation path
/// computes. Per-parameter settings (same values) force the tensor path.
@Suite struct OptimizerFastPathTests {
    static func tree(_ dtype: DType, seed: UInt64) -> Parameters {
        var rng = RandomGenerator(seed: seed)
        return ["a": Tensor.uniform([3, 4], low: -1, high: 1, dtype: dtype, using: &rng),
                "b": Tensor.uniform([4], low: -1, high: 1, dtype: dtype, using: &rng),
                "c": Tensor.uniform([], low: -1, high: 1, dtype: dtype, using: &rng)]
    }

    /// The same setting as one tensor per path, which takes the tensor path.
    static func spread(_ h: Hyperparameter, _ p: Parameters) -> Hyperparameter {
        Hyperparameter(perParameter: p.map { _, _ in h.tensor! })
    }

    private func compare<O: Optimizer>(_ opt: O, _ slow: O.Hyper, _ dtype: DType) throws {
        var p1 = Self.tree(dtype, seed: 1), p2 = p1
        var s1 = opt.initialState(for: p1), s2 = s1
        for k in 0..<4 {
            let g = Self.tree(dtype, seed: 10 + UInt64(k))
            (s1, p1) = try opt.step(s1, p1, g)
            (s2, p2) = try opt.step(s2, p2, g, slow)
            #expect(optimFlat(p1) == optimFlat(p2), "step \(k + 1), \(dtype)")
            #expect(s1.leaves.flatMap(\.scalars) == s2.leaves.flatMap(\.scalars), "state after step \(k + 1)")
            #expect(p1.tensors.allSatisfy { $0.dtype == dtype } && s1.leaves.allSatisfy { $0.dtype == dtype })
        }
    }

    @Test(arguments: [DType.float32, .float64])
    func sgdFastPathIsExact(_ dtype: DType) throws {
        let p = Self.tree(dtype, seed: 1)
        for opt in [SGD(lr: 0.1), SGD(lr: 0.1, weightDecay: 0.01, maximize: true),
                    SGD(lr: 0.05, momentum: 0.9), SGD(lr: 0.05, momentum: 0.9, dampening: 0.3, weightDecay: 0.1),
                    SGD(lr: 0.05, momentum: 0.8, nesterov: true, maximize: true)] {
            var slow = opt.hyper
            slow.lr = Self.spread(slow.lr, p)
            try compare(opt, slow, dtype)
        }
    }

    @Test(arguments: [DType.float32, .float64])
    func adamFastPathIsExact(_ dtype: DType) throws {
        let p = Self.tree(dtype, seed: 1)
        let optimizers: [any Optimizer] = [
            Adam(lr: 0.01), Adam(lr: 0.01, betas: (0.4, 0.9), weightDecay: 0.1, amsgrad: true, maximize: true),
            Adam(lr: 0.01, weightDecay: 0.1, decoupledWeightDecay: true), AdamW(lr: 0.02, amsgrad: true),
        ]
        for opt in optimizers {
            try check(opt, p, dtype)
        }
    }

    private func check<O: Optimizer>(_ opt: O, _ p: Parameters, _ dtype: DType) throws {
        var slow = opt.hyper as! Adam.Hyper
        slow.beta1 = Self.spread(slow.beta1, p)
        try compare(opt, slow as! O.Hyper, dtype)
    }
}
