// The inner loop's memory benchmark: ONE task per process, so peaks do not mix.
//
//     InnerLoopMemory --strategy forwardOverReverse --steps 10000
//
// A 1-40-40-1 ReLU MLP (Float32), SGD lr 0.01, K inner steps on a 10-point sinusoid
// support set, then the meta-gradient of the query loss. Prints one JSON line:
// baseline RSS (after setup and a warm-up gradient, before the loop), peak RSS (VmHWM at
// the end), RSS after the K steps (what the forward sweep keeps), the wall and CPU
// seconds of the K steps and of the meta-gradient, and µs per step (both, divided by K).
// Strategies: forwardOverReverse, reverseOverReverse, firstOrder, truncated:N, checkpointed.
import Higher
#if canImport(Glibc)
import Glibc
#endif

func argument(_ name: String) -> String? {
    let args = CommandLine.arguments
    return args.firstIndex(of: name).flatMap { $0 + 1 < args.count ? args[$0 + 1] : nil }
}

func parseStrategy(_ text: String) -> MetaGradientStrategy? {
    switch text {
    case "forwardOverReverse": return .forwardOverReverse
    case "reverseOverReverse": return .reverseOverReverse
    case "firstOrder": return .firstOrder
    case "checkpointed": return .checkpointed
    default:
        guard text.hasPrefix("truncated:"), let n = Int(text.dropFirst("truncated:".count)), n >= 0 else { return nil }
        return .truncated(steps: n)
    }
}

/// Wall-clock and process CPU seconds of `body`. CPU time is what the table compares
/// across K: it is far less disturbed than wall time by other load on the machine.
func measure(_ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
    func now(_ clock: clockid_t) -> Double {
        var t = timespec()
        clock_gettime(clock, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
    }
    let wall = now(CLOCK_MONOTONIC), cpu = now(CLOCK_PROCESS_CPUTIME_ID)
    try body()
    return (now(CLOCK_MONOTONIC) - wall, now(CLOCK_PROCESS_CPUTIME_ID) - cpu)
}

guard let strategyName = argument("--strategy"), let strategy = parseStrategy(strategyName),
      let stepsText = argument("--steps"), let steps = Int(stepsText), steps >= 1 else {
    print("usage: InnerLoopMemory --strategy forwardOverReverse|reverseOverReverse|firstOrder|truncated:N|checkpointed --steps K")
    exit(2)
}

BLASBackend.setThreadCount(1)
let model = SinusoidMLP()
let task = SinusoidTask()
func supportLoss(_ m: StepModel<SinusoidMLP>) throws -> Tensor {
    meanSquaredError(predicted: try m(task.support.x), target: task.support.y)
}
func queryLoss(_ m: StepModel<SinusoidMLP>) throws -> Tensor {
    meanSquaredError(predicted: try m(task.query.x), target: task.query.y)
}

// Warm-up: one gradient and one HVP of the loss, so the BLAS buffers and the runtime's
// first allocations count in the baseline, not against the loop.
do {
    let p = model.parameters
    let loss = { (q: Parameters) -> Tensor in
        meanSquaredError(predicted: try! model(task.support.x, parameters: q), target: task.support.y)
    }
    withExtendedLifetime(gradient(at: p, of: loss)) {}
    withExtendedLifetime(hessianVectorProduct(at: p, along: p, of: loss)) {}
}

let baseline = procStatusMegabytes("VmRSS")
var loop = InnerLoop(model: model, optimizer: SGD(lr: 0.01), strategy: strategy)
let forward = try measure {
    for _ in 0..<steps { try loop.step(supportLoss) }
}
let afterSteps = procStatusMegabytes("VmRSS")
var result: MetaGradient<SGD>?
let backward = try measure {
    result = try loop.metaGradient(queryLoss)
}
let peak = procStatusMegabytes("VmHWM")
let outer = result!.outerLoss.item
let gradNorm = result!.initialParameters.map { $0.globalNorm().item } ?? .nan

func number(_ x: Double, _ digits: Int = 3) -> String {
    guard x.isFinite else { return "null" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    return "\((x * scale).rounded() / scale)"
}
func perStep(_ seconds: Double) -> String { number(seconds / Double(steps) * 1e6, 1) }
print("{\"framework\": \"higher-swift\", \"strategy\": \"\(strategyName)\", \"steps\": \(steps), "
    + "\"baseline_rss_mb\": \(number(baseline, 1)), \"peak_rss_mb\": \(number(peak, 1)), "
    + "\"rss_after_steps_mb\": \(number(afterSteps, 1)), "
    + "\"seconds_forward\": \(number(forward.wall, 4)), \"seconds_backward\": \(number(backward.wall, 4)), "
    + "\"us_per_step\": \(perStep(forward.wall + backward.wall)), "
    + "\"cpu_seconds_forward\": \(number(forward.cpu, 4)), \"cpu_seconds_backward\": \(number(backward.cpu, 4)), "
    + "\"cpu_us_per_step\": \(perStep(forward.cpu + backward.cpu)), "
    + "\"cpu_us_per_step_forward\": \(perStep(forward.cpu)), \"cpu_us_per_step_backward\": \(perStep(backward.cpu)), "
    + "\"outer_loss\": \(outer), \"metagrad_norm\": \(gradNorm)}")
