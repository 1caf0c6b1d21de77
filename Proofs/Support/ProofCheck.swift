import Synchronization
import Testing
import PropertyBased
@testable import Higher

// How every proof draws its cases: PropertyBased's `propertyCheck` runs the property and
// shrinks a failing case, while the cases themselves come from a stream seeded by the
// test's `.proofSeed(...)` trait, so every run of the suite checks the same cases.
//
// Why not PropertyBased's own `.fixedSeed(...)` trait: in version 2.0.1 it is a debugging
// aid, not a setting. It runs a single case whatever `count:` says, and it records an
// issue ("a fixed seed was used, but no expectation failure occurred") whenever the test
// passes, so a suite that kept it would always fail. `.proofSeed` fixes the whole
// sequence of cases instead and leaves pass/fail to the property.

/// One generated case: a shape (rank and extents) and a seed for everything else the
/// property draws (operand layouts, axes, indices, values).
///
/// Shrinking acts on the shape only: it drops axes and lowers extents, keeping the seed,
/// so a failure is reported at the smallest shape that still fails.
struct ShapeCase: Sendable, Equatable, CustomStringConvertible, CustomTestStringConvertible {
    var shape: [Int]
    var seed: UInt64

    /// The generator for everything this case decides besides its shape.
    var generator: RandomGenerator { RandomGenerator(seed: seed) }

    var description: String { "shape \(shape), seed \(seed)" }
    var testDescription: String { description }

    /// Smaller cases, most shrunk first: the shape without one axis, then the shape with
    /// one extent set to its minimum or lowered by one. Every candidate is strictly
    /// smaller (fewer axes or a smaller extent), so shrinking stops.
    func shrunk(minimumRank: Int, minimumExtent: Int) -> [ShapeCase] {
        var out = [ShapeCase]()
        if shape.count > minimumRank {
            for i in shape.indices {
                var s = shape
                s.remove(at: i)
                out.append(ShapeCase(shape: s, seed: seed))
            }
        }
        for i in shape.indices where shape[i] > minimumExtent {
            var s = shape
            s[i] = minimumExtent
            out.append(ShapeCase(shape: s, seed: seed))
            if shape[i] - 1 > minimumExtent {
                s[i] = shape[i] - 1
                out.append(ShapeCase(shape: s, seed: seed))
            }
        }
        return out
    }
}

/// Fixes the seed of every ``proofCheck(count:ranks:extents:salt:isolation:sourceLocation:perform:)``
/// in a test: the cases are drawn from a stream that depends only on this seed and the
/// check's salt, so the suite checks the same cases on every run and a failure
/// reproduces by running the test again.
///
/// PropertyBased ends a failure report with "Add `.fixedSeed(…)` to the Test to reproduce
/// this issue"; that seed drives its own generator, which these cases do not use, so
/// the trait replaces the hint with the right one.
struct ProofSeedTrait: TestTrait, TestScoping {
    let seed: UInt64

    @TaskLocal static var current: UInt64?

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let seed = self.seed
        let hint = IssueHandlingTrait.compactMapIssues { issue in
            var issue = issue
            issue.comments = issue.comments.map { Comment(rawValue: Self.replacingFixedSeedHint($0.rawValue, seed)) }
            return issue
        }
        try await hint.provideScope(for: test, testCase: testCase) {
            try await Self.$current.withValue(seed) { try await function() }
        }
    }

    static func replacingFixedSeedHint(_ text: String, _ seed: UInt64) -> String {
        guard let start = text.firstRange(of: "Add `.fixedSeed"),
              let end = text[start.lowerBound...].firstRange(of: "reproduce this issue.") else { return text }
        return text[..<start.lowerBound]
            + "The cases come from the test's `.proofSeed(\(seed))` stream: running the test again reproduces this one."
            + text[end.upperBound...]
    }
}

extension Trait where Self == ProofSeedTrait {
    /// Draws this test's cases from a stream seeded by `seed`.
    static func proofSeed(_ seed: UInt64) -> Self { ProofSeedTrait(seed: seed) }
}

/// The deterministic source of cases for one property check.
private final class CaseStream: Sendable {
    private let state: Mutex<RandomGenerator>

    init(seed: UInt64) { state = Mutex(RandomGenerator(seed: seed)) }

    func next(ranks: ClosedRange<Int>, extents: ClosedRange<Int>) -> ShapeCase {
        state.withLock { rng in
            let shape = Arbitrary.shape(rank: ranks, extent: extents, using: &rng)
            return ShapeCase(shape: shape, seed: rng.next())
        }
    }
}

/// FNV-1a of a string: a stable 64-bit salt (Swift's `Hasher` is seeded per process).
func stableHash(_ text: String) -> UInt64 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in text.utf8 {
        h ^= UInt64(byte)
        h = h &* 0x0000_0100_0000_01B3
    }
    return h
}

/// Checks `body` on `count` cases (a shape with a rank in `ranks` and extents in
/// `extents`, plus a seed), shrinking the shape of a failing case. The cases depend only
/// on the test's ``ProofSeedTrait`` and on `salt` (use the operation's name, so the cases
/// of one operation do not change when others are added).
func proofCheck(
    count: Int,
    ranks: ClosedRange<Int> = 0...4,
    extents: ClosedRange<Int> = 1...3,
    salt: String = "",
    isolation: isolated (any Actor)? = #isolation,
    sourceLocation: SourceLocation = #_sourceLocation,
    perform body: (ShapeCase) async throws -> Void
) async {
    guard let seed = ProofSeedTrait.current else {
        Issue.record("proofCheck needs the test to carry a `.proofSeed(...)` trait", sourceLocation: sourceLocation)
        return
    }
    let stream = CaseStream(seed: seed ^ stableHash(salt))
    let minimumRank = ranks.lowerBound, minimumExtent = extents.lowerBound
    let cases = Generator<ShapeCase, [ShapeCase]>(
        run: { _ in stream.next(ranks: ranks, extents: extents) },
        shrink: { $0.shrunk(minimumRank: minimumRank, minimumExtent: minimumExtent) })
    await propertyCheck(count: count, input: cases, perform: body, isolation: isolation, sourceLocation: sourceLocation)
}
