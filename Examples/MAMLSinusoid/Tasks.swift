import Foundation
import Higher

/// One regression task of the sinusoid benchmark (Finn et al. 2017): `y = A·sin(x + φ)`,
/// with a support set to adapt on and a query set to measure the adapted model on.
///
/// Inputs and targets are `[n, 1]` tensors in the distribution's dtype.
///
/// ```swift
/// var rng = RandomGenerator(seed: 1)
/// let task = SinusoidTaskDistribution().sample(using: &rng)
/// print(task.amplitude, task.phase, task.supportX.shape)   // … [10, 1]
/// ```
public struct SinusoidTask: Sendable {
    /// The amplitude `A`.
    public let amplitude: Double
    /// The phase `φ`.
    public let phase: Double
    /// The support inputs, `[K, 1]`.
    public let supportX: Tensor
    /// The support targets, `[K, 1]`.
    public let supportY: Tensor
    /// The query inputs, `[Q, 1]`.
    public let queryX: Tensor
    /// The query targets, `[Q, 1]`.
    public let queryY: Tensor

    /// A task from its parameters and its sets.
    ///
    /// ```swift
    /// let x = Tensor([[0.0], [1.5]]), y = Tensor([[0.0], [0.997]])
    /// let task = SinusoidTask(amplitude: 1, phase: 0, supportX: x, supportY: y, queryX: x, queryY: y)
    /// ```
    public init(amplitude: Double, phase: Double, supportX: Tensor, supportY: Tensor, queryX: Tensor, queryY: Tensor) {
        precondition(supportX.shape == supportY.shape && queryX.shape == queryY.shape,
                     "SinusoidTask: support \(supportX.shape) → \(supportY.shape), query \(queryX.shape) → \(queryY.shape) must pair up")
        self.amplitude = amplitude
        self.phase = phase
        self.supportX = supportX
        self.supportY = supportY
        self.queryX = queryX
        self.queryY = queryY
    }

    /// The true curve `A·sin(x + φ)` at `x`.
    ///
    /// ```swift
    /// let y = task.value(at: 0.5)
    /// ```
    public func value(at x: Double) -> Double {
        amplitude * sin(x + phase)
    }
}

/// The distribution of sinusoid tasks: amplitude, phase and inputs uniform in their
/// ranges, a fixed number of support and query points. The defaults are the paper's:
/// `A ∈ [0.1, 5]`, `φ ∈ [0, π]`, `x ∈ [−5, 5]`, 10 support and 10 query points, here in
/// Float32.
///
/// ```swift
/// let tasks = SinusoidTaskDistribution().batch(25, using: RandomGenerator(seed: 3))
/// ```
public struct SinusoidTaskDistribution: Sendable {
    /// The range of `A`.
    public var amplitudes: ClosedRange<Double>
    /// The range of `φ`.
    public var phases: ClosedRange<Double>
    /// The range of `x`.
    public var inputs: ClosedRange<Double>
    /// Points per support set.
    public var supportCount: Int
    /// Points per query set.
    public var queryCount: Int
    /// The dtype of the tensors.
    public var dtype: DType

    /// A distribution; every argument has the paper's value by default.
    ///
    /// ```swift
    /// let wide = SinusoidTaskDistribution(supportCount: 5, dtype: .float64)
    /// ```
    public init(amplitudes: ClosedRange<Double> = 0.1...5, phases: ClosedRange<Double> = 0...Double.pi,
                inputs: ClosedRange<Double> = -5...5, supportCount: Int = 10, queryCount: Int = 10,
                dtype: DType = .float32) {
        precondition(supportCount > 0 && queryCount > 0,
                     "SinusoidTaskDistribution: support (\(supportCount)) and query (\(queryCount)) counts must be positive")
        self.amplitudes = amplitudes
        self.phases = phases
        self.inputs = inputs
        self.supportCount = supportCount
        self.queryCount = queryCount
        self.dtype = dtype
    }

    /// One task drawn from `generator`.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// let task = SinusoidTaskDistribution().sample(using: &rng)
    /// ```
    public func sample(using generator: inout RandomGenerator) -> SinusoidTask {
        func uniform(_ range: ClosedRange<Double>) -> Double {
            range.lowerBound + (range.upperBound - range.lowerBound) * generator.nextUniform()
        }
        let amplitude = uniform(amplitudes), phase = uniform(phases)
        func points(_ n: Int) -> (Tensor, Tensor) {
            let xs = (0..<n).map { _ in uniform(inputs) }
            let ys = xs.map { amplitude * sin($0 + phase) }
            return (Tensor(xs, shape: [n, 1], dtype: dtype), Tensor(ys, shape: [n, 1], dtype: dtype))
        }
        let (sx, sy) = points(supportCount)
        let (qx, qy) = points(queryCount)
        return SinusoidTask(amplitude: amplitude, phase: phase, supportX: sx, supportY: sy, queryX: qx, queryY: qy)
    }

    /// `count` tasks, task `i` drawn from `generator.fork(i)`: the same generator always
    /// gives the same batch, whatever order the tasks are used in.
    ///
    /// ```swift
    /// let heldOut = SinusoidTaskDistribution().batch(100, using: RandomGenerator(seed: 2017))
    /// ```
    public func batch(_ count: Int, using generator: RandomGenerator) -> [SinusoidTask] {
        (0..<count).map { i in
            var child = generator.fork(i)
            return sample(using: &child)
        }
    }
}
