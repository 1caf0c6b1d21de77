import Synchronization

/// One differentiation call in progress: a reverse-mode tape or a forward-mode
/// perturbation, at a nesting depth.
///
/// Forward and reverse calls share one depth counter, bound per task (a task-local
/// value, so concurrent tasks never see each other's levels). In an operation whose
/// inputs are traced at several levels, the deepest level is the active one and the
/// others are constants to it: that is what rules out perturbation confusion.
final class Level: Sendable {
    enum Mode: Sendable { case forward, reverse }

    /// The depth of the innermost differentiation call running in this task.
    static let currentDepth = TaskLocal<Int>(wrappedValue: 0)

    let depth: Int
    let mode: Mode
    /// The tape of a reverse-mode level; `nil` for forward mode.
    let tape: Tape?
    private let open = Atomic<Bool>(true)

    init(mode: Mode) {
        self.depth = Level.currentDepth.get() + 1
        self.mode = mode
        self.tape = mode == .reverse ? Tape() : nil
    }

    var isOpen: Bool { open.load(ordering: .acquiring) }

    /// Runs `body` as the innermost level, then closes this level: any later use of a
    /// value still traced at it is reported.
    func run<R>(_ body: () throws -> R) rethrows -> R {
        defer { open.store(false, ordering: .releasing) }
        return try enter(body)
    }

    /// Runs `body` as the innermost level and leaves the level open, for a level that
    /// spans several calls (the steps of a recorded inner loop).
    func enter<R>(_ body: () throws -> R) rethrows -> R {
        try Level.currentDepth.withValue(depth, operation: body)
    }

    /// `value` as an input of this reverse-mode level: a leaf node on its tape.
    func leaf(_ value: Tensor) -> Tensor {
        let id = tape!.record(Tape.Node(inputs: NodeInputs(count: 0) { _ in -1 }, pullback: nil, shape: value.shape, name: "input"))
        return Tensor(shape: value.shape, data: value.data, tracer: Tracer(level: self, primal: value, node: id))
    }

    /// The tape node of `value` at this level, or `-1` when it is a constant here.
    func node(of value: Tensor) -> Int {
        if let t = value.tracer, t.level === self { return t.node }
        return -1
    }
}

/// What a tensor carries while it is differentiated at one level: its value one level
/// down (which may itself be traced at outer levels) and either its tangent (forward
/// mode) or its node on the level's tape (reverse mode).
///
/// The tensor that carries a tracer (its *carrier*) always holds the primal's shape and
/// elements, so a primal that is plain is not stored a second time: it is rebuilt from
/// the carrier, which spares every traced result two references to keep and drop.
final class Tracer: Sendable {
    let level: Level
    /// The primal when it is traced at an outer level; `nil` when it is plain.
    private let tracedPrimal: Tensor?
    /// Forward mode: the tangent, `nil` meaning zero.
    let tangent: Tensor?
    /// Reverse mode: the node index on `level.tape`.
    let node: Int

    /// A tracer for a carrier made of `primal`'s shape and elements.
    init(level: Level, primal: Tensor, tangent: Tensor? = nil, node: Int = -1) {
        self.level = level
        self.tracedPrimal = primal.tracer == nil ? nil : primal
        self.tangent = tangent
        self.node = node
    }

    /// The value one level down of `carrier`, the tensor that holds this tracer.
    @inline(__always)
    func primal(of carrier: Tensor) -> Tensor {
        tracedPrimal ?? Tensor(shape: carrier.shape, data: carrier.data)
    }
}
