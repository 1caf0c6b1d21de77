/// Max pooling over `[N, C, H, W]` (or unbatched `[C, H, W]`) inputs, PyTorch's
/// `nn.MaxPool2d`; see ``maxPool2d(_:kernelSize:stride:padding:)`` for the windows and
/// the derivative at ties.
///
/// ```swift
/// let pool = MaxPool2d(kernelSize: 2)
/// let y = pool(Tensor.ones([1, 3, 8, 8]))      // shape [1, 3, 4, 4]
/// ```
public final class MaxPool2d: Module {
    /// The window's height and width.
    ///
    /// ```swift
    /// MaxPool2d(kernelSize: [2, 3]).kernelSize.width    // 3
    /// ```
    public let kernelSize: Size2D
    /// The step between windows (the kernel size by default).
    ///
    /// ```swift
    /// MaxPool2d(kernelSize: 2).stride == 2    // true
    /// ```
    public let stride: Size2D
    /// Padding on each side, at most half the kernel; it never wins.
    ///
    /// ```swift
    /// MaxPool2d(kernelSize: 3, padding: 1).padding.height    // 1
    /// ```
    public let padding: Size2D

    /// A pooling layer; `stride` defaults to `kernelSize`, as in PyTorch.
    ///
    /// ```swift
    /// let pool = MaxPool2d(kernelSize: 3, stride: 2, padding: 1)
    /// ```
    public init(kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
    }

    /// The maximum of each window.
    ///
    /// ```swift
    /// let y = pool(x)
    /// ```
    public func callAsFunction(_ input: Tensor) -> Tensor {
        spatially(input, "MaxPool2d") { maxPool2d($0, kernelSize: kernelSize, stride: stride, padding: padding) }
    }
}

/// Average pooling over `[N, C, H, W]` (or unbatched `[C, H, W]`) inputs, PyTorch's
/// `nn.AvgPool2d` with its defaults (zero padding counts in the average); see
/// ``avgPool2d(_:kernelSize:stride:padding:)``.
///
/// ```swift
/// let pool = AvgPool2d(kernelSize: 2)
/// let y = pool(Tensor.ones([1, 3, 8, 8]))      // shape [1, 3, 4, 4]
/// ```
public final class AvgPool2d: Module {
    /// The window's height and width.
    ///
    /// ```swift
    /// AvgPool2d(kernelSize: 2).kernelSize.height    // 2
    /// ```
    public let kernelSize: Size2D
    /// The step between windows (the kernel size by default).
    ///
    /// ```swift
    /// AvgPool2d(kernelSize: 3, stride: 1).stride.width    // 1
    /// ```
    public let stride: Size2D
    /// Zero padding on each side, at most half the kernel.
    ///
    /// ```swift
    /// AvgPool2d(kernelSize: 3, padding: [1, 0]).padding.width    // 0
    /// ```
    public let padding: Size2D

    /// A pooling layer; `stride` defaults to `kernelSize`, as in PyTorch.
    ///
    /// ```swift
    /// let pool = AvgPool2d(kernelSize: 3, stride: 2, padding: 1)
    /// ```
    public init(kernelSize: Size2D, stride: Size2D? = nil, padding: Size2D = 0) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
    }

    /// The mean of each window.
    ///
    /// ```swift
    /// let y = pool(x)
    /// ```
    public func callAsFunction(_ input: Tensor) -> Tensor {
        spatially(input, "AvgPool2d") { avgPool2d($0, kernelSize: kernelSize, stride: stride, padding: padding) }
    }
}

/// Applies a batched 2-D operation to a batched or unbatched input.
private func spatially(_ input: Tensor, _ name: String, _ op: (Tensor) -> Tensor) -> Tensor {
    if let tasks = TaskBatch.taskCount {
        // Tasks and samples pool alike: fold the task axis into the batch.
        TaskBatch.requireTaskAxis(input, tasks, name)
        precondition(input.rank == 5, "\(name): in task-batched mode the input must be [T, N, C, H, W]; got \(input.shape)")
        let y = op(input.reshaped([tasks * input.shape[1]] + Array(input.shape.dropFirst(2))))
        return y.reshaped([tasks, input.shape[1]] + Array(y.shape.dropFirst()))
    }
    precondition(input.rank == 3 || input.rank == 4,
                 "\(name): input \(input.shape) must have shape [N, C, H, W] or [C, H, W]")
    return input.rank == 4 ? op(input) : op(input.unsqueezed(at: 0)).squeezed(axis: 0)
}
