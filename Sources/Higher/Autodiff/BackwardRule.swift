/// A backward rule together with what it reads, and the pullback a tape node runs.
extension Tensor {
    /// A backward rule that reads the inputs and the cotangent, not the output.
    typealias InputsVJPRule = @Sendable ([Tensor], Tensor, InputMask) -> [Tensor?]
    /// A backward rule that reads the output and the cotangent, not the inputs.
    typealias OutputVJPRule = @Sendable (Tensor, Tensor, InputMask) -> [Tensor?]
    /// A backward rule that reads only the cotangent (and the shapes it captured).
    typealias CotangentVJPRule = @Sendable (Tensor, InputMask) -> [Tensor?]

    /// How an operation pulls a cotangent back, named by what it reads: a tape node
    /// keeps alive only the values its rule reads, so an `add` (which needs only
    /// shapes) holds neither its operands nor its result.
    ///
    /// ```swift
    /// let from = x.shape
    /// Tensor.primitive("sum", [x], value: { $0[0].sum() }, jvp: { _, t, _ in t[0]!.sum() },
    ///                  backward: .cotangent { g, _ in [g.broadcast(to: from)] })
    /// ```
    enum BackwardRule: Sendable {
        /// Reads the inputs and the output; computes every input's cotangent.
        case all(VJPRule)
        /// Reads the inputs and the output; may skip the inputs the mask leaves out.
        case masked(MaskedVJPRule)
        /// Reads the inputs only.
        case inputs(InputsVJPRule)
        /// Reads the output only.
        case output(OutputVJPRule)
        /// Reads neither the inputs nor the output.
        case cotangent(CotangentVJPRule)

        var readsInputs: Bool {
            switch self {
            case .all, .masked, .inputs: true
            case .output, .cotangent: false
            }
        }

        var readsOutput: Bool {
            switch self {
            case .all, .masked, .output: true
            case .inputs, .cotangent: false
            }
        }
    }

    /// What a tape node runs in the backward sweep: the rule with the values it reads
    /// (one level down) and which inputs need a cotangent.
    struct Pullback: Sendable {
        let rule: BackwardRule
        /// The inputs' values when the rule reads them, otherwise empty.
        let inputs: [Tensor]
        /// The output's value when the rule reads it.
        let output: Tensor?
        let mask: InputMask

        /// The input cotangents for the output cotangent `g` (`nil` = zero).
        func callAsFunction(_ g: Tensor) -> [Tensor?] {
            switch rule {
            case .all(let vjp): vjp(inputs, output!, g)
            case .masked(let vjp): vjp(inputs, output!, g, mask)
            case .inputs(let vjp): vjp(inputs, g, mask)
            case .output(let vjp): vjp(output!, g, mask)
            case .cotangent(let vjp): vjp(g, mask)
            }
        }
    }
}

/// The tape indices of an operation's inputs (`-1` for a constant), stored inline for
/// up to three inputs: most operations have one to three (a `linear` with its bias, an
/// SGD update), and a node then needs no array.
///
/// ```swift
/// let ids = NodeInputs(count: 2) { k in k == 0 ? 7 : -1 }
/// ids[0]      // 7
/// ids[1]      // -1
/// ```
struct NodeInputs: Sendable {
    let count: Int
    private let first: Int
    private let second: Int
    private let third: Int
    /// The inputs past the third.
    private let rest: [Int]

    /// Fills the indices in order from `id(k)` for `k` in `0..<count`.
    init(count: Int, _ id: (Int) -> Int) {
        self.count = count
        first = count > 0 ? id(0) : -1
        second = count > 1 ? id(1) : -1
        third = count > 2 ? id(2) : -1
        rest = count > 3 ? (3..<count).map(id) : []
    }

    subscript(k: Int) -> Int {
        switch k {
        case 0: first
        case 1: second
        case 2: third
        default: rest[k - 3]
        }
    }
}
