import Testing
@testable import Higher

@Suite struct EscapedValueTests {
    @Test func usingAnEscapedTracedValueStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var escaped = Tensor(0)
            _ = gradient(at: Tensor(2)) { x in
                escaped = x * 3
                return x * x
            }
            _ = escaped + Tensor(1)
        }
        if let message = standardError(of: result) {
            #expect(message.contains("add: an input is a traced value from a differentiation call that has already returned"))
        }
    }

    @Test func escapedValueInsideALaterCallStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var escaped = Tensor(0)
            _ = derivative(at: Tensor(2), along: Tensor(1)) { x in
                escaped = x
                return x
            }
            _ = gradient(at: Tensor(1)) { y in y * escaped }
        }
        if let message = standardError(of: result) {
            #expect(message.contains("multiply: an input is a traced value"))
        }
    }

    @Test func escapedValueBelowTheActiveCallStops() async {
        // The escaped value is not the deepest input of the multiply: it is caught when the
        // operation reaches its (closed) call's depth.
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var escaped = Tensor(0)
            _ = gradient(at: Tensor(2)) { x in
                escaped = x * 3
                return x * x
            }
            // Depth 1 is open (this jvp) but is not the escaped value's call; depth 2 is active.
            _ = jvp(at: Tensor(1), along: Tensor(1)) { _ in
                gradient(at: Tensor(5)) { b in (b * escaped).sum() }
            }
        }
        if let message = standardError(of: result) {
            #expect(message.contains("multiply: an input is a traced value from a differentiation call that has already returned"))
        }
    }

    @Test func gradientOfNonScalarStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = gradient(at: Tensor([1, 2])) { x in x * 2 }
        }
        if let message = standardError(of: result) {
            #expect(message.contains("gradient: the function returned shape [2]"))
        }
    }

    @Test func broadcastMismatchNamesOperationAndShapes() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2, 3]) + Tensor.zeros([4])
        }
        if let message = standardError(of: result) {
            #expect(message.contains("add: shapes [2, 3] and [4] cannot be broadcast together"))
        }
    }

    @Test func dtypeMismatchNamesOperation() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Tensor.zeros([2], dtype: .float32) * Tensor.zeros([2])
        }
        if let message = standardError(of: result) {
            #expect(message.contains("multiply: dtypes float32 and float64 differ"))
        }
    }
}
