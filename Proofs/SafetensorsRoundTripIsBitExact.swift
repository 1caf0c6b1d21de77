import Testing
import PropertyBased
@testable import Higher

/// Law: for every tree p (any paths, Float32 and Float64 tensors of any shape, any bit
/// patterns) and every metadata map m,
///
///     Parameters(safetensors: p.safetensorsData(metadata: m)) = p
///
/// bit for bit and in the same path order, `safetensorsMetadata` of those bytes is m, and
/// writing the loaded tree again gives the same bytes.
///
/// Derivation. The writer stores tensor i of the tree, in path order, as the raw
/// little-endian bytes of its elements at data offsets [oᵢ, oᵢ + nᵢ·sizeᵢ) with
/// oᵢ₊₁ = oᵢ + nᵢ·sizeᵢ, under its exact path (JSON-escaped) with its dtype (F32 or F64)
/// and shape, and lists the entries in path order. The reader un-escapes the same path,
/// checks that the byte range has nᵢ·sizeᵢ bytes, and copies those bytes back into the
/// same dtype: copying bits is the identity on every pattern, NaN payloads included. Its
/// order is by data offset, then header order; the offsets are non-decreasing in path
/// order and equal only next to an empty tensor (nᵢ = 0), where the header order, the path
/// order, decides, so the path order comes back. The metadata is escaped and un-escaped
/// the same way, and the writer is a function of (paths, dtypes, shapes, bits, m) only,
/// all of which the round trip keeps, so the second write repeats the first byte for byte.
@Suite struct SafetensorsRoundTripIsBitExact {
    @Test(.shrinking, .proofSeed(0x7EE5_0002))
    func safetensorsRoundTripIsBitExact() async throws {
        await proofCheck(count: 100, extents: 0...3, salt: "safetensors") { c in
            var rng = c.generator
            let p = arbitraryParameterTree(containing: c.shape, dtypes: [.float32, .float64], values: .anyBits,
                                           awkwardNames: true, using: &rng)
            var metadata: [String: String] = [:]
            let texts = ["format", "pt", "", "é∑", "quote\"", "line\nbreak", "\\", "😀", "\u{1F}", "{\"json\": 1}"]
            for _ in 0..<rng.nextInt(in: 0...3) {
                metadata[texts[rng.nextInt(below: texts.count)]] = texts[rng.nextInt(below: texts.count)]
            }
            let bytes = p.safetensorsData(metadata: metadata)
            do {
                let back = try Parameters(safetensors: bytes)
                #expect(identicalTrees(back, p), "\(c): the tree read back differs\n\(p)\nread back as\n\(back)")
                #expect(try Parameters.safetensorsMetadata(bytes) == metadata, "\(c): metadata \(metadata)")
                let rewritten = back.safetensorsData(metadata: metadata)
                let same = rewritten == bytes   // a Bool, so a failure does not print both byte arrays
                #expect(same, "\(c): a second write differs (\(rewritten.count) vs \(bytes.count) bytes)")
            } catch {
                Issue.record("\(c): reading the written bytes failed: \(error)\n\(p)")
            }
        }
    }
}
