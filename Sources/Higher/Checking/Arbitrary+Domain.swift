extension Arbitrary {
    /// Where generated values lie: a union of closed intervals, chosen to keep inputs
    /// away from the points where a function is not smooth or not defined, so that
    /// finite differences are meaningful.
    ///
    /// Values are spread over the intervals in proportion to their lengths.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 1)
    /// let p = Arbitrary.tensor([3], in: .unitInterval, using: &rng)        // for log(p), log(1 − p)
    /// let r = Arbitrary.tensor([3], in: Arbitrary.Domain(1...3, 5...6), using: &rng)
    /// ```
    public struct Domain: Sendable, Equatable, CustomStringConvertible {
        /// The intervals, in increasing order.
        ///
        /// ```swift
        /// Arbitrary.Domain.awayFromZero.intervals.count    // 2
        /// ```
        public let intervals: [ClosedRange<Double>]

        /// The union of `intervals` (finite, non-overlapping, given in increasing order).
        ///
        /// ```swift
        /// let d = Arbitrary.Domain(-3 ... -1, 1...3)
        /// ```
        public init(_ intervals: ClosedRange<Double>...) {
            self.init(intervals: intervals)
        }

        /// The union of `intervals` (finite, non-overlapping, given in increasing order).
        ///
        /// ```swift
        /// let d = Arbitrary.Domain(intervals: [0.1...0.4, 0.6...0.9])
        /// ```
        public init(intervals: [ClosedRange<Double>]) {
            precondition(!intervals.isEmpty, "Arbitrary.Domain: no interval given")
            for (i, r) in intervals.enumerated() {
                precondition(r.lowerBound.isFinite && r.upperBound.isFinite,
                             "Arbitrary.Domain: interval \(r) is not finite")
                precondition(i == 0 || intervals[i - 1].upperBound < r.lowerBound,
                             "Arbitrary.Domain: intervals \(intervals) overlap or are not in increasing order")
            }
            self.intervals = intervals
        }

        /// `[−2, −0.25] ∪ [0.25, 2]`: magnitudes near 1 with both signs, away from 0, the
        /// kink of `abs`, `relu`, `max(x, 0)` and the pole of `1/x`. The default.
        ///
        /// ```swift
        /// var rng = RandomGenerator(seed: 1)
        /// let x = Arbitrary.tensor([4], in: .awayFromZero, using: &rng)
        /// ```
        public static let awayFromZero = Domain(-2 ... -0.25, 0.25...2)

        /// `[0.25, 2]`: for `log`, `sqrt`, `rsqrt`, `1/x` and real powers.
        ///
        /// ```swift
        /// var rng = RandomGenerator(seed: 1)
        /// let x = Arbitrary.tensor([4], in: .positive, using: &rng)
        /// ```
        public static let positive = Domain(0.25...2)

        /// `[0.05, 0.95]`: probabilities away from 0 and 1, for `log(p)`, `log(1 − p)`,
        /// binary cross-entropy and `logit`.
        ///
        /// ```swift
        /// var rng = RandomGenerator(seed: 1)
        /// let p = Arbitrary.tensor([4], in: .unitInterval, using: &rng)
        /// ```
        public static let unitInterval = Domain(0.05...0.95)

        /// `[−0.9, −0.1] ∪ [0.1, 0.9]`: inside `(−1, 1)` away from its ends and from 0, for
        /// `atanh`, `asin`, `acos`.
        ///
        /// ```swift
        /// var rng = RandomGenerator(seed: 1)
        /// let x = Arbitrary.tensor([4], in: .signedUnit, using: &rng)
        /// ```
        public static let signedUnit = Domain(-0.9 ... -0.1, 0.1...0.9)

        /// One interval.
        ///
        /// ```swift
        /// let d = Arbitrary.Domain.interval(-1...1)
        /// ```
        public static func interval(_ range: ClosedRange<Double>) -> Domain { Domain(range) }

        /// The total length of the intervals.
        var length: Double { intervals.reduce(0) { $0 + ($1.upperBound - $1.lowerBound) } }

        /// The point at fraction `t ∈ [0, 1]` of the total length, walking the intervals in
        /// order: increasing in `t`, so well-separated fractions give well-separated values.
        func value(atFraction t: Double) -> Double {
            var rest = t * length
            for r in intervals {
                let width = r.upperBound - r.lowerBound
                if rest <= width { return r.lowerBound + rest }
                rest -= width
            }
            return intervals[intervals.count - 1].upperBound
        }

        /// The intervals joined by `∪`, as messages show them.
        ///
        /// ```swift
        /// print(Arbitrary.Domain.awayFromZero)    // [-2.0, -0.25] ∪ [0.25, 2.0]
        /// ```
        public var description: String {
            intervals.map { "[\($0.lowerBound), \($0.upperBound)]" }.joined(separator: " ∪ ")
        }
    }
}
