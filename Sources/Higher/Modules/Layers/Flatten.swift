/// Merges the axes from `startAxis` to `endAxis` (inclusive) into one, PyTorch's
/// `nn.Flatten`; by default every axis but the first (the batch axis).
///
/// ```swift
/// let flat = Flatten()
/// flat(Tensor.zeros([8, 3, 4, 4])).shape                           // [8, 48]
/// Flatten(startAxis: 0, endAxis: 1)(Tensor.zeros([2, 3, 4])).shape  // [6, 4]
/// ```
public final class Flatten: Module {
    /// The first axis merged (negative counts from the end).
    ///
    /// ```swift
    /// Flatten().startAxis    // 1
    /// ```
    public let startAxis: Int
    /// The last axis merged (negative counts from the end).
    ///
    /// ```swift
    /// Flatten().endAxis    // -1
    /// ```
    public let endAxis: Int

    /// A layer merging axes `startAxis...endAxis`.
    ///
    /// ```swift
    /// let flat = Flatten(startAxis: 1, endAxis: -1)
    /// ```
    public init(startAxis: Int = 1, endAxis: Int = -1) {
        self.startAxis = startAxis
        self.endAxis = endAxis
    }

    /// The input with the axes merged (a rank-0 input becomes a one-element vector).
    ///
    /// ```swift
    /// let y = flat(x)
    /// ```
    public func callAsFunction(_ input: Tensor) -> Tensor {
        if input.rank == 0 { return input.reshaped([1]) }
        // In task-batched mode the axes count after the task axis.
        let shift = TaskBatch.taskCount == nil || startAxis < 0 ? 0 : 1
        let start = startAxis < 0 ? startAxis + input.rank : startAxis + shift
        let end = endAxis < 0 ? endAxis + input.rank : endAxis + shift
        precondition(start >= 0 && end < input.rank && start <= end,
                     "Flatten: axes \(startAxis)...\(endAxis) do not fit input \(input.shape)")
        let merged = Shape.count(Array(input.shape[start...end]))
        return input.reshaped(Array(input.shape[..<start]) + [merged] + Array(input.shape[(end + 1)...]))
    }
}
