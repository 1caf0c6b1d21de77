import Foundation
import Testing
@testable import Higher

// Shared by the optimizer tests: the fixture problem (MLP 2-5-3-1, tanh, MSE), a
// factory from torch.optim names and options to Higher optimizers, unrolling helpers
// and comparisons.

/// The fixtures' parameter names, in torch's `parameters()` order.
let optimParamNames = ["W1", "b1", "W2", "b2", "W3", "b3"]

/// `h1 = tanh(x W1ᵀ + b1); h2 = tanh(h1 W2ᵀ + b2); out = h2 W3ᵀ + b3`.
func optimMLP(_ p: Parameters, _ x: Tensor) -> Tensor {
    let h1 = tanh(matmul(x, p.tensor(at: "W1"), transposeB: true) + p.tensor(at: "b1"))
    let h2 = tanh(matmul(h1, p.tensor(at: "W2"), transposeB: true) + p.tensor(at: "b2"))
    return matmul(h2, p.tensor(at: "W3"), transposeB: true) + p.tensor(at: "b3")
}

/// Mean squared error of the MLP on `(x, y)`.
func optimLoss(_ p: Parameters, _ x: Tensor, _ y: Tensor) -> Tensor {
    meanSquaredError(predicted: optimMLP(p, x), target: y)
}

/// A nested JSON list of numbers as a tensor (a flat list is a vector).
func optimTensor(_ json: Any) -> Tensor {
    if let rows = json as? [[Double]] { return Tensor(rows) }
    if let values = json as? [Double] { return Tensor(values) }
    if let value = json as? Double { return Tensor(value) }
    preconditionFailure("optimTensor: not a list of numbers: \(json)")
}

/// A fixture-style parameter object (`{"W1": [[…]], …}`) as a tree in torch's order.
func optimParameters(_ json: Any) -> Parameters {
    let object = json as! [String: Any]
    return Parameters(optimParamNames.map { ($0, optimTensor(object[$0]!)) })
}

/// Reads a JSON file as a dictionary.
func optimJSON(_ url: URL) throws -> [String: Any] {
    let data = try Data(contentsOf: url)
    return try JSONSerialization.jsonObject(with: data) as! [String: Any]
}

/// This test folder's `../Reference` directory.
let optimReferenceDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Reference")

/// The shared fixtures: the repository's sibling folder `shared/fixtures`.
let optimFixturesDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().appendingPathComponent("../../../../shared/fixtures").standardized

/// Every scalar of a tree, in path order.
func optimFlat(_ p: Parameters) -> [Double] { p.tensors.flatMap(\.scalars) }

/// The largest absolute difference between two equally long lists (∞ on a length
/// mismatch or NaN).
func optimMaxDifference(_ a: [Double], _ b: [Double]) -> Double {
    guard a.count == b.count else { return .infinity }
    var worst = 0.0
    for (x, y) in zip(a, b) {
        let d = abs(x - y)
        if d.isNaN { return .infinity }
        worst = max(worst, d)
    }
    return worst
}

// MARK: - Options in torch's names

/// A torch.optim option list (`{"lr": 0.1, "betas": [0.9, 0.999], …}`).
struct OptimOptions {
    var values: [String: Any]

    func double(_ key: String, _ fallback: Double) -> Double {
        (values[key] as? Double) ?? (values[key] as? Int).map(Double.init) ?? fallback
    }
    func bool(_ key: String) -> Bool { (values[key] as? Bool) ?? false }
    func pair(_ key: String, _ fallback: (Double, Double)) -> (Double, Double) {
        guard let list = values[key] as? [Any] else { return fallback }
        return ((list[0] as? Double) ?? fallback.0, (list[1] as? Double) ?? fallback.1)
    }
    func hp(_ key: String, _ fallback: Double) -> Hyperparameter { Hyperparameter(double(key, fallback)) }
    func hpPair(_ key: String, _ fallback: (Double, Double)) -> (Hyperparameter, Hyperparameter) {
        let p = pair(key, fallback)
        return (Hyperparameter(p.0), Hyperparameter(p.1))
    }

    /// These options overridden by `other`'s.
    func merging(_ other: [String: Any]) -> OptimOptions {
        OptimOptions(values: values.merging(other) { _, new in new })
    }
}

/// The Higher optimizer for a torch.optim class name (or "Lion") and options.
func optimMake(_ name: String, _ o: OptimOptions) -> any Optimizer {
    switch name {
    case "SGD":
        return SGD(lr: o.hp("lr", 1e-3), momentum: o.hp("momentum", 0), dampening: o.hp("dampening", 0),
                   weightDecay: o.hp("weight_decay", 0), nesterov: o.bool("nesterov"), maximize: o.bool("maximize"))
    case "Adam":
        return Adam(lr: o.hp("lr", 1e-3), betas: o.hpPair("betas", (0.9, 0.999)), eps: o.hp("eps", 1e-8),
                    weightDecay: o.hp("weight_decay", 0), amsgrad: o.bool("amsgrad"), maximize: o.bool("maximize"),
                    decoupledWeightDecay: o.bool("decoupled_weight_decay"))
    case "AdamW":
        return AdamW(lr: o.hp("lr", 1e-3), betas: o.hpPair("betas", (0.9, 0.999)), eps: o.hp("eps", 1e-8),
                     weightDecay: o.hp("weight_decay", 1e-2), amsgrad: o.bool("amsgrad"), maximize: o.bool("maximize"))
    case "Adamax":
        return Adamax(lr: o.hp("lr", 2e-3), betas: o.hpPair("betas", (0.9, 0.999)), eps: o.hp("eps", 1e-8),
                      weightDecay: o.hp("weight_decay", 0), maximize: o.bool("maximize"))
    case "Adadelta":
        return Adadelta(lr: o.hp("lr", 1), rho: o.hp("rho", 0.9), eps: o.hp("eps", 1e-6),
                        weightDecay: o.hp("weight_decay", 0), maximize: o.bool("maximize"))
    case "Adagrad":
        return Adagrad(lr: o.hp("lr", 1e-2), lrDecay: o.hp("lr_decay", 0), weightDecay: o.hp("weight_decay", 0),
                       initialAccumulatorValue: o.hp("initial_accumulator_value", 0), eps: o.hp("eps", 1e-10),
                       maximize: o.bool("maximize"))
    case "ASGD":
        return ASGD(lr: o.hp("lr", 1e-2), lambd: o.hp("lambd", 1e-4), alpha: o.hp("alpha", 0.75),
                    t0: o.double("t0", 1e6), weightDecay: o.hp("weight_decay", 0), maximize: o.bool("maximize"))
    case "RMSprop":
        return RMSprop(lr: o.hp("lr", 1e-2), alpha: o.hp("alpha", 0.99), eps: o.hp("eps", 1e-8),
                       weightDecay: o.hp("weight_decay", 0), momentum: o.hp("momentum", 0),
                       centered: o.bool("centered"), maximize: o.bool("maximize"))
    case "Rprop":
        return Rprop(lr: o.hp("lr", 1e-2), etas: o.hpPair("etas", (0.5, 1.2)), stepSizes: o.hpPair("step_sizes", (1e-6, 50)),
                     maximize: o.bool("maximize"))
    case "NAdam":
        return NAdam(lr: o.hp("lr", 2e-3), betas: o.hpPair("betas", (0.9, 0.999)), eps: o.hp("eps", 1e-8),
                     weightDecay: o.hp("weight_decay", 0), momentumDecay: o.hp("momentum_decay", 4e-3),
                     decoupledWeightDecay: o.bool("decoupled_weight_decay"), maximize: o.bool("maximize"))
    case "RAdam":
        return RAdam(lr: o.hp("lr", 1e-3), betas: o.hpPair("betas", (0.9, 0.999)), eps: o.hp("eps", 1e-8),
                     weightDecay: o.hp("weight_decay", 0), decoupledWeightDecay: o.bool("decoupled_weight_decay"),
                     maximize: o.bool("maximize"))
    case "Adafactor":
        var eps1: Hyperparameter? = nil
        var eps2: Hyperparameter = 1e-3
        if let list = o.values["eps"] as? [Any] {
            if let e = list[0] as? Double { eps1 = Hyperparameter(e) }
            if let e = list[1] as? Double { eps2 = Hyperparameter(e) }
        }
        return Adafactor(lr: o.hp("lr", 1e-2), beta2Decay: o.hp("beta2_decay", -0.8), eps: (eps1, eps2),
                         d: o.hp("d", 1), weightDecay: o.hp("weight_decay", 0), maximize: o.bool("maximize"))
    case "Lion":
        return Lion(lr: o.hp("lr", 1e-4), betas: o.hpPair("betas", (0.9, 0.99)), weightDecay: o.hp("weight_decay", 0),
                    maximize: o.bool("maximize"))
    default:
        preconditionFailure("optimMake: no optimizer named \(name)")
    }
}

/// `hyper` with its learning rate replaced (every family's settings have one).
func optimWithLearningRate<H>(_ hyper: H, _ lr: Hyperparameter) -> H {
    guard var settings = hyper as? any LearningRateHyper else { preconditionFailure("no learning rate in \(H.self)") }
    settings.lr = lr
    return settings as! H
}

/// K steps of `opt` from `start` on `loss`, with `hyper`: every parameter tree along the
/// way (after each step) and the final state.
func optimUnroll<O: Optimizer>(
    _ opt: O, _ hyper: O.Hyper, from start: Parameters, steps: Int, loss: (Parameters) -> Tensor
) throws -> (trajectory: [Parameters], state: O.State) {
    var p = start
    var s = opt.initialState(for: start)
    var trajectory = [Parameters]()
    for _ in 0..<steps {
        let g = gradient(at: p, of: loss)
        (s, p) = try opt.step(s, p, g, hyper)
        trajectory.append(p)
    }
    return (trajectory, s)
}

/// A state's tensors under torch's state names, flattened in parameter order.
func optimStateRecord(_ state: Any) -> [String: [Double]] {
    func flat(_ p: Parameters?) -> [Double]? { p.map(optimFlat) }
    var out = [String: [Double]?]()
    switch state {
    case let s as SGD.State: out["momentum_buffer"] = flat(s.momentumBuffer)
    case let s as Adam.State:
        out = ["exp_avg": flat(s.expAvg), "exp_avg_sq": flat(s.expAvgSq), "max_exp_avg_sq": flat(s.maxExpAvgSq)]
    case let s as Adamax.State: out = ["exp_avg": flat(s.expAvg), "exp_inf": flat(s.expInf)]
    case let s as Adadelta.State: out = ["square_avg": flat(s.squareAvg), "acc_delta": flat(s.accDelta)]
    case let s as Adagrad.State: out = ["sum": flat(s.sum)]
    case let s as ASGD.State: out = ["ax": flat(s.ax)]
    case let s as RMSprop.State:
        out = ["square_avg": flat(s.squareAvg), "grad_avg": flat(s.gradAvg), "momentum_buffer": flat(s.momentumBuffer)]
    case let s as Rprop.State: out = ["prev": flat(s.prev), "step_size": flat(s.stepSize)]
    case let s as NAdam.State:
        out = ["exp_avg": flat(s.expAvg), "exp_avg_sq": flat(s.expAvgSq), "mu_product": flat(s.muProduct)]
    case let s as RAdam.State: out = ["exp_avg": flat(s.expAvg), "exp_avg_sq": flat(s.expAvgSq)]
    case let s as Adafactor.State:
        out = ["row_var": flat(s.rowVar), "col_var": flat(s.colVar), "variance": flat(s.variance)]
    case let s as Lion.State: out = ["exp_avg": flat(s.expAvg)]
    default: break
    }
    return out.compactMapValues { $0 }
}

/// The step count a state carries, for the families that keep one.
func optimStateStep(_ state: Any) -> Int? {
    switch state {
    case let s as SGD.State: return s.step
    case let s as Adam.State: return s.step
    case let s as Adamax.State: return s.step
    case let s as Adadelta.State: return s.step
    case let s as Adagrad.State: return s.step
    case let s as ASGD.State: return s.step
    case let s as RMSprop.State: return s.step
    case let s as Rprop.State: return s.step
    case let s as NAdam.State: return s.step
    case let s as RAdam.State: return s.step
    case let s as Adafactor.State: return s.step
    case let s as Lion.State: return s.step
    default: return nil
    }
}

/// Central finite difference of a scalar function of one number.
func optimFD(_ x: Double, _ h: Double = 1e-6, _ f: (Double) throws -> Double) rethrows -> Double {
    (try f(x + h) - f(x - h)) / (2 * h)
}
