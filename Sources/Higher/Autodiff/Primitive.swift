/// How every differentiable operation is defined: once, by its value on plain tensors,
/// its tangent rule (JVP) and its backward rule (VJP).
///
/// The rules receive the inputs' values one level down (possibly traced at outer
/// levels) and use ordinary tensor operations, so they are differentiable themselves.
extension Tensor {
    /// A tangent rule: input values, input tangents (`nil` = zero), output value → output tangent.
    typealias JVPRule = ([Tensor], [Tensor?], Tensor) -> Tensor
    /// A backward rule: input values, output value, output cotangent → input cotangents.
    typealias VJPRule = @Sendable ([Tensor], Tensor, Tensor) -> [Tensor?]
    /// A backward rule told which inputs need a cotangent; it may return `nil` for the
    /// others (a constant operand's cotangent would be computed, recorded and dropped).
    typealias MaskedVJPRule = @Sendable ([Tensor], Tensor, Tensor, InputMask) -> [Tensor?]

    /// Applies an operation to `inputs`: the plain kernel `value` when nothing is traced,
    /// otherwise the active (deepest) level's rule around the value one level down.
    /// `backward` names what the rule reads, so a tape node keeps only that.
    static func primitive(
        _ name: String,
        _ inputs: [Tensor],
        value: ([Tensor]) -> Tensor,
        jvp: JVPRule,
        backward: BackwardRule
    ) -> Tensor {
        guard let level = activeLevel(of: inputs, name) else { return value(inputs) }

        // Mapped by index: iterating the inputs would copy (and retain) each tensor only to
        // read its tracer.
        let primals = inputs.indices.map { k in
            if let t = inputs[k].tracer, t.level === level { t.primal(of: inputs[k]) } else { inputs[k] }
        }
        let out = primitive(name, primals, value: value, jvp: jvp, backward: backward)

        switch level.mode {
        case .forward:
            var tangents = [Tensor?]()
            tangents.reserveCapacity(inputs.count)
            var any = false
            for k in inputs.indices {
                if let t = inputs[k].tracer, t.level === level, let d = t.tangent {
                    tangents.append(d)
                    any = true
                } else {
                    tangents.append(nil)
                }
            }
            guard any else { return out }
            let tangent = jvp(primals, tangents, out)
            return Tensor(shape: out.shape, data: out.data,
                          tracer: Tracer(level: level, primal: out, tangent: tangent))
        case .reverse:
            guard let tape = level.tape else { return out }
            var mask = InputMask()
            let ids = NodeInputs(count: inputs.count) { k in
                guard let t = inputs[k].tracer, t.level === level else { return -1 }
                mask.insert(k)
                return t.node
            }
            let pullback = Pullback(rule: backward,
                                    inputs: backward.readsInputs ? primals : [],
                                    output: backward.readsOutput ? out : nil,
                                    mask: mask)
            let node = tape.record(Tape.Node(inputs: ids, pullback: pullback, shape: out.shape, name: name))
            return Tensor(shape: out.shape, data: out.data,
                          tracer: Tracer(level: level, primal: out, node: node))
        }
    }

    /// The deepest level any input is traced at, or `nil` when none is. Stops on a
    /// value whose differentiation call has already returned.
    @inline(__always)
    static func activeLevel(of inputs: [Tensor], _ name: String) -> Level? {
        // Only the deepest input is kept, by index, and only its level is checked for being
        // open: holding each level would retain and release it once per input. An input of a
        // closed level that is not the deepest becomes the deepest one level further down,
        // where it is reported.
        var deepest = -1, depth = 0
        for k in inputs.indices {
            guard let t = inputs[k].tracer else { continue }
            if t.level.depth > depth {
                deepest = k
                depth = t.level.depth
            } else if t.level.depth == depth, t.level !== inputs[deepest].tracer!.level {
                sameDepthFailure(name, t.level, inputs[deepest].tracer!.level)
            }
        }
        guard deepest >= 0 else { return nil }
        let level = inputs[deepest].tracer!.level
        if !level.isOpen { escapedValueFailure(name) }
        return level
    }

    /// Two inputs traced by different calls at one depth: one of them escaped its call.
    static func sameDepthFailure(_ name: String, _ a: Level, _ b: Level) -> Never {
        if !a.isOpen || !b.isOpen { escapedValueFailure(name) }
        preconditionFailure("\(name): inputs come from two different differentiation calls at the same depth")
    }

    /// An input traced by a differentiation call that has already returned.
    static func escapedValueFailure(_ name: String) -> Never {
        preconditionFailure("""
            \(name): an input is a traced value from a differentiation call that has already \
            returned (a value computed inside a gradient/jvp closure escaped it). Return it from \
            the closure, or call .detached() on it inside, to keep it as a constant.
            """)
    }

    /// The sum of the tangent contributions that are present (`nil` when none is).
    static func sum(_ terms: [Tensor?]) -> Tensor? {
        var acc: Tensor?
        for case let t? in terms { acc = acc.map { $0 + t } ?? t }
        return acc
    }
}

/// The inputs of an operation that need a cotangent in a backward sweep (the ones
/// traced at the level being differentiated).
///
/// ```swift
/// var mask = InputMask()
/// mask.insert(1)
/// mask[0]     // false
/// mask[1]     // true
/// ```
struct InputMask: Sendable {
    private var bits: UInt64 = 0

    /// Whether input `k` needs a cotangent (always true past the 64th input).
    subscript(k: Int) -> Bool { k >= 64 || bits & (1 << UInt64(k)) != 0 }

    mutating func insert(_ k: Int) { if k < 64 { bits |= 1 << UInt64(k) } }
}
