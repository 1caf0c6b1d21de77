import Testing
@testable import Higher

final class TinyCNN: Module, @unchecked Sendable {
    let body: Sequential
    let head: Linear
    init() {
        var rng = RandomGenerator(seed: 21)
        body = Sequential([
            Conv2d(1, 4, kernelSize: 3, padding: 1, using: &rng), BatchNorm2d(4), ReLU(), MaxPool2d(kernelSize: 2),
            Conv2d(4, 4, kernelSize: 3, padding: 1, using: &rng), BatchNorm2d(4), ReLU(), MaxPool2d(kernelSize: 2),
            Flatten(),
        ])
        head = Linear(4 * 2 * 2, 3, using: &rng)
    }
    func callAsFunction(_ x: Tensor) -> Tensor { head(body(x)) }
}

/// The task-batched unroll gives the per-task loops' results, stacked.
@Suite struct TaskBatchingTests {
    static let tasks = 3

    /// Per-task meta-gradients of a K-step loop, and the batched loop's, for `model`.
    func compare<M: FunctionalModel>(_ model: M, optimizer: some Optimizer, data: [(Tensor, Tensor)],
                                     loss: @escaping (Tensor, Tensor) -> Tensor) throws
    where M.Input == Tensor, M.Output == Tensor {
        func run<N: FunctionalModel>(_ m: N, _ x: Tensor, _ y: Tensor, _ perTask: @escaping (Tensor, Tensor) -> Tensor)
            throws -> (MetaGradient<some Optimizer>, InnerLoop<N, some Optimizer>) where N.Input == Tensor, N.Output == Tensor {
            var loop = InnerLoop(model: m, optimizer: optimizer)
            for _ in 0..<3 { try loop.step { s in perTask(try s(x), y) } }
            return (try loop.metaGradient { s in perTask(try s(x * 0.5), y) }, loop)
        }
        var single: [Parameters] = [], finals: [Parameters] = [], losses = 0.0
        for (x, y) in data {
            let (r, loop) = try run(model, x, y, loss)
            single.append(r.initialParameters!)
            finals.append(loop.parameters)
            losses += r.outerLoss.item
        }
        let xs = Tensor.stack(data.map(\.0), alongAxis: 0), ys = Tensor.stack(data.map(\.1), alongAxis: 0)
        let batched = TaskBatched(model, taskCount: data.count)
        let perTaskSum: (Tensor, Tensor) -> Tensor = { out, y in
            Tensor.stack((0..<data.count).map { loss(out[$0], y[$0]) }, alongAxis: 0).sum()
        }
        let (r, loop) = try run(batched, xs, ys, perTaskSum)
        #expect(abs(r.outerLoss.item - losses) < 1e-12 * max(1, abs(losses)))
        for t in 0..<data.count {
            #expect(loopRelativeDifference(r.initialParameters!.task(t), single[t]) < 1e-12, "task \(t) meta-gradient")
            #expect(loopRelativeDifference(loop.parameters.task(t), finals[t]) < 1e-12, "task \(t) adapted weights")
        }
        let summed = r.initialParameters!.summedOverTasks()
        let expected = single.dropFirst().reduce(single[0], +)
        #expect(loopRelativeDifference(summed, expected) < 1e-12)
    }

    @Test func mlpBatchedEqualsPerTaskLoops() throws {
        let f = makeFunctional(LoopNet())
        let data = (0..<Self.tasks).map { t -> (Tensor, Tensor) in
            let task = LoopTask(seed: UInt64(40 + t))
            return (task.xs, task.ys)
        }
        try compare(f, optimizer: Adam(lr: 0.01), data: data) { meanSquaredError(predicted: $0, target: $1) }
    }

    @Test func cnnBatchedEqualsPerTaskLoops() throws {
        let f = makeFunctional(TinyCNN())
        var rng = RandomGenerator(seed: 5)
        let data = (0..<Self.tasks).map { _ -> (Tensor, Tensor) in
            (Tensor.normal([4, 1, 8, 8], using: &rng), Tensor.normal([4, 3], using: &rng))
        }
        try compare(f, optimizer: SGD(lr: 0.1, momentum: 0.9), data: data) { meanSquaredError(predicted: $0, target: $1) }
    }

    @Test func stackingHelpers() {
        let a = Parameters([("w", Tensor([1, 2]))]), b = Parameters([("w", Tensor([3, 4]))])
        let s = Parameters.stackingTasks([a, b])
        #expect(s.tensor(at: "w").shape == [2, 2])
        #expect(s.task(1).tensor(at: "w").scalars == [3, 4])
        #expect(s.summedOverTasks().tensor(at: "w").scalars == [4, 6])
        #expect(a.repeatedForTasks(3).tensor(at: "w").shape == [3, 2])
    }

    /// Tasks in chunks, each chunk one task-batched unroll, the chunks over threads with
    /// `concurrentTasks` (what `MAMLBench --mode batched-concurrent` runs): every task's
    /// meta-gradient is its own loop's.
    @Test func taskBatchedChunksOverThreadsEqualPerTaskLoops() async throws {
        let f = makeFunctional(LoopNet())
        let tasks = (0..<4).map { LoopTask(seed: UInt64(60 + $0)) }
        let serial = try tasks.map { t -> Parameters in
            var loop = InnerLoop(model: f, optimizer: SGD(lr: 0.05))
            for _ in 0..<3 { try loop.step { m in meanSquaredError(predicted: try m(t.xs), target: t.ys) } }
            return try loop.metaGradient { m in meanSquaredError(predicted: try m(t.xq), target: t.yq) }.initialParameters!
        }
        let chunks = try await concurrentTasks(2, maxConcurrency: 2) { c -> Parameters in
            let chunk = tasks[(2 * c)..<(2 * c + 2)]
            func stacked(_ part: (LoopTask) -> Tensor) -> Tensor { Tensor.stack(chunk.map(part), alongAxis: 0) }
            let (xs, ys, xq, yq) = (stacked(\.xs), stacked(\.ys), stacked(\.xq), stacked(\.yq))
            // Equal task sizes: twice the mean over both tasks is the sum of their means.
            let loss = { (out: Tensor, y: Tensor) in meanSquaredError(predicted: out, target: y) * 2 }
            var loop = InnerLoop(model: TaskBatched(f, taskCount: 2), optimizer: SGD(lr: 0.05))
            for _ in 0..<3 { try loop.step { m in loss(try m(xs), ys) } }
            return try loop.metaGradient { m in loss(try m(xq), yq) }.initialParameters!
        }
        for t in 0..<4 {
            #expect(loopRelativeDifference(chunks[t / 2].task(t % 2), serial[t]) < 1e-12, "task \(t)")
        }
    }
}

@Suite struct ConcurrentTasksTests {
    @Test func concurrentMetaGradientsEqualTheSerialRun() async throws {
        let model = PlainMLP(hidden: 6, seed: 2)
        @Sendable func metaGradient(_ t: Int) throws -> Parameters {
            let task = LoopTask(seed: UInt64(100 + t))
            var loop = InnerLoop(model: model, optimizer: SGD(lr: 0.05))
            for _ in 0..<3 { try loop.step { m in meanSquaredError(predicted: try m(task.xs), target: task.ys) } }
            return try loop.metaGradient { m in meanSquaredError(predicted: try m(task.xq), target: task.yq) }.initialParameters!
        }
        let serial = try (0..<8).map(metaGradient)
        let concurrent = try await concurrentTasks(8, maxConcurrency: 3, metaGradient)
        #expect(concurrent == serial)
        let sumSerial = serial.dropFirst().reduce(serial[0], +)
        let sumConcurrent = concurrent.dropFirst().reduce(concurrent[0], +)
        #expect(sumSerial.tensors.map(\.scalars) == sumConcurrent.tensors.map(\.scalars))
    }
}
