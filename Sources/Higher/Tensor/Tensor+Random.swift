/// Random tensors drawn from an explicit ``RandomGenerator``: the same generator state
/// gives the same tensor on every machine.
extension Tensor {
    /// A tensor of samples uniform in `[low, high)`.
    ///
    /// Float64 elements are `low + (high − low)·u` with `u` from the top 53 bits of one
    /// generator output; Float32 elements use 24 bits, two per output (the top 24 bits of
    /// each 32-bit half). A result that rounds up to `high` is replaced by the largest
    /// value below it, so `high` is never returned (unless `low == high`).
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 42)
    /// let w = Tensor.uniform([64, 32], low: -0.1, high: 0.1, dtype: .float32, using: &rng)
    /// ```
    public static func uniform(
        _ shape: [Int], low: Double = 0, high: Double = 1, dtype: DType = .float64,
        using generator: inout RandomGenerator
    ) -> Tensor {
        precondition(shape.allSatisfy { $0 >= 0 }, "uniform: negative extent in shape \(shape)")
        precondition(low.isFinite && high.isFinite && low <= high,
                     "uniform: the interval [\(low), \(high)) is not a finite interval with low ≤ high")
        let n = Shape.count(shape)
        let width = high - low
        switch dtype {
        case .float64:
            let top = high.nextDown
            let values: [Double] = makeArray(n) { out in
                for i in 0..<n {
                    let v = low + width * generator.nextUniform()
                    out[i] = v < high ? v : Swift.max(low, top)
                }
            }
            return Tensor(shape: shape, data: .float64(values))
        case .float32:
            let lo = Float(low), hi = Float(high)
            let top = Swift.max(lo, hi.nextDown)
            @inline(__always) func sample(_ bits: UInt64) -> Float {
                let v = Float(low + width * (Double(bits) * 0x1.0p-24))
                return v < hi ? v : top
            }
            let values: [Float] = makeArray(n) { out in
                var i = 0
                while i + 1 < n {
                    let bits = generator.next()
                    out[i] = sample(bits >> 40)
                    out[i + 1] = sample((bits >> 8) & 0xFF_FFFF)
                    i += 2
                }
                if i < n { out[i] = sample(generator.next() >> 40) }
            }
            return Tensor(shape: shape, data: .float32(values))
        }
    }

    /// A tensor of normal samples with the given mean and standard deviation.
    ///
    /// Samples are `mean + standardDeviation·z` with `z` from
    /// ``RandomGenerator/nextNormal()`` (the polar method with a platform-independent
    /// logarithm), computed in Double and rounded once for Float32.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 42)
    /// let w = Tensor.normal([128, 64], standardDeviation: 0.02, dtype: .float32, using: &rng)
    /// ```
    public static func normal(
        _ shape: [Int], mean: Double = 0, standardDeviation: Double = 1, dtype: DType = .float64,
        using generator: inout RandomGenerator
    ) -> Tensor {
        precondition(shape.allSatisfy { $0 >= 0 }, "normal: negative extent in shape \(shape)")
        precondition(mean.isFinite && standardDeviation.isFinite && standardDeviation >= 0,
                     "normal: mean \(mean) and standard deviation \(standardDeviation) must be finite, the deviation ≥ 0")
        let n = Shape.count(shape)
        switch dtype {
        case .float64:
            let values: [Double] = makeArray(n) { out in
                for i in 0..<n { out[i] = mean + standardDeviation * generator.nextNormal() }
            }
            return Tensor(shape: shape, data: .float64(values))
        case .float32:
            let values: [Float] = makeArray(n) { out in
                for i in 0..<n { out[i] = Float(mean + standardDeviation * generator.nextNormal()) }
            }
            return Tensor(shape: shape, data: .float32(values))
        }
    }

    /// A tensor of independent 0/1 samples, each 1 with the given probability.
    ///
    /// An element is 1 when the top 53 bits of one generator output, read as an integer,
    /// are below `probability·2⁵³`: exact, so probability 0 never gives 1 and
    /// probability 1 always does.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 42)
    /// let keep = Tensor.bernoulli([4, 4], probability: 0.9, using: &rng)   // a dropout mask
    /// ```
    public static func bernoulli(
        _ shape: [Int], probability: Double, dtype: DType = .float64,
        using generator: inout RandomGenerator
    ) -> Tensor {
        precondition(shape.allSatisfy { $0 >= 0 }, "bernoulli: negative extent in shape \(shape)")
        precondition(probability >= 0 && probability <= 1,
                     "bernoulli: probability \(probability) is not in [0, 1]")
        let n = Shape.count(shape)
        // For an integer u, u < p·2⁵³ exactly when u < ⌈p·2⁵³⌉ (p·2⁵³ is exact). Both are
        // below 2⁵⁴, so the sign bit of u − threshold is the sample, without a branch.
        let threshold = UInt64((probability * 0x1.0p53).rounded(.up))
        switch dtype {
        case .float64:
            let values: [Double] = makeArray(n) { out in
                for i in 0..<n { out[i] = Double((generator.next() >> 11 &- threshold) >> 63) }
            }
            return Tensor(shape: shape, data: .float64(values))
        case .float32:
            let values: [Float] = makeArray(n) { out in
                for i in 0..<n { out[i] = Float((generator.next() >> 11 &- threshold) >> 63) }
            }
            return Tensor(shape: shape, data: .float32(values))
        }
    }
}
