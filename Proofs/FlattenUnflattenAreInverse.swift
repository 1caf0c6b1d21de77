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
