/// The element type of a ``Tensor``: 32- or 64-bit IEEE floating point.
///
/// Higher keeps the dtype a runtime property rather than a generic parameter. Models,
/// parameter trees, optimizer states and the inner loop are then ordinary non-generic
/// values that a user can store, pass and mix freely, as in PyTorch, JAX and MLX; every
/// kernel still runs as code specialised for `Float` or `Double`, because the dispatch
/// happens once per operation, not per element. Mixing dtypes in one operation stops
/// with a message that names the operation and both dtypes.
///
/// ```swift
/// let x = Tensor([1, 2, 3], dtype: .float32)
/// print(x.dtype)          // float32
/// ```
public enum DType: String, Sendable, Hashable, CustomStringConvertible {
    /// `Float`, what speed is measured in.
    case float32
    /// `Double`, what gradient checks use.
    case float64

    /// The size of one element in bytes.
    ///
    /// ```swift
    /// DType.float64.byteCount   // 8
    /// ```
    public var byteCount: Int { self == .float32 ? 4 : 8 }

    /// The raw value: `"float32"` or `"float64"`.
    ///
    /// ```swift
    /// print(DType.float32)    // float32
    /// ```
    public var description: String { rawValue }
}
