import Testing
import PropertyBased
@testable import Higher

/// Law: for trees a, b, c of one structure (the same paths in the same order, and at each
/// path the same shape and dtype) and an elementwise f,
///
///     a.zipMap(b) { f($0, $1) }[path][i] = f(a[path][i], b[path][i])      for every path and i,
///
/// the result has a's structure, and equivalently, for every elementwise f,
/// a.zipMap(b, f).flattened() = f(a.flattened(), b.flattened()); the same holds for the
/// three-tree zipMap.
///
/// Derivation. zipMap first checks that the structures agree, so the k-th tensors of the
/// trees sit at the same path with the same shape; it then calls f on each such pair and
/// keeps a's paths. An elementwise f on two tensors of one shape computes element i from
/// element i of each operand alone, so the result at (path, i) is the scalar f of the
/// scalars at (path, i). Flattening maps (path, i) to one position oₖ + i, the same for
/// every tree of the structure (FlattenUnflattenAreInverse), and an elementwise f
/// commutes with any relabelling of positions. The scalar reference below is plain Swift
/// arithmetic in the trees' dtype, the very operations the kernels perform, so the
/// agreement is exact. The trees are drawn in Float32 or Float64, with 1–6 tensors of
/// ranks 0–4 (extents 0–3).
@Suite struct ZipMapOfIdenticalTreesIsElementwise {
    @Test(.shrinking, .proofSeed(0x7EE5_0003))
    func zipMapIsElementwise() async throws {
        await proofCheck(count: 100, extents: 0...3, salt: "zipMap") { c in
            var rng = c.generator
            let a = arbitraryParameterTree(containing: c.shape, dtypes: [.float32, .float64], values: .finite, using: &rng)
            let b = a.mapLeaves { Arbitrary.tensor($0.shape, dtype: $0.dtype, using: &rng) }
            let third = a.mapLeaves { Arbitrary.tensor($0.shape, dtype: $0.dtype, using: &rng) }
            do {
                let two = try a.zipMap(b) { x, y in x * y - (x + y) / 2 }        // combineTwo
                let three = try a.zipMap(b, third) { x, y, z in (x - z) * y + z / 4 }   // combineThree
                #expect(two.paths == a.paths && three.paths == a.paths, "\(c): paths changed")
                for k in 0..<a.count {
                    let (x, y, z) = (a.tensors[k], b.tensors[k], third.tensors[k])
                    #expect(two.tensors[k].shape == x.shape && two.tensors[k].dtype == x.dtype, "\(c): \(a.paths[k])")
                    #expect(bitPatterns(two.tensors[k]) == referenceBits(x, y, nil), "\(c): two-tree zipMap at \"\(a.paths[k])\"")
                    #expect(bitPatterns(three.tensors[k]) == referenceBits(x, y, z), "\(c): three-tree zipMap at \"\(a.paths[k])\"")
                }
                // The flattened form, when the tree has one dtype (flattening needs one).
                if a.tensors.allSatisfy({ $0.dtype == a.tensors[0].dtype }) {
                    let (x, y) = (a.flattened(), b.flattened())
                    #expect(bitPatterns(two.flattened()) == bitPatterns(x * y - (x + y) / 2), "\(c): flattened form")
                }
            } catch {
                Issue.record("\(c): zipMap of trees of one structure threw \(error)")
            }
        }
    }
}

/// The two combinations checked, on tensors and on scalars alike (powers of two only, so
/// dividing and multiplying by the reciprocal agree).
private func combineTwo<S: FloatingPoint & ExpressibleByFloatLiteral>(_ x: S, _ y: S) -> S { x * y - (x + y) / 2 }
private func combineThree<S: FloatingPoint & ExpressibleByFloatLiteral>(_ x: S, _ y: S, _ z: S) -> S { (x - z) * y + z / 4 }

/// The bit patterns of `combineTwo` (with `z == nil`) or `combineThree` applied element by
/// element, in the tensors' dtype, with plain Swift arithmetic.
private func referenceBits(_ x: Tensor, _ y: Tensor, _ z: Tensor?) -> [UInt64] {
    switch (x.data, y.data, z?.data) {
    case let (.float64(a), .float64(b), nil):
        return a.indices.map { combineTwo(a[$0], b[$0]).bitPattern }
    case let (.float64(a), .float64(b), .float64(c)?):
        return a.indices.map { combineThree(a[$0], b[$0], c[$0]).bitPattern }
    case let (.float32(a), .float32(b), nil):
        return a.indices.map { UInt64(combineTwo(a[$0], b[$0]).bitPattern) }
    case let (.float32(a), .float32(b), .float32(c)?):
        return a.indices.map { UInt64(combineThree(a[$0], b[$0], c[$0]).bitPattern) }
    default:
        preconditionFailure("referenceBits: mixed dtypes \(x.dtype), \(y.dtype), \(String(describing: z?.dtype))")
    }
}
