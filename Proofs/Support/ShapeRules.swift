@testable import Higher

/// Operand shapes derived from one generated shape, so that shrinking that shape shrinks
/// every operand, and the random choices (axes, indices, broadcast patterns) that go
/// with them.
enum ShapeRules {
    /// `shape` itself, or `[1]` for a rank-0 shape: for operations that need an axis.
    static func withAxis(_ shape: [Int]) -> [Int] { shape.isEmpty ? [1] : shape }

    /// `shape` padded with leading extents of 1 (or trimmed from the front) to `rank` axes.
    static func rank(_ rank: Int, from shape: [Int]) -> [Int] {
        if shape.count >= rank { return Array(shape.suffix(rank)) }
        return [Int](repeating: 1, count: rank - shape.count) + shape
    }

    /// A shape that broadcasts to `full` (NumPy rules): a random suffix of it with some
    /// axes replaced by 1.
    static func broadcastOperand(of full: [Int], using rng: inout RandomGenerator) -> [Int] {
        let r = rng.nextInt(in: 0...full.count)
        return full.suffix(r).map { rng.nextInt(below: 3) == 0 ? 1 : $0 }
    }

    /// One axis of a tensor of rank `rank ≥ 1`, sometimes spelled negatively.
    static func axis(rank: Int, using rng: inout RandomGenerator) -> Int {
        let a = rng.nextInt(below: rank)
        return rng.nextInt(below: 2) == 0 ? a : a - rank
    }

    /// A random non-empty subset of the axes of a tensor of rank `rank ≥ 1`, each axis
    /// spelled positively or negatively.
    static func nonEmptyAxes(rank: Int, using rng: inout RandomGenerator) -> [Int] {
        var axes = Arbitrary.axes(rank: rank, using: &rng)
        if axes.isEmpty { axes = [rng.nextInt(below: rank)] }
        return axes.map { rng.nextInt(below: 2) == 0 ? $0 : $0 - rank }
    }

    /// A random boolean.
    static func coin(_ rng: inout RandomGenerator) -> Bool { rng.nextInt(below: 2) == 1 }

    /// `count` random integers in `range`.
    static func integers(_ count: Int, in range: ClosedRange<Int>, using rng: inout RandomGenerator) -> [Int] {
        (0..<count).map { _ in rng.nextInt(in: range) }
    }

    /// The extent of `shape` at `index`, or `fallback` when the shape has fewer axes.
    static func extent(_ shape: [Int], _ index: Int, or fallback: Int) -> Int {
        index < shape.count ? shape[index] : fallback
    }
}
