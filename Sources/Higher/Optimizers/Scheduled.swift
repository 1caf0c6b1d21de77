/// Settings that include a learning rate, so a schedule can set it. Every optimizer
/// family's `Hyper` conforms.
///
/// ```swift
/// var h = Adam().hyper
/// h.lr = 0.01
/// ```
public protocol LearningRateHyper {
    /// The learning rate.
    var lr: Hyperparameter { get set }
}

extension SGD.Hyper: LearningRateHyper {}
extension Adam.Hyper: LearningRateHyper {}
extension Adamax.Hyper: LearningRateHyper {}
extension Adadelta.Hyper: LearningRateHyper {}
extension Adagrad.Hyper: LearningRateHyper {}
extension ASGD.Hyper: LearningRateHyper {}
extension RMSprop.Hyper: LearningRateHyper {}
extension Rprop.Hyper: LearningRateHyper {}
extension NAdam.Hyper: LearningRateHyper {}
extension Adafactor.Hyper: LearningRateHyper {}
extension Lion.Hyper: LearningRateHyper {}

/// An optimizer whose learning rate (or any other setting, chosen by key path) follows
/// a schedule of the step count. The schedule is part of the settings, so an unroll is
/// differentiable in the schedule's own parameters (its initial rate, decay…).
///
/// The state counts the steps taken through this wrapper; the `s`-th step (from 0) uses
/// `schedule.value(atStep: s)`, which replaces the base setting at that key path.
///
/// ```swift
/// let opt = SGD(lr: 0.1, momentum: 0.9).scheduled(by: CosineSchedule(initial: 0.1, period: 100))
/// var state = opt.initialState(for: params)
/// (state, params) = try opt.step(state, params, grads)
/// let g = try gradient(at: opt.hyper) { h in outerLoss(try unroll(opt, h)) }   // g.schedule.initial…
/// ```
public struct Scheduled<Base: Optimizer, Schedule: LearningRateSchedule>: Optimizer {
    /// The base settings and the schedule.
    ///
    /// ```swift
    /// var h = opt.hyper
    /// h.schedule = ExponentialSchedule(initial: Hyperparameter(lr0), gamma: 0.9)
    /// ```
    public struct Hyper: DifferentiableTree, Sendable {
        /// The base optimizer's settings.
        ///
        /// ```swift
        /// let h = SGD(lr: 0.1).scheduled(by: ConstantSchedule(0.05)).hyper
        /// h.base.lr.values     // [0.1] (each step uses the schedule's rate instead)
        /// ```
        public var base: Base.Hyper
        /// The schedule of the step count.
        ///
        /// ```swift
        /// let h = SGD(lr: 0.1).scheduled(by: ConstantSchedule(0.05)).hyper
        /// h.schedule.rate.values     // [0.05]
        /// ```
        public var schedule: Schedule

        /// Base settings and a schedule.
        ///
        /// ```swift
        /// let h = Scheduled<SGD, ConstantSchedule>.Hyper(base: SGD.Hyper(), schedule: ConstantSchedule(0.1))
        /// ```
        public init(base: Base.Hyper, schedule: Schedule) {
            self.base = base
            self.schedule = schedule
        }

        /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
        ///
        /// ```swift
        /// let count = value.leaves.count
        /// ```
        public var leaves: [Tensor] { base.leaves + schedule.leaves }

        /// The same value with every tensor transformed, in the order of ``leaves``.
        ///
        /// ```swift
        /// let doubled = value.mapLeaves { $0 * 2 }
        /// ```
        public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> Hyper {
            Hyper(base: try base.mapLeaves(transform), schedule: try schedule.mapLeaves(transform))
        }
    }

    /// The number of steps taken and the base optimizer's state.
    ///
    /// ```swift
    /// print(state.step, state.base)
    /// ```
    public struct State: DifferentiableTree, Sendable {
        /// The number of steps taken.
        ///
        /// ```swift
        /// SGD(lr: 0.1).scheduled(by: ConstantSchedule(0.05)).initialState(for: params).step     // 0
        /// ```
        public var step: Int
        /// The base optimizer's state.
        ///
        /// ```swift
        /// let opt = SGD(lr: 0.1, momentum: 0.9).scheduled(by: ConstantSchedule(0.05))
        /// opt.initialState(for: params).base.momentumBuffer != nil     // true: SGD's own state
        /// ```
        public var base: Base.State

        /// A state from its parts.
        ///
        /// ```swift
        /// let s = Scheduled<SGD, ConstantSchedule>.State(step: 0, base: SGD().initialState(for: p))
        /// ```
        public init(step: Int, base: Base.State) {
            self.step = step
            self.base = base
        }

        /// The tensors, in a fixed order (the ``DifferentiableTree`` requirement).
        ///
        /// ```swift
        /// let count = value.leaves.count
        /// ```
        public var leaves: [Tensor] { base.leaves }

        /// The same value with every tensor transformed, in the order of ``leaves``.
        ///
        /// ```swift
        /// let doubled = value.mapLeaves { $0 * 2 }
        /// ```
        public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> State {
            State(step: step, base: try base.mapLeaves(transform))
        }
    }

    /// The optimizer whose setting is scheduled.
    ///
    /// ```swift
    /// SGD(lr: 0.1).scheduled(by: ConstantSchedule(0.05)).base.hyper.lr.values     // [0.1]
    /// ```
    public var base: Base
    /// The schedule.
    ///
    /// ```swift
    /// SGD(lr: 0.1).scheduled(by: ConstantSchedule(0.05)).schedule.value(atStep: 0).item     // 0.05
    /// ```
    public var schedule: Schedule
    /// The setting the schedule drives.
    ///
    /// ```swift
    /// let opt = Scheduled(Adam(), setting: \.beta1, schedule: ConstantSchedule(0.95))
    /// opt.hyper.base[keyPath: opt.setting].values     // [0.9], replaced by 0.95 at each step
    /// ```
    public let setting: WritableKeyPath<Base.Hyper, Hyperparameter> & Sendable

    /// `base` with the setting at `setting` following `schedule`.
    ///
    /// ```swift
    /// let opt = Scheduled(Adam(), setting: \.beta1, schedule: LinearWarmup(ConstantSchedule(0.9), steps: 10))
    /// ```
    public init(_ base: Base, setting: WritableKeyPath<Base.Hyper, Hyperparameter> & Sendable, schedule: Schedule) {
        self.base = base
        self.setting = setting
        self.schedule = schedule
    }

    /// The base optimizer's settings and the schedule.
    ///
    /// ```swift
    /// SGD(lr: 0.1).scheduled(by: ConstantSchedule(0.05)).hyper.schedule.rate.values     // [0.05]
    /// ```
    public var hyper: Hyper { Hyper(base: base.hyper, schedule: schedule) }

    /// Step 0 and the base optimizer's initial state.
    ///
    /// ```swift
    /// let state = opt.initialState(for: params)
    /// ```
    public func initialState(for params: Parameters) -> State {
        State(step: 0, base: base.initialState(for: params))
    }

    /// One step of the base optimizer with the scheduled setting for this step.
    ///
    /// ```swift
    /// (state, params) = try opt.step(state, params, grads)
    /// ```
    public func step(_ state: State, _ params: Parameters, _ grads: Parameters, _ hyper: Hyper) throws
        -> (State, Parameters) {
        var settings = hyper.base
        settings[keyPath: setting] = Hyperparameter(hyper.schedule.value(atStep: state.step))
        let (s, p) = try base.step(state.base, params, grads, settings)
        return (State(step: state.step + 1, base: s), p)
    }
}

extension Optimizer where Hyper: LearningRateHyper {
    /// This optimizer with its learning rate following `schedule`.
    ///
    /// ```swift
    /// let opt = AdamW(lr: 1e-3).scheduled(by: LinearWarmup(CosineSchedule(initial: 1e-3, period: 1000), steps: 50))
    /// ```
    public func scheduled<S: LearningRateSchedule>(by schedule: S) -> Scheduled<Self, S> {
        Scheduled(self, setting: \Hyper.lr, schedule: schedule)
    }
}
