import Foundation

/// Prints a progress line about twenty times per phase: the iteration, the mean loss
/// since the last line, the speed and the estimated time left.
struct Progress {
    let label: String
    let total: Int
    let every: Int
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private var lossSum = 0.0
    private var lossCount = 0

    init(label: String, total: Int, lines: Int = 20) {
        self.label = label
        self.total = total
        every = max(1, total / lines)
        start = clock.now
    }

    /// Seconds since the phase started.
    var elapsed: Double { seconds(clock.now - start) }

    mutating func record(iteration: Int, loss: Double) {
        lossSum += loss
        lossCount += 1
        let done = iteration + 1
        guard done % every == 0 || done == total else { return }
        let rate = Double(done) / max(elapsed, 1e-9)
        let left = Double(total - done) / rate
        let line = "  \(label) \(pad(done, to: total))/\(total)  loss \(String(format: "%8.4f", lossSum / Double(lossCount)))"
            + "  \(String(format: "%6.1f", rate)) it/s  elapsed \(duration(elapsed))  left \(duration(left))"
        say(line)
        lossSum = 0
        lossCount = 0
    }
}

/// Prints a line straight to standard output (unbuffered, so progress shows when piped).
func say(_ line: String = "") {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

func seconds(_ d: Duration) -> Double {
    let (s, attoseconds) = d.components
    return Double(s) + Double(attoseconds) * 1e-18
}

/// `75` → `"1m 15s"`, `9.3` → `"9.3s"`.
func duration(_ s: Double) -> String {
    guard s.isFinite else { return "?" }
    if s < 60 { return String(format: "%.1fs", s) }
    let whole = Int(s.rounded())
    return "\(whole / 60)m \(String(format: "%02d", whole % 60))s"
}

private func pad(_ value: Int, to total: Int) -> String {
    let text = String(value)
    return String(repeating: " ", count: max(0, String(total).count - text.count)) + text
}
