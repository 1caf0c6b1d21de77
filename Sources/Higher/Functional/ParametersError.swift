/// Why two trees, or a tree and a model, do not fit together. Every case names the path.
///
/// ```swift
/// do {
///     _ = try a.zipMap(b) { $0 + $1 }
/// } catch let error as ParametersError {
///     print(error)      // e.g. shape mismatch at "fc.weight": [2, 3] vs [3, 2]
/// }
/// ```
public enum ParametersError: Error, Equatable, CustomStringConvertible {
    /// A path present in the first tree is missing from the other.
    case missingPath(String, in: String)
    /// A path present in the other tree is not in the first.
    case unexpectedPath(String, in: String)
    /// The tensors at a path have different shapes.
    case shapeMismatch(path: String, expected: [Int], actual: [Int])
    /// The tensors at a path have different dtypes.
    case dtypeMismatch(path: String, expected: DType, actual: DType)
    /// The trees list the same paths in a different order.
    case orderMismatch(position: Int, expected: String, actual: String)

    /// A message naming the path and what does not fit.
    ///
    /// ```swift
    /// print(ParametersError.missingPath("fc.bias", in: "gradients"))    // gradients: missing path "fc.bias"
    /// ```
    public var description: String {
        switch self {
        case let .missingPath(path, context):
            return "\(context): missing path \"\(path)\""
        case let .unexpectedPath(path, context):
            return "\(context): unexpected path \"\(path)\""
        case let .shapeMismatch(path, expected, actual):
            return "shape mismatch at \"\(path)\": expected \(expected), got \(actual)"
        case let .dtypeMismatch(path, expected, actual):
            return "dtype mismatch at \"\(path)\": expected \(expected), got \(actual)"
        case let .orderMismatch(position, expected, actual):
            return "path order differs at position \(position): expected \"\(expected)\", got \"\(actual)\""
        }
    }
}
