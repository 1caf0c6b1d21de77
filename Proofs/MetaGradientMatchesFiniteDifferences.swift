/// Law: the meta-gradient of an unrolled inner loop is the derivative of the outer loss
/// with respect to the initial weights, the learning rate and the meta-parameters.
///
/// Let θ₀ be the initial weights, w per-example weights of the inner loss (a
/// meta-parameter) and η the learning rate. K optimizer steps θ_{k+1} = U(s_k, θ_k,
/// ∇θ L_w(θ_k), η) end at θ_K, and F(θ₀, w, η) = L_query(θ_K). `InnerLoop.metaGradient`
/// computes ∇F two ways: by default with a backward sweep that pulls each step's update
/// back in reverse mode and its gradient's dependence on (θ, w) through a
/// forward-over-reverse Hessian-vector product, and with `.reverseOverReverse` as one
/// backward sweep of the tape that recorded the whole loop. F is smooth wherever no ReLU
/// unit or sign switches between θ₀ ± ε, so for every optimizer family both strategies'
/// partial derivatives must equal the central differences (F(x + ε eᵢ) − F(x − ε eᵢ)) / 2ε,
/// up to the O(ε²) truncation and round-off.
///
/// Cases: random 1-h-h-1 ReLU MLPs (h from the case's shape), K = 1…5 steps, random tasks,
/// each checked with every optimizer family; checked entries drawn from the case's seed.
import Testing
@testable import Higher

@Suite struct MetaGradientMatchesFiniteDifferences {
    /// Every optimizer family, with settings that keep a short unroll well inside its smooth region.
    static func optimizer(_ index: Int, lr: Double) -> any Optimizer {
        let h = Hyperparameter(lr)
        switch index % 13 {
        case 0: return SGD(lr: h, momentum: 0.9, nesterov: true)
        case 1: return Adam(lr: h, amsgrad: true)
        case 2: return AdamW(lr: h)
        case 3: return Adamax(lr: h)
        case 4: return Adadelta(lr: h)
        case 5: return Adagrad(lr: h)
        case 6: return ASGD(lr: h)
        case 7: return RMSprop(lr: h, momentum: 0.5, centered: true)
        case 8: return Rprop(lr: h)
        case 9: return NAdam(lr: h)
        case 10: return RAdam(lr: h)
        case 11: return Adafactor(lr: h)
        default: return Lion(lr: h)
        }
    }

    struct Problem {
        let model: ProofMLP
        let x, y, xq, yq, weights: Tensor
        let steps: Int
        let family: Int
    }

    static func problem(_ c: ShapeCase) -> Problem {
        var rng = c.generator
        let hidden = 2 + (c.shape.first ?? 1)
        let steps = 1 + Int(rng.next() % 5)
        let n = 6
        return Problem(
            model: ProofMLP(hidden: hidden, using: &rng),
            x: Tensor.uniform([n, 1], low: -2, high: 2, using: &rng),
            y: Tensor.uniform([n, 1], low: -1, high: 1, using: &rng),
            xq: Tensor.uniform([n, 1], low: -2, high: 2, using: &rng),
            yq: Tensor.uniform([n, 1], low: -1, high: 1, using: &rng),
            weights: Tensor.uniform([n, 1], low: 0.5, high: 1.5, using: &rng),
            steps: steps, family: Int(rng.next() % 13))
    }

    /// The unroll; returns the outer loss and (optionally) the meta-gradient.
    static func run<O: Optimizer>(_ optimizer: O, _ p: Problem, initial: Parameters, weights: Tensor, lr: Double,
                                  gradients: Bool, strategy: MetaGradientStrategy = .forwardOverReverse) throws
        -> (Double, Parameters?, Parameters?, Double?) {
        var loop = InnerLoop(model: p.model, optimizer: optimizer, initialParameters: initial,
                             metaParameters: ["weights": weights], strategy: strategy)
        for _ in 0..<p.steps {
            try loop.step { m in ((try m(p.x) - p.y).squared() * m.meta.tensor(at: "weights")).mean() }
        }
        let r = try loop.metaGradient { m in meanSquaredError(predicted: try m(p.xq), target: p.yq) }
        guard gradients else { return (r.outerLoss.item, nil, nil, nil) }
        let lr = Mirror(reflecting: r.hyperparameters!).children.first { $0.label == "lr" }!.value as! Hyperparameter
        return (r.outerLoss.item, r.initialParameters, r.metaParameters, lr.tensor!.item)
    }

    @Test(.proofSeed(0x4D45_5441)) func law() async {
        // Every case checks every family, so no family depends on the draw.
        await proofCheck(count: 3, ranks: 1...1, extents: 1...3, salt: "meta-gradient") { c in
          for family in 0..<13 {
            var p = Self.problem(c)
            p = Problem(model: p.model, x: p.x, y: p.y, xq: p.xq, yq: p.yq, weights: p.weights, steps: p.steps, family: family)
            let lr = p.family % 13 == 4 ? 0.2 : 0.01      // Adadelta's steps are small for its lr
            func outer(_ initial: Parameters, _ weights: Tensor, _ lr: Double, gradients: Bool,
                       strategy: MetaGradientStrategy = .forwardOverReverse) throws
                -> (Double, Parameters?, Parameters?, Double?) {
                func open<O: Optimizer>(_ o: O) throws -> (Double, Parameters?, Parameters?, Double?) {
                    try Self.run(o, p, initial: initial, weights: weights, lr: lr, gradients: gradients, strategy: strategy)
                }
                return try open(Self.optimizer(p.family, lr: lr))
            }
            let strategies: [MetaGradientStrategy] = [.forwardOverReverse, .reverseOverReverse]
            let analytic = try strategies.map { try outer(p.model.parameters, p.weights, lr, gradients: true, strategy: $0) }
            let name = "\(type(of: Self.optimizer(p.family, lr: lr))), K = \(p.steps)"
            let eps = 1e-6
            var rng = c.generator
            // Initial weights: two random entries.
            for _ in 0..<2 {
                let path = p.model.parameters.paths[Int(rng.next() % UInt64(p.model.parameters.count))]
                let t = p.model.parameters.tensor(at: path)
                let i = Int(rng.next() % UInt64(t.count))
                var v = t.scalars
                v[i] += eps
                var plus = p.model.parameters; plus[path] = Tensor(v, shape: t.shape, dtype: .float64)
                v[i] -= 2 * eps
                var minus = p.model.parameters; minus[path] = Tensor(v, shape: t.shape, dtype: .float64)
                let fd = (try outer(plus, p.weights, lr, gradients: false).0 - outer(minus, p.weights, lr, gradients: false).0) / (2 * eps)
                for (strategy, (_, g, _, _)) in zip(strategies, analytic) {
                    let value = g!.tensor(at: path).scalars[i]
                    #expect(abs(value - fd) <= 1e-6 * max(1, abs(fd)), "\(name), \(strategy): d/d \(path)[\(i)] = \(value), differences \(fd)")
                }
            }
            // A meta-parameter entry.
            let j = Int(rng.next() % UInt64(p.weights.count))
            var w = p.weights.scalars
            w[j] += eps
            let wPlus = Tensor(w, shape: p.weights.shape, dtype: .float64)
            w[j] -= 2 * eps
            let wMinus = Tensor(w, shape: p.weights.shape, dtype: .float64)
            let fdMeta = (try outer(p.model.parameters, wPlus, lr, gradients: false).0
                          - outer(p.model.parameters, wMinus, lr, gradients: false).0) / (2 * eps)
            for (strategy, (_, _, gMeta, _)) in zip(strategies, analytic) {
                let value = gMeta!.tensor(at: "weights").scalars[j]
                #expect(abs(value - fdMeta) <= 1e-6 * max(1, abs(fdMeta)), "\(name), \(strategy): d/d weights[\(j)] = \(value), differences \(fdMeta)")
            }
            // The learning rate.
            let h = 1e-7
            let fdLR = (try outer(p.model.parameters, p.weights, lr + h, gradients: false).0
                        - outer(p.model.parameters, p.weights, lr - h, gradients: false).0) / (2 * h)
            for (strategy, (_, _, _, gLR)) in zip(strategies, analytic) {
                #expect(abs(gLR! - fdLR) <= 1e-5 * max(1, abs(fdLR)), "\(name), \(strategy): d/d lr = \(gLR!), differences \(fdLR)")
            }
          }
        }
    }
}

/// A 1-h-h-1 ReLU MLP as a struct model, for the inner-loop laws.
struct ProofMLP: FunctionalModel {
    var parameters: Parameters
    init(hidden: Int, using rng: inout RandomGenerator) {
        var pairs = [(String, Tensor)]()
        for (i, (fanIn, fanOut)) in [(1, hidden), (hidden, hidden), (hidden, 1)].enumerated() {
            let bound = 1 / Double(fanIn).squareRoot()
            pairs.append(("w\(i)", Tensor.uniform([fanOut, fanIn], low: -bound, high: bound, using: &rng)))
            pairs.append(("b\(i)", Tensor.uniform([fanOut], low: -bound, high: bound, using: &rng)))
        }
        parameters = Parameters(pairs)
    }
    func apply(_ x: Tensor, parameters p: Parameters, buffers: Parameters) throws -> (output: Tensor, buffers: Parameters) {
        var h = x
        for i in 0..<3 {
            h = matmul(h, p.tensor(at: "w\(i)"), transposeB: true) + p.tensor(at: "b\(i)")
            if i < 2 { h = relu(h) }
        }
        return (h, buffers)
    }
}
