import Foundation

/// `body` applied to every element, spread over up to `workers` concurrent tasks (each a
/// contiguous run of elements), with the results in the order of `items`: what a caller
/// does with them cannot depend on scheduling.
///
/// ```swift
/// let squares = try await orderedConcurrentMap([1, 2, 3], workers: 2) { $0 * $0 }   // [1, 4, 9]
/// ```
public func orderedConcurrentMap<T: Sendable, R: Sendable>(
    _ items: [T], workers: Int = ProcessInfo.processInfo.activeProcessorCount,
    _ body: @escaping @Sendable (T) throws -> R
) async throws -> [R] {
    let chunks = max(1, min(workers, items.count))
    if chunks == 1 { return try items.map(body) }
    let bounds = (0...chunks).map { $0 * items.count / chunks }
    return try await withThrowingTaskGroup(of: (Int, [R]).self) { group in
        for c in 0..<chunks {
            let slice = Array(items[bounds[c]..<bounds[c + 1]])
            group.addTask { (c, try slice.map(body)) }
        }
        var parts = [[R]](repeating: [], count: chunks)
        for try await (c, part) in group { parts[c] = part }
        return parts.flatMap { $0 }
    }
}
