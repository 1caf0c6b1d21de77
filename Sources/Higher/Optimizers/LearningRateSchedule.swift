#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A learning rate as a pure function of the step count, differentiable in the
/// schedule's own settings (its leaves: the initial rate, the decay factor…).
///
/// `value(atStep: s)` is the rate for the step taken after `s` steps: `s = 0` for the
/// first step. That is the rate a `torch.optim.lr_scheduler` reports after `s` calls to
/// `scheduler.step()` (one per optimizer step). Use a schedule through
/// ``Optimizer/scheduled(by:)`` or ``Scheduled``.
///
/// ```swift
/// let schedule = CosineSchedule(initial: 0.1, minimum: 0.001, period: 100)
/// let lr = schedule.value(atStep: 50).item      // ≈ 0.0505
/// let opt = SGD(lr: 0.1).scheduled(by: schedule)
/// ```
public protocol LearningRateSchedule: DifferentiableTree, Sendable {
    /// The learning rate after `step` steps (a one-element tensor).
    func value(atStep step: Int) -> Tensor
}

/// The tensor of a shared, one-element setting (schedules use scalar settings only).
func scheduleScalar(_ h: Hyperparameter, _ schedule: String, _ name: String) -> Tensor {
    guard let t = h.tensor, t.count == 1 else {
        preconditionFailure("\(schedule): \(name) must be one number or a one-element tensor, not \(h)")
    }
    return t
}

/// A constant learning rate.
///
/// ```swift
/// ConstantSchedule(0.01).value(atStep: 1000).item     // 0.01
/// ```
public struct ConstantSchedule: LearningRateSchedule {
    /// The learning rate.
    ///
    /// ```swift
    /// ConstantSchedule(0.01).rate.values     // [0.01]
    /// ```
    public var rate: Hyperparameter

    /// The rate `rate` at every step.
    ///
    /// ```swift
    /// let s = ConstantSchedule(Hyperparameter(learned))
    /// ```
    public init(_ rate: Hyperparameter) {
        _ = scheduleScalar(rate, "ConstantSchedule", "rate")
        self.rate = rate
    }

    /// The rate after `step` steps.
    ///
    /// ```swift
    /// let lr = schedule.value(atStep: 10).item
    /// ```
    public func value(atStep step: Int) -> Tensor { scheduleScalar(rate, "ConstantSchedule", "rate") }

    /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
    ///
    /// ```swift
    /// let count = value.leaves.count
    /// ```
    public var leaves: [Tensor] { rate.leaves }

    /// The same value with every tensor transformed, in the order of ``leaves``.
    ///
    /// ```swift
    /// let doubled = value.mapLeaves { $0 * 2 }
    /// ```
    public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> ConstantSchedule {
        ConstantSchedule(try rate.mapLeaves(transform))
    }
}

/// Decay by `gamma` every `stepSize` steps: `initial · gamma^⌊s / stepSize⌋`
/// (`torch.optim.lr_scheduler.StepLR`).
///
/// ```swift
/// let s = StepSchedule(initial: 0.1, stepSize: 30, gamma: 0.1)
/// s.value(atStep: 30).item     // 0.01
/// ```
public struct StepSchedule: LearningRateSchedule {
    /// The rate at step 0.
    ///
    /// ```swift
    /// StepSchedule(initial: 0.1, stepSize: 30).initial.values     // [0.1]
    /// ```
    public var initial: Hyperparameter
    /// The decay factor.
    ///
    /// ```swift
    /// StepSchedule(initial: 0.1, stepSize: 30, gamma: 0.5).gamma.values     // [0.5]
    /// ```
    public var gamma: Hyperparameter
    /// The number of steps between decays.
    ///
    /// ```swift
    /// StepSchedule(initial: 0.1, stepSize: 30).stepSize     // 30
    /// ```
    public var stepSize: Int

    /// A step decay; stops unless `stepSize > 0`.
    ///
    /// ```swift
    /// let s = StepSchedule(initial: 0.1, stepSize: 10, gamma: 0.5)
    /// ```
    public init(initial: Hyperparameter, stepSize: Int, gamma: Hyperparameter = 0.1) {
        precondition(stepSize > 0, "StepSchedule: stepSize must be positive, not \(stepSize)")
        _ = scheduleScalar(initial, "StepSchedule", "initial")
        _ = scheduleScalar(gamma, "StepSchedule", "gamma")
        self.initial = initial
        self.gamma = gamma
        self.stepSize = stepSize
    }

    /// The rate after `step` steps.
    ///
    /// ```swift
    /// let lr = schedule.value(atStep: 10).item
    /// ```
    public func value(atStep step: Int) -> Tensor {
        let base = scheduleScalar(initial, "StepSchedule", "initial")
        let decays = Swift.max(step, 0) / stepSize
        return decays == 0 ? base : base * scheduleScalar(gamma, "StepSchedule", "gamma").pow(Double(decays))
    }

    /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
    ///
    /// ```swift
    /// let count = value.leaves.count
    /// ```
    public var leaves: [Tensor] { initial.leaves + gamma.leaves }

    /// The same value with every tensor transformed, in the order of ``leaves``.
    ///
    /// ```swift
    /// let doubled = value.mapLeaves { $0 * 2 }
    /// ```
    public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> StepSchedule {
        StepSchedule(initial: try initial.mapLeaves(transform), stepSize: stepSize, gamma: try gamma.mapLeaves(transform))
    }
}

/// Exponential decay: `initial · gammaˢ` (`torch.optim.lr_scheduler.ExponentialLR`).
///
/// ```swift
/// let s = ExponentialSchedule(initial: 0.1, gamma: 0.9)
/// s.value(atStep: 2).item     // 0.081
/// ```
public struct ExponentialSchedule: LearningRateSchedule {
    /// The rate at step 0.
    ///
    /// ```swift
    /// ExponentialSchedule(initial: 0.1, gamma: 0.9).initial.values     // [0.1]
    /// ```
    public var initial: Hyperparameter
    /// The decay factor.
    ///
    /// ```swift
    /// ExponentialSchedule(initial: 0.1, gamma: 0.9).gamma.values     // [0.9]
    /// ```
    public var gamma: Hyperparameter

    /// An exponential decay.
    ///
    /// ```swift
    /// let s = ExponentialSchedule(initial: Hyperparameter(lr0), gamma: Hyperparameter(decay))
    /// ```
    public init(initial: Hyperparameter, gamma: Hyperparameter) {
        _ = scheduleScalar(initial, "ExponentialSchedule", "initial")
        _ = scheduleScalar(gamma, "ExponentialSchedule", "gamma")
        self.initial = initial
        self.gamma = gamma
    }

    /// The rate after `step` steps.
    ///
    /// ```swift
    /// let lr = schedule.value(atStep: 10).item
    /// ```
    public func value(atStep step: Int) -> Tensor {
        let base = scheduleScalar(initial, "ExponentialSchedule", "initial")
        if step <= 0 { return base }
        return base * scheduleScalar(gamma, "ExponentialSchedule", "gamma").pow(Double(step))
    }

    /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
    ///
    /// ```swift
    /// let count = value.leaves.count
    /// ```
    public var leaves: [Tensor] { initial.leaves + gamma.leaves }

    /// The same value with every tensor transformed, in the order of ``leaves``.
    ///
    /// ```swift
    /// let doubled = value.mapLeaves { $0 * 2 }
    /// ```
    public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> ExponentialSchedule {
        ExponentialSchedule(initial: try initial.mapLeaves(transform), gamma: try gamma.mapLeaves(transform))
    }
}

/// Cosine annealing from `initial` to `minimum` over `period` steps:
/// `minimum + (initial − minimum)·(1 + cos(π·s/period))/2`, then `minimum` for every
/// later step (`torch.optim.lr_scheduler.CosineAnnealingLR` within its first period;
/// torch's rate rises again after it).
///
/// ```swift
/// let s = CosineSchedule(initial: 0.1, minimum: 0, period: 100)
/// s.value(atStep: 100).item     // 0
/// ```
public struct CosineSchedule: LearningRateSchedule {
    /// The rate at step 0.
    ///
    /// ```swift
    /// CosineSchedule(initial: 0.1, period: 100).initial.values     // [0.1]
    /// ```
    public var initial: Hyperparameter
    /// The rate at the end of the period.
    ///
    /// ```swift
    /// CosineSchedule(initial: 0.1, period: 100).minimum.values     // [0.0]
    /// ```
    public var minimum: Hyperparameter
    /// The number of steps from `initial` to `minimum`.
    ///
    /// ```swift
    /// CosineSchedule(initial: 0.1, period: 100).period     // 100
    /// ```
    public var period: Int

    /// A cosine decay; stops unless `period > 0`.
    ///
    /// ```swift
    /// let s = CosineSchedule(initial: 0.1, period: 1000)
    /// ```
    public init(initial: Hyperparameter, minimum: Hyperparameter = 0, period: Int) {
        precondition(period > 0, "CosineSchedule: period must be positive, not \(period)")
        _ = scheduleScalar(initial, "CosineSchedule", "initial")
        _ = scheduleScalar(minimum, "CosineSchedule", "minimum")
        self.initial = initial
        self.minimum = minimum
        self.period = period
    }

    /// The rate after `step` steps.
    ///
    /// ```swift
    /// let lr = schedule.value(atStep: 10).item
    /// ```
    public func value(atStep step: Int) -> Tensor {
        let high = scheduleScalar(initial, "CosineSchedule", "initial")
        let low = scheduleScalar(minimum, "CosineSchedule", "minimum").cast(to: high.dtype)
        let s = Swift.min(Swift.max(step, 0), period)
        return low + (high - low) * (1 + cos(Double.pi * Double(s) / Double(period))) / 2
    }

    /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
    ///
    /// ```swift
    /// let count = value.leaves.count
    /// ```
    public var leaves: [Tensor] { initial.leaves + minimum.leaves }

    /// The same value with every tensor transformed, in the order of ``leaves``.
    ///
    /// ```swift
    /// let doubled = value.mapLeaves { $0 * 2 }
    /// ```
    public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> CosineSchedule {
        CosineSchedule(initial: try initial.mapLeaves(transform), minimum: try minimum.mapLeaves(transform), period: period)
    }
}

/// Linear warmup in front of another schedule: the base rate scaled by a factor that
/// rises linearly from `startFactor` to 1 over `steps` steps, then 1
/// (`torch.optim.lr_scheduler.LinearLR` with `end_factor = 1` on a constant base).
///
/// ```swift
/// let s = LinearWarmup(CosineSchedule(initial: 0.1, period: 1000), steps: 100)
/// s.value(atStep: 0).item     // 0 with the default startFactor 0
/// ```
public struct LinearWarmup<Base: LearningRateSchedule>: LearningRateSchedule {
    /// The schedule whose rate the warmup scales.
    ///
    /// ```swift
    /// LinearWarmup(ConstantSchedule(0.1), steps: 10).base.rate.values     // [0.1]
    /// ```
    public var base: Base
    /// The fraction of the base rate at step 0.
    ///
    /// ```swift
    /// LinearWarmup(ConstantSchedule(0.1), steps: 10).startFactor.values     // [0.0]
    /// ```
    public var startFactor: Hyperparameter
    /// The length of the warmup.
    ///
    /// ```swift
    /// LinearWarmup(ConstantSchedule(0.1), steps: 10).steps     // 10
    /// ```
    public var steps: Int

    /// A warmup of `steps` steps from `startFactor` times the base rate; stops unless
    /// `steps > 0`.
    ///
    /// ```swift
    /// let s = LinearWarmup(ConstantSchedule(0.1), steps: 5, startFactor: 1.0 / 3)
    /// ```
    public init(_ base: Base, steps: Int, startFactor: Hyperparameter = 0) {
        precondition(steps > 0, "LinearWarmup: steps must be positive, not \(steps)")
        _ = scheduleScalar(startFactor, "LinearWarmup", "startFactor")
        self.base = base
        self.startFactor = startFactor
        self.steps = steps
    }

    /// The rate after `step` steps.
    ///
    /// ```swift
    /// let lr = schedule.value(atStep: 10).item
    /// ```
    public func value(atStep step: Int) -> Tensor {
        let rate = base.value(atStep: step)
        let s = Swift.min(Swift.max(step, 0), steps)
        if s == steps { return rate }
        let start = scheduleScalar(startFactor, "LinearWarmup", "startFactor").cast(to: rate.dtype)
        return rate * (start + (1 - start) * (Double(s) / Double(steps)))
    }

    /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
    ///
    /// ```swift
    /// let count = value.leaves.count
    /// ```
    public var leaves: [Tensor] { base.leaves + startFactor.leaves }

    /// The same value with every tensor transformed, in the order of ``leaves``.
    ///
    /// ```swift
    /// let doubled = value.mapLeaves { $0 * 2 }
    /// ```
    public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> LinearWarmup<Base> {
        LinearWarmup(try base.mapLeaves(transform), steps: steps, startFactor: try startFactor.mapLeaves(transform))
    }
}

/// The one-cycle policy (`torch.optim.lr_scheduler.OneCycleLR`, learning rate only):
/// from `maxRate / divFactor` up to `maxRate` over the first `pctStart` of
/// `totalSteps`, then down to `maxRate / (divFactor · finalDivFactor)`, by cosine or
/// linear annealing; with `threePhase`, back to the initial rate first and then down.
/// Steps past the end keep the final rate (torch raises an error there).
///
/// ```swift
/// let s = OneCycleSchedule(maxRate: 0.1, totalSteps: 100)
/// s.value(atStep: 29).item     // 0.1 (the peak: step ⌊0.3·100⌋ − 1)
/// ```
public struct OneCycleSchedule: LearningRateSchedule {
    /// How the rate moves between two phase endpoints.
    ///
    /// ```swift
    /// let s = OneCycleSchedule(maxRate: 0.1, totalSteps: 100, annealing: .linear)
    /// ```
    public enum Annealing: Sendable {
        /// `end + (start − end)·(1 + cos(π·pct))/2`.
        case cosine
        /// `start + (end − start)·pct`.
        case linear
    }

    /// The peak rate.
    ///
    /// ```swift
    /// OneCycleSchedule(maxRate: 0.1, totalSteps: 100).maxRate.values     // [0.1]
    /// ```
    public var maxRate: Hyperparameter
    /// The initial rate is `maxRate / divFactor`.
    ///
    /// ```swift
    /// OneCycleSchedule(maxRate: 0.1, totalSteps: 100).divFactor.values     // [25.0]
    /// ```
    public var divFactor: Hyperparameter
    /// The final rate is the initial rate divided by `finalDivFactor`.
    ///
    /// ```swift
    /// OneCycleSchedule(maxRate: 0.1, totalSteps: 100).finalDivFactor.values     // [10000.0]
    /// ```
    public var finalDivFactor: Hyperparameter
    /// The length of the cycle in steps.
    ///
    /// ```swift
    /// OneCycleSchedule(maxRate: 0.1, totalSteps: 100).totalSteps     // 100
    /// ```
    public var totalSteps: Int
    /// The fraction of the cycle spent rising.
    ///
    /// ```swift
    /// OneCycleSchedule(maxRate: 0.1, totalSteps: 100).pctStart     // 0.3
    /// ```
    public var pctStart: Double
    /// How the rate moves between phase endpoints.
    ///
    /// ```swift
    /// OneCycleSchedule(maxRate: 0.1, totalSteps: 100).annealing == .cosine     // true
    /// ```
    public var annealing: Annealing
    /// Whether the rate goes back to the initial rate before the final decay.
    ///
    /// ```swift
    /// OneCycleSchedule(maxRate: 0.1, totalSteps: 100, threePhase: true).threePhase     // true
    /// ```
    public var threePhase: Bool

    /// A one-cycle schedule with torch's defaults (`pctStart = 0.3`, `divFactor = 25`,
    /// `finalDivFactor = 1e4`, cosine annealing, two phases). Stops on invalid settings.
    ///
    /// ```swift
    /// let s = OneCycleSchedule(maxRate: 0.01, totalSteps: 1000, pctStart: 0.25)
    /// ```
    public init(maxRate: Hyperparameter, totalSteps: Int, pctStart: Double = 0.3,
                annealing: Annealing = .cosine, divFactor: Hyperparameter = 25,
                finalDivFactor: Hyperparameter = 1e4, threePhase: Bool = false) {
        precondition(totalSteps > 0, "OneCycleSchedule: Expected positive integer total_steps, but got \(totalSteps)")
        precondition(pctStart >= 0 && pctStart <= 1,
                     "OneCycleSchedule: Expected float between 0 and 1 pct_start, but got \(pctStart)")
        _ = scheduleScalar(maxRate, "OneCycleSchedule", "maxRate")
        _ = scheduleScalar(divFactor, "OneCycleSchedule", "divFactor")
        _ = scheduleScalar(finalDivFactor, "OneCycleSchedule", "finalDivFactor")
        self.maxRate = maxRate
        self.divFactor = divFactor
        self.finalDivFactor = finalDivFactor
        self.totalSteps = totalSteps
        self.pctStart = pctStart
        self.annealing = annealing
        self.threePhase = threePhase
    }

    /// The rate after `step` steps.
    ///
    /// ```swift
    /// let lr = schedule.value(atStep: 10).item
    /// ```
    public func value(atStep step: Int) -> Tensor {
        let peak = scheduleScalar(maxRate, "OneCycleSchedule", "maxRate")
        let initial = peak / scheduleScalar(divFactor, "OneCycleSchedule", "divFactor").cast(to: peak.dtype)
        let final = initial / scheduleScalar(finalDivFactor, "OneCycleSchedule", "finalDivFactor").cast(to: peak.dtype)
        let total = Double(totalSteps)
        let phases: [(end: Double, start: Tensor, stop: Tensor)]
        if threePhase {
            phases = [(pctStart * total - 1, initial, peak),
                      (2 * pctStart * total - 2, peak, initial),
                      (total - 1, initial, final)]
        } else {
            phases = [(pctStart * total - 1, initial, peak), (total - 1, peak, final)]
        }
        let s = Double(Swift.min(Swift.max(step, 0), totalSteps - 1))
        var startStep = 0.0
        for (i, phase) in phases.enumerated() {
            if s <= phase.end || i == phases.count - 1 {
                let pct = (s - startStep) / (phase.end - startStep)
                switch annealing {
                case .cosine:
                    return phase.stop + (phase.start - phase.stop) / 2 * (cos(Double.pi * pct) + 1)
                case .linear:
                    return (phase.stop - phase.start) * pct + phase.start
                }
            }
            startStep = phase.end
        }
        return final
    }

    /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
    ///
    /// ```swift
    /// let count = value.leaves.count
    /// ```
    public var leaves: [Tensor] { maxRate.leaves + divFactor.leaves + finalDivFactor.leaves }

    /// The same value with every tensor transformed, in the order of ``leaves``.
    ///
    /// ```swift
    /// let doubled = value.mapLeaves { $0 * 2 }
    /// ```
    public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> OneCycleSchedule {
        OneCycleSchedule(maxRate: try maxRate.mapLeaves(transform), totalSteps: totalSteps, pctStart: pctStart,
                         annealing: annealing, divFactor: try divFactor.mapLeaves(transform),
                         finalDivFactor: try finalDivFactor.mapLeaves(transform), threePhase: threePhase)
    }
}
