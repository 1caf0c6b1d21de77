import Synchronization

/// The record of one reverse-mode level: for every traced operation, which nodes fed
/// it and how to pull a cotangent back through it.
///
/// Pullbacks are written with ordinary differentiable tensor operations, so running
/// the backward sweep while an outer level is active differentiates the sweep itself:
/// forward-over-reverse and reverse-over-reverse need no second set of rules.
final class Tape: Sendable {
    struct Node: Sendable {
        /// Input node indices, `-1` for inputs that are constants at this level.
        let inputs: [Int]
        /// `nil` for a leaf (an input of the differentiation call).
        let pullback: (@Sendable (Tensor) -> [Tensor?])?
        let shape: [Int]
        let name: String
    }

    private let nodes = Mutex<[Node]>([])

    /// Appends a node and returns its index.
    func record(_ node: Node) -> Int {
        nodes.withLock { n in
            n.append(node)
            return n.count - 1
        }
    }

    /// Runs the backward sweep from the seeded nodes and returns the cotangents that
    /// reach `leaves` (`nil` where none does).
    func backward(seeds: [(node: Int, cotangent: Tensor)], leaves: [Int]) -> [Tensor?] {
        let all = nodes.withLock { $0 }
        var cotangents = [Tensor?](repeating: nil, count: all.count)
        var last = -1
        for (node, c) in seeds where node >= 0 {
            cotangents[node] = cotangents[node].map { $0 + c } ?? c
            last = max(last, node)
        }
        var isLeaf = [Bool](repeating: false, count: all.count)
        for l in leaves where l >= 0 { isLeaf[l] = true }
        var i = last
        while i >= 0 {
            defer { i -= 1 }
            let node = all[i]
            guard let pullback = node.pullback, let g = cotangents[i] else { continue }
            if !isLeaf[i] { cotangents[i] = nil }
            let grads = pullback(g)
            for (k, input) in node.inputs.enumerated() where input >= 0 {
                guard let gk = grads[k] else { continue }
                precondition(gk.shape == all[input].shape,
                             "internal: the pullback of \(node.name) returned shape \(gk.shape) for an input of shape \(all[input].shape)")
                cotangents[input] = cotangents[input].map { $0 + gk } ?? gk
            }
        }
        return leaves.map { $0 >= 0 ? cotangents[$0] : nil }
    }
}
