@testable import Higher

/// Every public differentiable operation of `Sources/Higher/Tensor`, each with its
/// arity, input domain and shape rule (see the `Catalog+*.swift` files for the lists).
///
/// Deliberately not listed:
/// - Not differentiable (their results are constants, never traced): the comparisons
///   (`isLess`, `isEqual`, ...), `sign`, `argmax`/`argmin`, the creation functions
///   (`zeros`, `ones`, `full`, `arange`, `linspace`, `eye`, `zerosLike`, `onesLike`,
///   `Tensor(...)` initialisers), the random tensors (`uniform`, `normal`, `bernoulli`)
///   and `detached()`.
/// - Other spellings of a listed operation, which run the same code: the free functions
///   `exp(x)`, `log(x)`, `sqrt(x)`, `pow(x, p)`, ... (they call the methods), the compound
///   assignments `+=`, `-=`, `*=`, `/=`, the method `a.matmul(b)` (the free `matmul`
///   calls it), `permuted(_: Int...)`, `cast(to:)` to the tensor's own dtype (returns
///   the tensor itself).
/// - Internal primitives that only derivative rules call: `conv2dInputGradient` (the core
///   of `convTranspose2d`, listed), `conv2dWeightGradient`, `avgPool2dAdjoint`,
///   `gatherFlat`/`scatterAddFlat` (inside `maxPool2d`) and multi-axis `softmax`. The
///   second-order laws run every listed operation's backward rule under an outer
///   derivative, which checks these through the operations that use them.
enum OperationCatalog {
    static let all: [Operation] = elementwise + activations + shapes + indexing + reductions + losses + linearAlgebra

    /// The operations with NumPy broadcasting of their tensor inputs.
    static var broadcasting: [Operation] { all.filter { $0.features.contains(.broadcasting) } }

    /// The operations whose derivatives can be compared with finite differences in Float64.
    static var float64: [Operation] { all.filter { !$0.features.contains(.roundsToFloat32) } }
}

extension Operation {
    /// A one-input operation applied to a tensor of the generated shape.
    static func unary(
        _ name: String, _ domain: Arbitrary.Domain = .awayFromZero, distinct: Bool = false,
        _ f: @escaping @Sendable (Tensor) -> Tensor
    ) -> Operation {
        Operation(name, arity: 1, domains: [domain], distinct: distinct) { s, _ in Layout([s]) { [f($0[0])] } }
    }

    /// A one-input function with several outputs (variants of one operation checked together).
    static func unary(
        _ name: String, _ domain: Arbitrary.Domain = .awayFromZero, outputs f: @escaping @Sendable (Tensor) -> [Tensor]
    ) -> Operation {
        Operation(name, arity: 1, domains: [domain]) { s, _ in Layout([s]) { f($0[0]) } }
    }

    /// A two-input elementwise operation with broadcasting: a third of the cases have
    /// both operands of the generated shape, the others operands broadcast to it
    /// (suffixes with some extents set to 1, either side or both).
    static func binary(
        _ name: String, _ domains: [Arbitrary.Domain] = [.awayFromZero], distinct: Bool = false,
        _ f: @escaping @Sendable (Tensor, Tensor) -> Tensor
    ) -> Operation {
        Operation(name, arity: 2, domains: domains, distinct: distinct, features: [.broadcasting]) { s, rng in
            if rng.nextInt(below: 3) == 0 { return Layout([s, s]) { [f($0[0], $0[1])] } }
            let a = ShapeRules.broadcastOperand(of: s, using: &rng)
            let b = ShapeRules.broadcastOperand(of: s, using: &rng)
            return Layout([a, b]) { [f($0[0], $0[1])] }
        }
    }
}
