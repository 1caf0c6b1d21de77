/// What can go wrong in an inner loop. None of these leaves the user's module changed:
/// the loop only ever works on values.
///
/// ```swift
/// do { try loop.step { m in lossFunction(try m(x), y) } }
/// catch InnerLoopError.nonFiniteLoss(let step, let value) { print("diverged at step \(step): \(value)") }
/// ```
public enum InnerLoopError: Error, Equatable, CustomStringConvertible {
    /// A loss function returned more than one element.
    case nonScalarLoss(step: Int, shape: [Int])
    /// An inner loss was NaN or infinite (turn the check off with `checksFiniteLoss: false`).
    case nonFiniteLoss(step: Int, value: Double)
    /// `parameters(at:)` was asked for a step outside `0...stepCount`.
    case stepOutOfRange(Int, available: ClosedRange<Int>)
    /// A meta-gradient was asked of a loop made with `differentiable: false`.
    case notDifferentiable

    /// A message naming the step or the call and what went wrong.
    ///
    /// ```swift
    /// print(InnerLoopError.nonFiniteLoss(step: 3, value: .nan))
    /// // inner loop step 3: the loss is nan (pass checksFiniteLoss: false to allow it)
    /// ```
    public var description: String {
        switch self {
        case let .nonScalarLoss(step, shape):
            return "inner loop step \(step): the loss has shape \(shape); a loss must have one element"
        case let .nonFiniteLoss(step, value):
            return "inner loop step \(step): the loss is \(value) (pass checksFiniteLoss: false to allow it)"
        case let .stepOutOfRange(k, range):
            return "parameters(at: \(k)): the loop has parameters for steps \(range.lowerBound)...\(range.upperBound)"
        case .notDifferentiable:
            return "this inner loop was made with differentiable: false; it has no meta-gradient"
        }
    }
}
