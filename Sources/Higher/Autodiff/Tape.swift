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
        let inputs: NodeInputs
        /// `nil` for a leaf (an input of the differentiation call).
        let pullback: Tensor.Pullback?
        let shape: [Int]
        let name: String
    }

    private let nodes = Mutex<[Node]>([])

    /// Appends a node and returns its index.
    func record(_ node: consuming Node) -> Int {
        // Moved into the array, not copied: a copy would retain each of the node's
        // references once more and release them again when `node` ends.
        var pending = Optional(node)
        return nodes.withLock { n in
            n.append(pending.take()!)
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
        all.withUnsafeBufferPointer { nodes in
            cotangents.withUnsafeMutableBufferPointer { cotangents in
                var i = last
                while i >= 0 {
                    defer { i -= 1 }
                    // The cotangent first: most nodes of a long sweep receive none, and
                    // looking at the pullback would copy it.
                    guard cotangents[i] != nil, let pullback = nodes[i].pullback else { continue }
                    let g = isLeaf[i] ? cotangents[i]! : cotangents[i].take()!
                    var grads = pullback(g)
                    let inputs = nodes[i].inputs
                    for k in 0..<inputs.count {
                        let input = inputs[k]
                        // Moved out, not copied: the sweep owns the pullback's results.
                        guard input >= 0, let gk = grads[k].take() else { continue }
                        precondition(gk.shape == nodes[input].shape, """
                            internal: the pullback of \(nodes[i].name) returned shape \(gk.shape) \
                            for an input of shape \(nodes[input].shape)
                            """)
                        if var c = cotangents[input].take() {
                            c += gk                 // in place when plain and unshared
                            cotangents[input] = c
                        } else {
                            cotangents[input] = gk
                        }
                    }
                }
            }
        }
        return leaves.map { $0 >= 0 ? cotangents[$0] : nil }
    }
}
