extension Parameters {
    /// Every tensor repeated on a new leading task axis: the starting point of a
    /// task-batched loop in which every task starts from the same weights.
    ///
    /// ```swift
    /// let stacked = f.parameters.repeatedForTasks(8)     // weight [out, in] → [8, out, in]
    /// ```
    public func repeatedForTasks(_ count: Int) -> Parameters {
        precondition(count >= 1, "repeatedForTasks: count \(count) must be at least 1")
        return mapLeaves { $0.unsqueezed(at: 0).broadcast(to: [count] + $0.shape) }
    }

    /// Trees of the same structure stacked on a new leading task axis.
    ///
    /// ```swift
    /// let stacked = Parameters.stackingTasks([taskA, taskB])
    /// ```
    public static func stackingTasks(_ trees: [Parameters]) -> Parameters {
        precondition(!trees.isEmpty, "stackingTasks: no trees")
        for tree in trees.dropFirst() {
            if let problem = trees[0].mismatch(with: tree, context: "stackingTasks") { preconditionFailure("stackingTasks: \(problem)") }
        }
        return trees[0].with(tensors: (0..<trees[0].count).map { i in Tensor.stack(trees.map { $0.tensors[i] }, alongAxis: 0) })
    }

    /// Task `index`'s tree out of a task-stacked one.
    ///
    /// ```swift
    /// let third = stacked.task(2)
    /// ```
    public func task(_ index: Int) -> Parameters {
        mapLeaves { t in
            precondition(t.rank >= 1 && index >= 0 && index < t.shape[0],
                         "Parameters task(\(index)): a tensor of shape \(t.shape) has no task \(index)")
            return t[index]
        }
    }

    /// The sum over the leading task axis: the gradient with respect to shared weights
    /// from the gradient with respect to their per-task copies.
    ///
    /// ```swift
    /// let metaGradient = result.initialParameters!.summedOverTasks()
    /// ```
    public func summedOverTasks() -> Parameters {
        mapLeaves { t in
            precondition(t.rank >= 1, "summedOverTasks: a rank-0 tensor has no task axis")
            return t.sum(alongAxis: 0)
        }
    }
}
