import Higher

/// The workloads of `Benchmarks/peers/maml_common.py`, with the same shapes and settings.
enum Workload: String, CaseIterable {
    case mlpT8K5 = "mlp_t8_k5", mlpT32K5 = "mlp_t32_k5", mlpT8K50 = "mlp_t8_k50"
    case cnnT8K5 = "cnn_t8_k5", hyperK100 = "hyper_k100"

    var tasks: Int { self == .mlpT32K5 ? 32 : (self == .hyperK100 ? 1 : 8) }
    var steps: Int { self == .mlpT8K50 ? 50 : (self == .hyperK100 ? 100 : 5) }
    var innerLR: Double { self == .cnnT8K5 ? 0.4 : 0.01 }
    var isCNN: Bool { self == .cnnT8K5 }
}

/// 1-40-40-1 ReLU MLP.
final class SineMLP: Module, @unchecked Sendable {
    let fc1: Linear, fc2: Linear, fc3: Linear
    init(using rng: inout RandomGenerator) {
        fc1 = Linear(1, 40, dtype: .float32, using: &rng)
        fc2 = Linear(40, 40, dtype: .float32, using: &rng)
        fc3 = Linear(40, 1, dtype: .float32, using: &rng)
    }
    func callAsFunction(_ x: Tensor) -> Tensor { fc3(relu(fc2(relu(fc1(x))))) }
}

/// 4 × [conv 3×3, 64, padding 1 + BatchNorm (batch statistics) + ReLU + maxpool 2], Linear(64, 5).
final class FewShotCNN: Module, @unchecked Sendable {
    let body: Sequential
    let head: Linear
    init(using rng: inout RandomGenerator) {
        var layers: [any Module<Tensor, Tensor>] = []
        for i in 0..<4 {
            layers.append(Conv2d(i == 0 ? 1 : 64, 64, kernelSize: 3, padding: 1, dtype: .float32, using: &rng))
            layers.append(BatchNorm2d(64, trackRunningStats: false, dtype: .float32))
            layers.append(ReLU())
            layers.append(MaxPool2d(kernelSize: 2))
        }
        layers.append(Flatten())
        body = Sequential(layers)
        head = Linear(64, 5, dtype: .float32, using: &rng)
    }
    func callAsFunction(_ x: Tensor) -> Tensor { head(body(x)) }
}

/// One meta-batch of data, task axis first.
struct MetaBatch: Sendable {
    let supportX, supportY, queryX, queryY: Tensor    // CNN labels as one-hot [T, N, 5]

    /// The number of tasks (the leading axis).
    var taskCount: Int { supportX.shape[0] }

    /// The tasks in `range`, as a batch of their own.
    func tasks(_ range: Range<Int>) -> MetaBatch {
        MetaBatch(supportX: supportX[range], supportY: supportY[range], queryX: queryX[range], queryY: queryY[range])
    }

    init(supportX: Tensor, supportY: Tensor, queryX: Tensor, queryY: Tensor) {
        (self.supportX, self.supportY, self.queryX, self.queryY) = (supportX, supportY, queryX, queryY)
    }

    init(_ w: Workload, using rng: inout RandomGenerator) {
        let t = w.tasks
        if w.isCNN {
            func split(_ perClass: Int) -> (Tensor, Tensor) {
                let n = 5 * perClass
                let x = Tensor.normal([t, n, 1, 28, 28], dtype: .float32, using: &rng)
                var onehot = [Double](repeating: 0, count: t * n * 5)
                for task in 0..<t { for i in 0..<n { onehot[(task * n + i) * 5 + i % 5] = 1 } }
                return (x, Tensor(onehot, shape: [t, n, 5], dtype: .float32))
            }
            (supportX, supportY) = split(5)
            (queryX, queryY) = split(15)
        } else {
            var xs = [Double](), ys = [Double]()
            for _ in 0..<t {
                let a = 0.1 + 4.9 * rng.nextUniform(), phase = Double.pi * rng.nextUniform()
                for _ in 0..<10 {
                    let x = -5 + 10 * rng.nextUniform()
                    xs.append(x)
                    ys.append(a * benchSin(x + phase))
                }
            }
            supportX = Tensor(xs, shape: [t, 10, 1], dtype: .float32)
            supportY = Tensor(ys, shape: [t, 10, 1], dtype: .float32)
            queryX = supportX
            queryY = supportY
        }
    }
}

/// Per-task losses of task-stacked outputs, summed over the tasks.
func taskLoss(_ out: Tensor, _ target: Tensor, cnn: Bool) -> Tensor {
    if cnn {
        let n = Double(out.shape[1])
        return -(target * out.logSoftmax(alongAxis: -1)).sum() / n
    }
    // Every task has the same number of points, so the sum of the per-task means is T
    // times the mean over all of them.
    return meanSquaredError(predicted: out, target: target) * Double(out.shape[0])
}

/// sin without Foundation (data only).
func benchSin(_ x: Double) -> Double {
    let r = x.truncatingRemainder(dividingBy: 2 * Double.pi)
    var s = 0.0, term = r
    for k in 0..<25 { s += term; term *= -r * r / Double((2 * k + 2) * (2 * k + 3)) }
    return s
}
