/// Median time per call, after a warm-up, over repeats long enough to time reliably.
func microseconds(quick: Bool, _ body: () -> Void) -> Double {
    for _ in 0..<5 { body() }
    let clock = ContinuousClock()
    let minimum: Duration = quick ? .milliseconds(20) : .milliseconds(200)
    var iterations = 1
    while true {
        let t = clock.measure { for _ in 0..<iterations { body() } }
        if t >= minimum { break }
        iterations *= 2
    }
    let repeats = quick ? 3 : 9
    var samples = [Double]()
    for _ in 0..<repeats {
        let t = clock.measure { for _ in 0..<iterations { body() } }
        samples.append(Double(t.components.seconds) * 1e6 + Double(t.components.attoseconds) * 1e-12)
    }
    samples.sort()
    return samples[repeats / 2] / Double(iterations)
}

/// Keeps the optimizer from removing work whose result is unused.
@inline(never)
func consume<T>(_ value: T) { withExtendedLifetime(value) {} }
