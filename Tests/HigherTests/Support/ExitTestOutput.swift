import Testing

/// The standard error of an exit test's process as text, or `nil` when the exit test
/// itself failed (its expectation has then been recorded already).
///
/// ```swift
/// let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
///     _ = Tensor.zeros([2, 3]) + Tensor.zeros([4])
/// }
/// if let message = standardError(of: result) { #expect(message.contains("add: shapes")) }
/// ```
func standardError(of result: ExitTest.Result?) -> String? {
    result.map { String(decoding: $0.standardErrorContent, as: UTF8.self) }
}
