import Testing
@testable import Higher

/// One differentiable operation of the library as the proofs see it: a function from a
/// list of Float64 tensors to a list of tensors, with where its inputs may be drawn.
///
/// `layout` turns a generated shape (and a generator) into the operands' shapes and the
/// function with its remaining parameters (axes, indices, strides...) fixed, so one
/// generated shape shrinks every operand at once. Values are then drawn in `domains`
/// (one per input, or one for all), or by `Layout.values` when the operation needs more
/// than an interval (a loss kept away from its kink by construction).
struct Operation: Sendable, CustomTestStringConvertible, CustomStringConvertible {
    /// What the laws may assume about an operation.
    enum Feature: Sendable, Hashable {
        /// Elementwise with NumPy broadcasting of its tensor inputs to the output's shape.
        case broadcasting
        /// Rounds through Float32: no use comparing with finite differences in Float64,
        /// and identities hold to Float32 round-off only.
        case roundsToFloat32
    }

    let name: String
    /// The number of differentiable tensor inputs.
    let arity: Int
    let domains: [Arbitrary.Domain]
    /// Values well separated across all inputs (for max/min and max pooling, whose
    /// derivative changes where two elements tie).
    let distinct: Bool
    let features: Set<Feature>
    let layout: @Sendable (_ shape: [Int], _ rng: inout RandomGenerator) -> Layout

    init(
        _ name: String, arity: Int, domains: [Arbitrary.Domain] = [.awayFromZero], distinct: Bool = false,
        features: Set<Feature> = [],
        layout: @escaping @Sendable (_ shape: [Int], _ rng: inout RandomGenerator) -> Layout
    ) {
        precondition(domains.count == 1 || domains.count == arity, "\(name): \(domains.count) domains for \(arity) inputs")
        self.name = name
        self.arity = arity
        self.domains = domains
        self.distinct = distinct
        self.features = features
        self.layout = layout
    }

    var description: String { name }
    var testDescription: String { name }

    /// The tolerance of identities between two computations by the library (no finite
    /// differences involved): Float64 round-off, or Float32 round-off for a cast.
    var identityTolerance: Double { features.contains(.roundsToFloat32) ? 1e-6 : 1e-9 }

    /// Inputs and function for one generated case. The returned generator continues the
    /// case's stream, for the cotangents and directions a law needs.
    func instance(_ c: ShapeCase) -> (Instance, RandomGenerator) {
        var rng = c.generator
        let l = layout(c.shape, &rng)
        precondition(l.shapes.count == arity, "\(name): the layout gives \(l.shapes.count) shapes for \(arity) inputs")
        let inputs: [Tensor]
        if let values = l.values {
            inputs = values(&rng)
        } else if distinct {
            let counts = l.shapes.map { $0.reduce(1, *) }
            let all = Arbitrary.tensor([counts.reduce(0, +)], in: domains[0], distinct: true, using: &rng).scalars
            var start = 0
            inputs = zip(l.shapes, counts).map { shape, n in
                defer { start += n }
                return Tensor(Array(all[start..<(start + n)]), shape: shape, dtype: .float64)
            }
        } else {
            inputs = l.shapes.enumerated().map { i, shape in
                Arbitrary.tensor(shape, in: domains[domains.count == 1 ? 0 : i], using: &rng)
            }
        }
        for (i, (x, s)) in zip(inputs, l.shapes).enumerated() {
            precondition(x.shape == s, "\(name): input \(i) has shape \(x.shape), the layout says \(s)")
        }
        return (Instance(name: name, inputs: inputs, apply: l.apply, note: l.note), rng)
    }
}

/// The operands' shapes and the function of one case.
struct Layout {
    var shapes: [[Int]]
    var apply: ([Tensor]) -> [Tensor]
    /// Custom input values, drawn after the layout (overrides the domains).
    var values: ((inout RandomGenerator) -> [Tensor])? = nil
    /// The parameters drawn for this case (axes, strides...), for failure messages.
    var note: String = ""

    init(_ shapes: [[Int]], note: String = "", values: ((inout RandomGenerator) -> [Tensor])? = nil,
         _ apply: @escaping ([Tensor]) -> [Tensor]) {
        self.shapes = shapes
        self.note = note
        self.values = values
        self.apply = apply
    }
}

/// An operation at one generated point.
struct Instance: CustomStringConvertible {
    let name: String
    let inputs: [Tensor]
    let apply: ([Tensor]) -> [Tensor]
    let note: String

    var description: String {
        let shapes = inputs.map { "\($0.shape)" }.joined(separator: ", ")
        return "\(name) on shapes \(shapes)" + (note.isEmpty ? "" : " (\(note))")
    }

    /// The scalar function the second-order laws use:
    /// `s(x) = Σ w ⊙ f(x) + ½ Σ f(x)²` over the output leaves. The square makes the
    /// Hessian `JᵀJ + Σᵢ (wᵢ + fᵢ) ∇²fᵢ` nonzero even for linear operations, so the
    /// derivative of the operation's backward rule is exercised too.
    func scalarFunction(weights w: [Tensor]) -> ([Tensor]) -> Tensor {
        let apply = self.apply
        return { x in
            let y = apply(x)
            var total = Tensor(0.0)
            for (yi, wi) in zip(y, w) where yi.count > 0 {
                total = total + (wi * yi).sum() + yi.squared().sum() * 0.5
            }
            return total
        }
    }
}
