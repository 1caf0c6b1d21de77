/// Runs `body` for every task index `0..<count`, spreading the tasks over up to
/// `maxConcurrency` threads with structured concurrency, and returns the results in task
/// order — so a sum over them is the same, bit for bit, as the serial loop's.
///
/// Each task should own its values (its inner loop, its data); the library has no shared
/// mutable state, so tasks never interfere.
///
/// ```swift
/// let gradients = try await concurrentTasks(32, maxConcurrency: 2) { t in
///     var loop = InnerLoop(model: f, optimizer: SGD(lr: 0.01))
///     for _ in 0..<5 { try loop.step { m in loss(try m(support[t].x), support[t].y) } }
///     return try loop.metaGradient { m in loss(try m(query[t].x), query[t].y) }.initialParameters!
/// }
/// let metaGradient = gradients.dropFirst().reduce(gradients[0], +)
/// ```
public func concurrentTasks<R: Sendable>(
    _ count: Int, maxConcurrency: Int = 2, _ body: @escaping @Sendable (Int) throws -> R
) async throws -> [R] {
    precondition(count >= 0, "concurrentTasks: count \(count) is negative")
    precondition(maxConcurrency >= 1, "concurrentTasks: maxConcurrency \(maxConcurrency) must be at least 1")
    if maxConcurrency == 1 || count <= 1 { return try (0..<count).map(body) }
    return try await withThrowingTaskGroup(of: (Int, R).self) { group in
        var results = [R?](repeating: nil, count: count)
        var next = 0
        // Keep at most `maxConcurrency` tasks in flight: each runs CPU-bound work.
        while next < min(maxConcurrency, count) {
            let t = next
            group.addTask { (t, try body(t)) }
            next += 1
        }
        while let (t, r) = try await group.next() {
            results[t] = r
            if next < count {
                let u = next
                group.addTask { (u, try body(u)) }
                next += 1
            }
        }
        return results.map { $0! }
    }
}
