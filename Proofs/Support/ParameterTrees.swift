// Generated parameter trees and bit-exact comparisons, shared by the tree laws.
import Testing
import PropertyBased
@testable import Higher

/// What values a generated tree holds.
enum TreeValues {
    /// Values in `[−2, −0.25] ∪ [0.25, 2]`.
    case finite
    /// Arbitrary bit patterns: NaNs with payloads, infinities, subnormals, signed zeros.
    case anyBits
}

/// A random tree of 1–6 tensors: one has `shape` (a proof case's shape, so shrinking acts on
/// it), at a random position; the others have ranks 0–4 and extents 0–3. Paths are dotted,
/// 1–3 components, unique; with `awkwardNames` components may be empty or hold quotes,
/// backslashes, control characters and non-ASCII text. Dtypes are drawn from `dtypes`.
func arbitraryParameterTree(
    containing shape: [Int], dtypes: [DType], values: TreeValues, awkwardNames: Bool = false,
    using rng: inout RandomGenerator
) -> Parameters {
    let count = rng.nextInt(in: 1...6)
    let special = rng.nextInt(below: count)
    let plain = ["encoder", "decoder", "layers", "0", "1", "12", "weight", "bias", "running_mean", "fc"]
    let odd = ["", "é", "∑ρ", "a b", "x\"y", "back\\slash", "line\nbreak", "tab\t", "😀", "/", "{}", "\u{1}"]
    var out = Parameters()
    for i in 0..<count {
        var components: [String] = []
        for _ in 0..<rng.nextInt(in: 1...3) {
            let pool = awkwardNames && rng.nextInt(below: 3) == 0 ? odd : plain
            components.append(pool[rng.nextInt(below: pool.count)])
        }
        var path = components.joined(separator: ".")
        if out.contains(path) { path += ".\(i)" }
        let s = i == special ? shape : Arbitrary.shape(rank: 0...4, extent: 0...3, using: &rng)
        let dtype = dtypes[rng.nextInt(below: dtypes.count)]
        switch values {
        case .finite: out[path] = Arbitrary.tensor(s, dtype: dtype, using: &rng)
        case .anyBits: out[path] = arbitraryBits(s, dtype: dtype, using: &rng)
        }
    }
    return out
}

/// A tensor of arbitrary bit patterns (every pattern equally likely).
func arbitraryBits(_ shape: [Int], dtype: DType, using rng: inout RandomGenerator) -> Tensor {
    let n = shape.reduce(1, *)
    switch dtype {
    case .float32: return Tensor((0..<n).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) }, shape: shape)
    case .float64: return Tensor((0..<n).map { _ in Double(bitPattern: rng.next()) }, shape: shape)
    }
}

/// The bit patterns of a tensor's elements (so NaNs compare by payload, zeros by sign).
func bitPatterns(_ t: Tensor) -> [UInt64] {
    switch t.data {
    case .float32(let a): return a.map { UInt64($0.bitPattern) }
    case .float64(let a): return a.map(\.bitPattern)
    }
}

/// Whether two trees have the same paths in the same order, and at each path the same
/// dtype, shape and bit patterns.
func identicalTrees(_ a: Parameters, _ b: Parameters) -> Bool {
    a.paths == b.paths && zip(a.tensors, b.tensors).allSatisfy {
        $0.dtype == $1.dtype && $0.shape == $1.shape && bitPatterns($0) == bitPatterns($1)
    }
}
