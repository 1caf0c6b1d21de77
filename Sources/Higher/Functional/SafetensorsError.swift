/// Why a safetensors file could not be read or written. Every problem with one tensor
/// names the tensor.
///
/// ```swift
/// do {
///     let p = try Parameters(safetensorsAt: "model.safetensors")
/// } catch let error as SafetensorsError {
///     print(error)   // e.g. safetensors: tensor "fc.weight": unsupported dtype F8_E4M3
/// }
/// ```
public enum SafetensorsError: Error, Equatable, CustomStringConvertible {
    /// The bytes end before the header length, or before the header it announces.
    case truncated(String)
    /// The header is not the expected JSON object.
    case invalidHeader(String)
    /// A tensor's entry is malformed, or its data does not fit the file.
    case invalidTensor(name: String, reason: String)
    /// A tensor's element type cannot be read as Float32 or Float64.
    case unsupportedDType(name: String, dtype: String)
    /// The file could not be read or written.
    case file(path: String, reason: String)

    /// A message naming the tensor or file and the problem.
    ///
    /// ```swift
    /// print(SafetensorsError.file(path: "w.safetensors", reason: "not found"))
    /// // safetensors: w.safetensors: not found
    /// ```
    public var description: String {
        switch self {
        case .truncated(let what):
            return "safetensors: truncated data: \(what)"
        case .invalidHeader(let what):
            return "safetensors: invalid header: \(what)"
        case let .invalidTensor(name, reason):
            return "safetensors: tensor \"\(name)\": \(reason)"
        case let .unsupportedDType(name, dtype):
            return "safetensors: tensor \"\(name)\": unsupported dtype \(dtype) (readable: F64, F32, F16, BF16, integers and BOOL)"
        case let .file(path, reason):
            return "safetensors: \(path): \(reason)"
        }
    }
}
