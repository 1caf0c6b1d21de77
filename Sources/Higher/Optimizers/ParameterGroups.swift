/// Which parameters a group of an optimizer applies to: chosen by path prefix, by exact
/// paths, or by any predicate on the path and the tensor.
///
/// ```swift
/// let encoder = ParameterSelector.prefix("encoder")            // "encoder.0.weight", …
/// let biases = ParameterSelector.matching { path, _ in path.hasSuffix(".bias") }
/// let vectors = ParameterSelector.matching { _, t in t.rank <= 1 }
/// ```
public struct ParameterSelector: Sendable {
    let matches: @Sendable (String, Tensor) -> Bool

    /// The parameters under `prefix`, a whole path component: `"encoder"` selects
    /// `"encoder"` and `"encoder.weight"`, not `"encoder2.weight"` (as
    /// ``Parameters/filter(prefix:)``).
    ///
    /// ```swift
    /// let head = ParameterSelector.prefix("head")
    /// ```
    public static func prefix(_ prefix: String) -> ParameterSelector {
        ParameterSelector { path, _ in path == prefix || path.hasPrefix(prefix + ".") }
    }

    /// Exactly the given paths.
    ///
    /// ```swift
    /// let some = ParameterSelector.paths(["fc1.weight", "fc2.weight"])
    /// ```
    public static func paths(_ paths: [String]) -> ParameterSelector {
        let set = Set(paths)
        return ParameterSelector { path, _ in set.contains(path) }
    }

    /// The parameters for which `predicate` returns true.
    ///
    /// ```swift
    /// let noDecay = ParameterSelector.matching { path, t in t.rank == 1 || path.contains("norm") }
    /// ```
    public static func matching(_ predicate: @escaping @Sendable (String, Tensor) -> Bool) -> ParameterSelector {
        ParameterSelector(matches: predicate)
    }
}

/// One optimizer family with different settings for different groups of parameters
/// (torch's parameter groups): each group is an optimizer value of the same type, with
/// its own settings and options, applied to the parameters its selector picks.
///
/// A parameter belongs to the first group whose selector matches it, or else to the
/// `default` optimizer. The state and the settings are arrays with one entry per group
/// and the default's last, so hypergradients come per group.
///
/// ```swift
/// let opt = ParameterGroups(default: AdamW(lr: 1e-3), groups: [
///     (.prefix("backbone"), AdamW(lr: 1e-4)),
///     (.matching { _, t in t.rank <= 1 }, AdamW(lr: 1e-3, weightDecay: 0)),
/// ])
/// var state = opt.initialState(for: params)
/// (state, params) = try opt.step(state, params, grads)
/// ```
public struct ParameterGroups<Base: Optimizer>: Optimizer {
    /// One settings value per group, the default's last.
    ///
    /// ```swift
    /// let h: ParameterGroups<SGD>.Hyper = [SGD.Hyper(lr: 1), SGD.Hyper(lr: 0.1)]
    /// ```
    public typealias Hyper = [Base.Hyper]
    /// One state per group, the default's last.
    ///
    /// ```swift
    /// let opt = ParameterGroups(default: SGD(lr: 0.1), groups: [(.prefix("head"), SGD(lr: 1))])
    /// let s: ParameterGroups<SGD>.State = opt.initialState(for: params)     // s.count == 2
    /// ```
    public typealias State = [Base.State]

    /// The groups, in matching order.
    ///
    /// ```swift
    /// let opt = ParameterGroups(default: SGD(lr: 0.1), groups: [(.prefix("head"), SGD(lr: 1))])
    /// opt.groups[0].optimizer.hyper.lr.values     // [1.0]
    /// ```
    public var groups: [(selector: ParameterSelector, optimizer: Base)]
    /// The optimizer for parameters no group selects.
    ///
    /// ```swift
    /// let opt = ParameterGroups(default: SGD(lr: 0.1), groups: [(.prefix("head"), SGD(lr: 1))])
    /// opt.defaultOptimizer.hyper.lr.values     // [0.1]
    /// ```
    public var defaultOptimizer: Base

    /// Groups checked in order, and the optimizer for the remaining parameters.
    ///
    /// ```swift
    /// let opt = ParameterGroups(default: SGD(lr: 0.1), groups: [(.prefix("head"), SGD(lr: 1))])
    /// ```
    public init(default defaultOptimizer: Base, groups: [(ParameterSelector, Base)]) {
        self.groups = groups.map { (selector: $0.0, optimizer: $0.1) }
        self.defaultOptimizer = defaultOptimizer
    }

    /// Every group's settings, the default's last.
    ///
    /// ```swift
    /// let lrs = opt.hyper.map(\.lr)
    /// ```
    public var hyper: Hyper { groups.map(\.optimizer.hyper) + [defaultOptimizer.hyper] }

    private var optimizers: [Base] { groups.map(\.optimizer) + [defaultOptimizer] }

    /// For each group (the default's last), the indices of the parameters it owns.
    func partition(_ params: Parameters) -> [[Int]] {
        var owned = [[Int]](repeating: [], count: groups.count + 1)
        for (i, (path, t)) in zip(params.paths, params.tensors).enumerated() {
            let g = groups.firstIndex { $0.selector.matches(path, t) } ?? groups.count
            owned[g].append(i)
        }
        return owned
    }

    /// The parameters of one group, in their order in the whole tree.
    private func subset(_ tree: Parameters, _ indices: [Int]) -> Parameters {
        Parameters(indices.map { (tree.paths[$0], tree.tensors[$0]) })
    }

    /// Each group's initial state for the parameters it owns.
    ///
    /// ```swift
    /// let state = opt.initialState(for: params)     // one state per group
    /// ```
    public func initialState(for params: Parameters) -> State {
        zip(optimizers, partition(params)).map { opt, indices in opt.initialState(for: subset(params, indices)) }
    }

    /// Steps every group with its own settings and state and puts the parameters back
    /// in their original order. Stops when `state` or `hyper` does not have one entry
    /// per group (plus the default); throws when the gradients or a group's state do
    /// not fit.
    ///
    /// ```swift
    /// (state, params) = try opt.step(state, params, grads)
    /// ```
    public func step(_ state: State, _ params: Parameters, _ grads: Parameters, _ hyper: Hyper) throws
        -> (State, Parameters) {
        let n = groups.count + 1
        precondition(state.count == n, "ParameterGroups: \(state.count) states for \(n) groups (the default included)")
        precondition(hyper.count == n, "ParameterGroups: \(hyper.count) settings for \(n) groups (the default included)")
        try requireFit(grads, params, "ParameterGroups gradients")
        var tensors = params.tensors
        var newState = [Base.State]()
        newState.reserveCapacity(n)
        for (k, (opt, indices)) in zip(optimizers, partition(params)).enumerated() {
            let (s, p) = try opt.step(state[k], subset(params, indices), subset(grads, indices), hyper[k])
            for (j, i) in indices.enumerated() { tensors[i] = p.tensors[j] }
            newState.append(s)
        }
        return (newState, params.with(tensors: tensors))
    }
}
