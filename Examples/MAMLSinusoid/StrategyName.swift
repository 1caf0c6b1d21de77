import Higher

extension MetaGradientStrategy {
    /// The strategy named as on the demo's command line: `forwardOverReverse`,
    /// `reverseOverReverse`, `firstOrder`, `checkpointed` or `truncated:N`; `nil` for
    /// anything else.
    ///
    /// ```swift
    /// MetaGradientStrategy(name: "truncated:3")    // .truncated(steps: 3)
    /// ```
    public init?(name: String) {
        switch name {
        case "forwardOverReverse": self = .forwardOverReverse
        case "reverseOverReverse": self = .reverseOverReverse
        case "firstOrder": self = .firstOrder
        case "checkpointed": self = .checkpointed
        default:
            let prefix = "truncated:"
            guard name.hasPrefix(prefix), let steps = Int(name.dropFirst(prefix.count)), steps >= 0 else { return nil }
            self = .truncated(steps: steps)
        }
    }

    /// The strategy's command-line name (the inverse of ``init(name:)``).
    ///
    /// ```swift
    /// MetaGradientStrategy.truncated(steps: 3).name    // "truncated:3"
    /// ```
    public var name: String {
        switch self {
        case .forwardOverReverse: return "forwardOverReverse"
        case .reverseOverReverse: return "reverseOverReverse"
        case .firstOrder: return "firstOrder"
        case .checkpointed: return "checkpointed"
        case .truncated(let steps): return "truncated:\(steps)"
        }
    }
}
