/// Random inputs for property tests of differentiable code: shapes, pairs of shapes that
/// broadcast, axis sets and well-conditioned tensors, all drawn from a
/// ``RandomGenerator``, so a failing case is reproduced by its seed. Nothing here
/// depends on a testing package.
///
/// With a plain loop, in any test framework:
///
/// ```swift
/// func softPlusLike(_ x: Tensor) -> Tensor { (x * x / (x * x + 1)).sum() }
///
/// var rng = RandomGenerator(seed: 2024)
/// for trial in 0..<50 {
///     let shape = Arbitrary.shape(using: &rng)
///     let x = Arbitrary.tensor(shape, in: .awayFromZero, using: &rng)
///     let result = checkGradient(of: softPlusLike, at: x)
///     precondition(result.passes(tolerance: 1e-6), "trial \(trial), shape \(shape): \(result)")
/// }
/// ```
///
/// With swift-property-based (`import PropertyBased`), which supplies the seeds and
/// reports the failing one:
///
/// ```swift
/// @Test func softPlusLikeHasRightGradients() async {
///     await propertyCheck(input: Gen.uint64()) { seed in
///         var rng = RandomGenerator(seed: seed)
///         let (a, b) = Arbitrary.broadcastableShapes(using: &rng)
///         let x = Arbitrary.tensor(a, using: &rng)
///         let y = Arbitrary.tensor(b, in: .positive, using: &rng)
///         let result = checkGradient(of: { p in (p[0] * p[0] / p[1]).sum() }, at: [x, y])
///         #expect(result.passes(), "seed \(seed): \(result)")
///     }
/// }
/// ```
public enum Arbitrary {
    /// A shape with a rank in `rank` and every extent in `extent`.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 1)
    /// let s = Arbitrary.shape(using: &rng)                        // e.g. [3, 1, 4]
    /// let m = Arbitrary.shape(rank: 2...2, extent: 1...8, using: &rng)
    /// ```
    public static func shape(
        rank: ClosedRange<Int> = 0...4, extent: ClosedRange<Int> = 1...4,
        using generator: inout RandomGenerator
    ) -> [Int] {
        precondition(rank.lowerBound >= 0, "Arbitrary.shape: rank range \(rank) has negative ranks")
        precondition(extent.lowerBound >= 0, "Arbitrary.shape: extent range \(extent) has negative extents")
        let r = generator.nextInt(in: rank)
        return (0..<r).map { _ in generator.nextInt(in: extent) }
    }

    /// Two shapes that broadcast together (NumPy rules): both are suffixes of one random
    /// shape, with some axes replaced by 1; each has a rank in `rank`.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 1)
    /// let (a, b) = Arbitrary.broadcastableShapes(using: &rng)     // e.g. [2, 1, 3] and [4, 1]
    /// let sum = Tensor.ones(a) + Tensor.ones(b)
    /// ```
    public static func broadcastableShapes(
        rank: ClosedRange<Int> = 0...4, extent: ClosedRange<Int> = 1...4,
        using generator: inout RandomGenerator
    ) -> (lhs: [Int], rhs: [Int]) {
        let full = shape(rank: rank, extent: extent, using: &generator)
        func operand(_ generator: inout RandomGenerator) -> [Int] {
            let r = generator.nextInt(in: Swift.min(rank.lowerBound, full.count)...full.count)
            return full.suffix(r).map { generator.nextInt(below: 3) == 0 ? 1 : $0 }
        }
        let lhs = operand(&generator)
        let rhs = operand(&generator)
        return (lhs, rhs)
    }

    /// A random subset of the axes `0..<rank`, in increasing order (possibly empty), for
    /// reductions such as `sum(alongAxes:)`.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 1)
    /// let x = Arbitrary.tensor([2, 3, 4], using: &rng)
    /// let s = x.sum(alongAxes: Arbitrary.axes(rank: x.rank, using: &rng))
    /// ```
    public static func axes(rank: Int, using generator: inout RandomGenerator) -> [Int] {
        precondition(rank >= 0, "Arbitrary.axes: rank \(rank) is negative")
        return (0..<rank).filter { _ in generator.nextInt(below: 2) == 1 }
    }

    /// A tensor with values in `domain`.
    ///
    /// With `distinct: true` the values are also well separated (by at least
    /// `0.2 · domain length / count`), for functions that are not smooth where two
    /// elements tie, such as `max`, sorting and `argmax`-based selection.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 1)
    /// let x = Arbitrary.tensor([2, 3], in: .positive, dtype: .float32, using: &rng)
    /// let y = Arbitrary.tensor([5], distinct: true, using: &rng)
    /// ```
    public static func tensor(
        _ shape: [Int], in domain: Domain = .awayFromZero, distinct: Bool = false,
        dtype: DType = .float64, using generator: inout RandomGenerator
    ) -> Tensor {
        precondition(shape.allSatisfy { $0 >= 0 }, "Arbitrary.tensor: negative extent in shape \(shape)")
        let n = Shape.count(shape)
        var values = [Double](repeating: 0, count: n)
        if distinct {
            // One value per stratum of [0, 1), strata in random order, kept off the
            // strata's edges so that neighbours stay apart after the monotone map.
            let order = generator.permutation(n)
            for i in 0..<n {
                let t = (Double(order[i]) + 0.1 + 0.8 * generator.nextUniform()) / Double(n)
                values[i] = domain.value(atFraction: t)
            }
        } else {
            for i in 0..<n { values[i] = domain.value(atFraction: generator.nextUniform()) }
        }
        return Tensor(values, shape: shape, dtype: dtype)
    }

    /// A tree with the structure, shapes and dtypes of `x` and random values in
    /// `domain`: a direction for ``checkJVP(of:at:along:epsilon:)`` or a cotangent.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 1)
    /// let point = [Tensor.ones([2, 2]), Tensor.ones([2])]
    /// let direction = Arbitrary.tree(like: point, using: &rng)
    /// ```
    public static func tree<T: DifferentiableTree>(
        like x: T, in domain: Domain = .awayFromZero, using generator: inout RandomGenerator
    ) -> T {
        x.mapLeaves { tensor($0.shape, in: domain, dtype: $0.dtype, using: &generator) }
    }
}
