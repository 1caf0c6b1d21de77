/// A seedable, splittable source of random numbers that gives the same numbers on every
/// machine: randomness in Higher is always explicit, passed in as `inout` state.
///
/// The algorithm is xoshiro256** (Blackman and Vigna, 2018), with its 256-bit state
/// filled from the seed by SplitMix64 (Steele, Lea and Flood, 2014), as its authors
/// recommend. Both use only integer arithmetic, so a seed names the same stream
/// everywhere. The conversions to floating point are also exact by construction:
///
/// - ``nextUniform()`` takes the top 53 bits of one output (`Double` in `[0, 1)`);
///   ``nextUniformFloat()`` the top 24 bits (`Float` in `[0, 1)`).
/// - ``nextNormal()`` uses Marsaglia's polar method with a logarithm written here with
///   IEEE basic arithmetic and `sqrt` only (all correctly rounded), so normal samples do
///   not depend on the platform's math library either.
///
/// A generator is a value: copying it copies the stream, and the copies then produce the
/// same numbers. To get independent streams, use ``split()`` (advances this generator)
/// or ``fork(_:)`` (a child per index, without touching this generator), for example one
/// per task of a meta-batch.
///
/// ```swift
/// var rng = RandomGenerator(seed: 42)
/// let w = Tensor.normal([3, 4], standardDeviation: 0.1, using: &rng)
/// let u = rng.nextUniform()                       // a Double in [0, 1)
/// let coin = Bool.random(using: &rng)             // any standard-library API works too
/// let perTask = (0..<4).map { rng.fork($0) }      // one stream per task
/// ```
public struct RandomGenerator: RandomNumberGenerator, Sendable, Equatable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64
    /// The second value of the last polar-method pair, served by the next ``nextNormal()``.
    private var spareNormal: Double?

    /// A generator whose stream is determined by `seed`.
    ///
    /// ```swift
    /// var a = RandomGenerator(seed: 7)
    /// var b = RandomGenerator(seed: 7)
    /// a.next() == b.next()      // true, on every machine
    /// ```
    public init(seed: UInt64) {
        var mixer = SplitMix64(state: seed)
        s0 = mixer.next()
        s1 = mixer.next()
        s2 = mixer.next()
        s3 = mixer.next()
        spareNormal = nil
        avoidZeroState()
    }

    private init(state: (UInt64, UInt64, UInt64, UInt64)) {
        (s0, s1, s2, s3) = state
        spareNormal = nil
        avoidZeroState()
    }

    /// The all-zero state is xoshiro's only fixed point; SplitMix64 practically never
    /// produces it, but a derived state is guarded all the same.
    private mutating func avoidZeroState() {
        if s0 | s1 | s2 | s3 == 0 { s0 = SplitMix64.gamma }
    }

    /// The next 64 random bits (xoshiro256**).
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 42)
    /// let bits = rng.next()
    /// ```
    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotateLeft(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotateLeft(s3, 45)
        return result
    }

    /// A `Double` in `[0, 1)`: the top 53 bits of ``next()`` times 2⁻⁵³.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 1)
    /// let u = rng.nextUniform()
    /// ```
    @inline(__always)
    public mutating func nextUniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A `Float` in `[0, 1)`: the top 24 bits of ``next()`` times 2⁻²⁴.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 1)
    /// let u = rng.nextUniformFloat()
    /// ```
    @inline(__always)
    public mutating func nextUniformFloat() -> Float {
        Float(next() >> 40) * 0x1.0p-24
    }

    /// A standard normal sample (mean 0, standard deviation 1).
    ///
    /// Marsaglia's polar method: draw `u, v` uniform in `[-1, 1)` until
    /// `0 < s = u² + v² < 1`, then `u·√(−2 ln s / s)` and `v·√(−2 ln s / s)` are two
    /// independent normal samples; the second is kept for the next call. The logarithm
    /// is computed without the platform's math library, so the samples are identical on
    /// every machine.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 3)
    /// let z = rng.nextNormal()
    /// ```
    public mutating func nextNormal() -> Double {
        if let spare = spareNormal {
            spareNormal = nil
            return spare
        }
        let (a, b) = nextNormalPair()
        spareNormal = b
        return a
    }

    /// Two independent standard normal samples from one round of the polar method.
    mutating func nextNormalPair() -> (Double, Double) {
        while true {
            let u = 2 * nextUniform() - 1
            let v = 2 * nextUniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 {
                let factor = (-2 * portableLog(s) / s).squareRoot()
                return (u * factor, v * factor)
            }
        }
    }

    /// A uniformly distributed integer in `0..<upperBound`, without modulo bias
    /// (Lemire's multiply-and-reject method, written here so that the result does not
    /// depend on the standard library's version).
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 5)
    /// let die = rng.nextInt(below: 6) + 1
    /// ```
    public mutating func nextInt(below upperBound: Int) -> Int {
        precondition(upperBound > 0, "RandomGenerator.nextInt(below:): the bound \(upperBound) must be positive")
        let n = UInt64(upperBound)
        var product = next().multipliedFullWidth(by: n)
        if product.low < n {
            let threshold = (0 &- n) % n
            while product.low < threshold {
                product = next().multipliedFullWidth(by: n)
            }
        }
        return Int(product.high)
    }

    /// A uniformly distributed integer in `range`.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 5)
    /// let rank = rng.nextInt(in: 0...4)
    /// ```
    public mutating func nextInt(in range: ClosedRange<Int>) -> Int {
        let (width, overflow) = range.upperBound.subtractingReportingOverflow(range.lowerBound)
        precondition(!overflow && width < Int.max, "RandomGenerator.nextInt(in:): the range \(range) is too wide")
        return range.lowerBound + nextInt(below: width + 1)
    }

    /// A random permutation of `0..<count` (Fisher–Yates), for shuffling a data set.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 9)
    /// let order = rng.permutation(5)     // e.g. [3, 0, 4, 1, 2]
    /// ```
    public mutating func permutation(_ count: Int) -> [Int] {
        precondition(count >= 0, "RandomGenerator.permutation: count \(count) is negative")
        var p = Array(0..<count)
        var i = count - 1
        while i > 0 {
            p.swapAt(i, nextInt(below: i + 1))
            i -= 1
        }
        return p
    }

    /// A new generator with a stream independent of this one's, advancing this one.
    ///
    /// The child's state is this generator's state after one step, each word mixed with
    /// a key drawn from the stream through SplitMix64's finaliser (a bijective 64-bit
    /// hash); the parent goes on from its advanced state. Splitting again, in the parent
    /// or in a child, gives further streams, so a tree of splits is fine.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 42)
    /// var dropoutRNG = rng.split()
    /// let mask = Tensor.bernoulli([8], probability: 0.9, using: &dropoutRNG)
    /// ```
    public mutating func split() -> RandomGenerator {
        let key = next()
        return derived(key: key, domain: 0x6A09_E667_F3BC_C908)
    }

    /// The child generator number `index`, without advancing this one: the same parent
    /// and index always give the same child, whatever order the children are made in,
    /// which suits tasks that run concurrently.
    ///
    /// ```swift
    /// let base = RandomGenerator(seed: 42)
    /// let streams = (0..<8).map { base.fork($0) }   // one per task
    /// ```
    public func fork(_ index: Int) -> RandomGenerator {
        derived(key: UInt64(bitPattern: Int64(index)), domain: 0xBB67_AE85_84CA_A73B)
    }

    /// A state made of each word of this state mixed with a hash of `(key, domain, word
    /// position)`; `domain` keeps ``split()`` and ``fork(_:)`` children apart.
    private func derived(key: UInt64, domain: UInt64) -> RandomGenerator {
        let k = SplitMix64.mix(key ^ domain)
        let g = SplitMix64.gamma
        return RandomGenerator(state: (
            SplitMix64.mix(s0 ^ SplitMix64.mix(k &+ g)),
            SplitMix64.mix(s1 ^ SplitMix64.mix(k &+ 2 &* g)),
            SplitMix64.mix(s2 ^ SplitMix64.mix(k &+ 3 &* g)),
            SplitMix64.mix(s3 ^ SplitMix64.mix(k &+ 4 &* g))))
    }
}

@inline(__always)
private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
    (x << k) | (x >> (64 - k))
}

/// SplitMix64: a Weyl sequence with step `gamma` passed through a bijective mixer. Used to
/// expand a 64-bit seed into xoshiro's state and to hash keys when deriving streams.
struct SplitMix64 {
    static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15
    var state: UInt64

    @inline(__always)
    mutating func next() -> UInt64 {
        state &+= SplitMix64.gamma
        return SplitMix64.mix(state)
    }

    /// The SplitMix64 output function (a variant of MurmurHash3's finaliser).
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// The natural logarithm of a positive, finite, normal `x`, computed with IEEE basic
/// operations only, so that its result is the same on every platform (the C library's
/// `log` may differ in the last bit between implementations). Accurate to a few ulps.
///
/// `x = 2ᵏ·m` with `m ∈ [√½, √2)`; `ln m = 2·atanh(f)` with `f = (m − 1)/(m + 1)`,
/// `|f| ≤ 0.172`, summed as the odd series `2f·(1 + f²/3 + f⁴/5 + …)` to the term
/// `f²²/23`, below 10⁻¹⁷ relative.
func portableLog(_ x: Double) -> Double {
    precondition(x > 0 && x.isFinite, "portableLog: \(x) is not a positive finite number")
    var k = Double(x.exponent)
    var m = x.significand                      // in [1, 2), exact
    if m > 1.4142135623730951 {
        m *= 0.5                               // exact
        k += 1
    }
    let f = (m - 1) / (m + 1)                  // m − 1 is exact (Sterbenz)
    let s = f * f
    // The coefficients 1/(2j + 1) are folded at compile time with the same IEEE division.
    var series = (1.0 / 23) * s + (1.0 / 21)
    series = series * s + (1.0 / 19)
    series = series * s + (1.0 / 17)
    series = series * s + (1.0 / 15)
    series = series * s + (1.0 / 13)
    series = series * s + (1.0 / 11)
    series = series * s + (1.0 / 9)
    series = series * s + (1.0 / 7)
    series = series * s + (1.0 / 5)
    series = series * s + (1.0 / 3)
    series = series * s
    let ln2High = 0.693147180369123816490      // ln 2 with the low bits cleared: k·ln2High is exact
    let ln2Low = 1.90821492927058770002e-10    // ln 2 − ln2High
    return k * ln2High + (k * ln2Low + (2 * f + 2 * f * series))
}
