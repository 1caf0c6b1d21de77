// Seconds per MAML meta-iteration for the workloads of Benchmarks/peers/maml_common.py.
//   MAMLBench --workload mlp_t8_k5 [--mode batched|loop|concurrent|batched-concurrent] [--threads N]
//             [--strategy forwardOverReverse|reverseOverReverse] [--iterations N] [--json]
// Prints one JSON line with --json (read by Benchmarks/peers/maml_table.py), else a sentence.
import Foundation
import Higher

// glibc returns freed heap memory to the kernel after every large free, so each iteration
// faults its tensors' pages in again; keep freed memory for reuse instead (a process-wide
// allocator setting of this program, not of the library; see docs/benchmarks.md).
@_silgen_name("mallopt") func mallopt(_ parameter: Int32, _ value: Int32) -> Int32
_ = mallopt(-1, 256 << 20)     // M_TRIM_THRESHOLD
_ = mallopt(-3, 256 << 20)     // M_MMAP_THRESHOLD

let args = CommandLine.arguments
func option(_ name: String) -> String? { args.firstIndex(of: name).map { args[$0 + 1] } }
guard let workload = Workload(rawValue: option("--workload") ?? "mlp_t8_k5") else {
    print("unknown workload; one of: \(Workload.allCases.map(\.rawValue).joined(separator: ", "))")
    exit(2)
}
guard let mode = Mode(rawValue: option("--mode") ?? "batched") else {
    print("unknown mode; one of: batched, loop, concurrent, batched-concurrent")
    exit(2)
}
let threads = Int(option("--threads") ?? "1") ?? 1
let strategy: MetaGradientStrategy = option("--strategy") == "reverseOverReverse" ? .reverseOverReverse : .forwardOverReverse
// As many untimed and timed iterations as every peer in Benchmarks/peers/maml_bench.py.
let warmUps = workload.isCNN ? 1 : 3
let iterations = Int(option("--iterations") ?? "") ?? (workload.isCNN ? 5 : 30)
BLASBackend.setThreadCount(1)

/// Peak resident set size of this process, in MB (VmHWM).
func peakRSS() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return .nan }
    return kb / 1024
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    return Double(ContinuousClock.now - start)
}

extension Double {
    /// A duration in seconds.
    init(_ d: Duration) { self = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18 }
}

/// Times `iterations` runs of `body` after `warmUps` untimed ones.
func timed(_ body: () throws -> Void) rethrows -> [Double] {
    for _ in 0..<warmUps { try body() }
    return try (0..<iterations).map { _ in try seconds(body) }
}

// Everything but the concurrent modes runs synchronously on the main thread: with the
// allocator settings above, hopping between threads would give each thread its own heap
// and count the same working set once per thread in the peak RSS.
var rng = RandomGenerator(seed: 0)
var samples: [Double]
if workload == .hyperK100 {
    let model = makeFunctional(SineMLP(using: &rng))
    let batch = MetaBatch(workload, using: &rng)
    samples = try timed { _ = try hypergradient(model, batch, steps: workload.steps, strategy: strategy) }
} else if workload.isCNN {
    var learner = MetaLearner(FewShotCNN(using: &rng), workload, strategy: strategy)
    samples = try await measure(&learner, MetaBatch(workload, using: &rng))
} else {
    var learner = MetaLearner(SineMLP(using: &rng), workload, strategy: strategy)
    samples = try await measure(&learner, MetaBatch(workload, using: &rng))
}

func measure<M>(_ learner: inout MetaLearner<M>, _ batch: MetaBatch) async throws -> [Double] {
    if mode == .batched || mode == .loop { return try timed { _ = try learner.iterate(batch, mode: mode) } }
    for _ in 0..<warmUps { _ = try await learner.iterateConcurrently(batch, mode: mode, threads: threads) }
    var samples: [Double] = []
    for _ in 0..<iterations {
        let start = ContinuousClock.now
        _ = try await learner.iterateConcurrently(batch, mode: mode, threads: threads)
        samples.append(Double(ContinuousClock.now - start))
    }
    return samples
}

samples.sort()
let median = samples[samples.count / 2]
if args.contains("--json") {
    print("{\"peer\": \"higher-swift\", \"workload\": \"\(workload.rawValue)\", \"mode\": \"\(mode.rawValue)\", \"threads\": \(threads), \"seconds_per_iteration\": \(median), \"peak_rss_mb\": \(peakRSS())}")
} else {
    print("\(workload.rawValue) [\(mode.rawValue), \(threads) thread(s), \(strategy)]: \(median) s per meta-iteration, peak RSS \(peakRSS()) MB")
}
