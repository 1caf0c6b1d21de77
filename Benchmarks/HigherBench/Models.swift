import Higher

/// The 1-40-40-1 ReLU MLP as a module.
final class BenchMLP: Module, @unchecked Sendable {
    let fc1: Linear, fc2: Linear, fc3: Linear
    init(dtype: DType = .float32) {
        var rng = RandomGenerator(seed: 0)
        fc1 = Linear(1, 40, dtype: dtype, using: &rng)
        fc2 = Linear(40, 40, dtype: dtype, using: &rng)
        fc3 = Linear(40, 1, dtype: dtype, using: &rng)
    }
    func callAsFunction(_ x: Tensor) -> Tensor { fc3(relu(fc2(relu(fc1(x))))) }
}

/// 4 × [conv 3×3, 64 channels, padding 1 + BatchNorm + ReLU + maxpool 2], then Linear(64, 5).
final class BenchCNN: Module, @unchecked Sendable {
    let body: Sequential
    let head: Linear
    init(dtype: DType = .float32) {
        var rng = RandomGenerator(seed: 1)
        var layers: [any Module<Tensor, Tensor>] = []
        for i in 0..<4 {
            layers.append(Conv2d(i == 0 ? 1 : 64, 64, kernelSize: 3, padding: 1, dtype: dtype, using: &rng))
            layers.append(BatchNorm2d(64, dtype: dtype))
            layers.append(ReLU())
            layers.append(MaxPool2d(kernelSize: 2))
        }
        layers.append(Flatten())
        body = Sequential(layers)
        head = Linear(64, 5, dtype: dtype, using: &rng)
    }
    func callAsFunction(_ x: Tensor) -> Tensor { head(body(x)) }
}

/// A module with ResNet-18's parameters and buffers (11.7M parameters in 62 tensors,
/// batch-norm statistics), for timing reflection; its forward pass is not used.
final class ResNet18Shape: Module, @unchecked Sendable {
    final class Block: Module, @unchecked Sendable {
        let conv1: Conv2d, bn1: BatchNorm2d, conv2: Conv2d, bn2: BatchNorm2d
        let downsample: Sequential?
        init(_ cin: Int, _ cout: Int, stride: Int, using rng: inout RandomGenerator) {
            conv1 = Conv2d(cin, cout, kernelSize: 3, stride: Size2D(stride), padding: 1, bias: false, dtype: .float32, using: &rng)
            bn1 = BatchNorm2d(cout, dtype: .float32)
            conv2 = Conv2d(cout, cout, kernelSize: 3, padding: 1, bias: false, dtype: .float32, using: &rng)
            bn2 = BatchNorm2d(cout, dtype: .float32)
            downsample = stride == 1 && cin == cout ? nil : Sequential([
                Conv2d(cin, cout, kernelSize: 1, stride: Size2D(stride), bias: false, dtype: .float32, using: &rng),
                BatchNorm2d(cout, dtype: .float32),
            ])
        }
        func callAsFunction(_ x: Tensor) -> Tensor { x }
    }
    let conv1: Conv2d, bn1: BatchNorm2d
    let layers: [[Block]]
    let fc: Linear
    init() {
        var rng = RandomGenerator(seed: 2)
        conv1 = Conv2d(3, 64, kernelSize: 7, stride: 2, padding: 3, bias: false, dtype: .float32, using: &rng)
        bn1 = BatchNorm2d(64, dtype: .float32)
        var stages: [[Block]] = []
        var cin = 64
        for (i, cout) in [64, 128, 256, 512].enumerated() {
            stages.append([Block(cin, cout, stride: i == 0 ? 1 : 2, using: &rng), Block(cout, cout, stride: 1, using: &rng)])
            cin = cout
        }
        layers = stages
        fc = Linear(512, 1000, dtype: .float32, using: &rng)
    }
    func callAsFunction(_ x: Tensor) -> Tensor { x }
}
