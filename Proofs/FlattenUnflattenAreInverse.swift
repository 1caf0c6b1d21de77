import Testing
import PropertyBased
@testable import Higher

/// Law: for every tree p whose tensors share one dtype, and every vector v of that dtype
/// with p.scalarCount elements,
///
///     p.unflattened(p.flattened()) = p      and      p.unflattened(v).flattened() = v
///
/// bit for bit, and the pullback of `flattened` at p is `p.unflattened`.
///
/// Derivation. Let the tensors be t₁ … tₙ in path order with nᵢ elements each, and
/// oᵢ = n₁ + … + nᵢ₋₁. `flattened` reads each tensor in row-major order and places element
/// j of tᵢ at position oᵢ + j; `unflattened` takes positions oᵢ ..< oᵢ + nᵢ of v, in order,
/// as the row-major elements of a tensor of tᵢ's shape at tᵢ's path. The two maps are the
/// same bijection (i, j) ↔ oᵢ + j read in opposite directions, so each composite is the
/// identity; they only move data, so even NaN payloads and signed zeros survive. A linear
/// map given by a permutation P has pullback Pᵀ = P⁻¹, hence pullback(flattened) =
/// unflattened. The check draws trees of 1–6 tensors (one has the case's shape, which
/// shrinks; the others ranks 0–4 with extents 0–3) holding arbitrary bit patterns.
@Suite struct FlattenUnflattenAreInverse {
    @Test(.shrinking, .proofSeed(0x7EE5_0001))
    func flattenAndUnflattenAreInverse() async {
        await proofCheck(count: 100, extents: 0...3, salt: "flattened") { c in
            var rng = c.generator
            let dtype: DType = rng.nextInt(below: 2) == 0 ? .float32 : .float64
            let p = arbitraryParameterTree(containing: c.shape, dtypes: [dtype], values: .anyBits, using: &rng)
            let v = p.flattened()
            #expect(v.shape == [p.scalarCount] && v.dtype == dtype, "\(c): flattened has shape \(v.shape), \(v.dtype)")
            let back = p.unflattened(v)
            #expect(identicalTrees(back, p), "\(c): unflattened(flattened(p)) differs from p\n\(p)")

            let w = arbitraryBits([p.scalarCount], dtype: dtype, using: &rng)
            #expect(bitPatterns(p.unflattened(w).flattened()) == bitPatterns(w), "\(c): flattened(unflattened(v)) differs from v")

            let finite = arbitraryParameterTree(containing: c.shape, dtypes: [dtype], values: .finite, using: &rng)
            let u = Arbitrary.tensor([finite.scalarCount], dtype: dtype, using: &rng)
            let pulled = vjp(at: finite) { $0.flattened() }.pullback(u)
            #expect(pulled == finite.unflattened(u), "\(c): the pullback of flattened is not unflattened")
        }
    }
}

// MARK: - Random trees for the laws about Parameters

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
