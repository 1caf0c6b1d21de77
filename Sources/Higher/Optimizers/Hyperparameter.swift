/// An optimizer setting (learning rate, betas, epsilon, weight decay…): a plain number,
/// a tensor that may be differentiated (a learned learning rate), or one tensor per
/// parameter path (Meta-SGD's learned per-parameter learning rates).
///
/// Optimizers build their update from differentiable tensor operations on these values,
/// so an unrolled sequence of steps can be differentiated with respect to any of them.
/// A hyperparameter is a ``DifferentiableTree`` (its leaves are its tensors), and so are
/// the `Hyper` structs of the optimizers that hold them.
///
/// A shared value must broadcast to every parameter it meets (one element, typically);
/// a per-parameter value must have a tensor for every path it is used with, broadcastable
/// to that parameter's shape. Values are converted to each parameter's dtype where they
/// are used (a differentiable conversion).
///
/// ```swift
/// let plain: Hyperparameter = 0.01                       // a number
/// let learned = Hyperparameter(Tensor(0.01))             // may be traced
/// let metaSGD = Hyperparameter(perParameter: lrTree)     // one tensor per path
/// let g = try gradient(at: Tensor(0.1)) { lr in
///     let (_, p1) = try SGD().step(state, params, grads, SGD.Hyper(lr: Hyperparameter(lr)))
///     return loss(p1)
/// }
/// ```
public struct Hyperparameter: Sendable {
    enum Storage: Sendable {
        case shared(Tensor)
        case perParameter(Parameters)
    }

    var storage: Storage

    /// A plain number (a rank-0 Float64 tensor).
    ///
    /// ```swift
    /// let lr = Hyperparameter(0.01)
    /// ```
    public init(_ value: Double) {
        storage = .shared(Tensor(value))
    }

    /// A tensor shared by every parameter, possibly traced (a learned hyperparameter).
    /// It must broadcast to the shape of every parameter (one element is the usual case).
    ///
    /// ```swift
    /// let lr = Hyperparameter(Tensor(0.01))
    /// ```
    public init(_ value: Tensor) {
        storage = .shared(value)
    }

    /// One tensor per parameter path, each broadcastable to that parameter's shape: a
    /// learning rate per tensor (rank 0) or per element (the parameter's shape).
    ///
    /// ```swift
    /// let lrs = params.map { _, p in Tensor.full(p.shape, 0.01) }
    /// let lr = Hyperparameter(perParameter: lrs)
    /// ```
    public init(perParameter values: Parameters) {
        storage = .perParameter(values)
    }

    /// The shared tensor, or `nil` for a per-parameter value.
    ///
    /// ```swift
    /// Hyperparameter(0.5).tensor?.item     // 0.5
    /// ```
    public var tensor: Tensor? {
        if case .shared(let t) = storage { return t }
        return nil
    }

    /// The per-parameter tree, or `nil` for a shared value.
    ///
    /// ```swift
    /// Hyperparameter(perParameter: lrs).perParameter?.paths
    /// ```
    public var perParameter: Parameters? {
        if case .perParameter(let p) = storage { return p }
        return nil
    }

    /// Every element of every tensor, as `Double` (for validation and display).
    ///
    /// ```swift
    /// Hyperparameter(0.9).values     // [0.9]
    /// ```
    public var values: [Double] {
        switch storage {
        case .shared(let t): return t.scalars
        case .perParameter(let p): return p.tensors.flatMap(\.scalars)
        }
    }

    /// Whether any of the tensors is being differentiated.
    ///
    /// ```swift
    /// Hyperparameter(0.1).isTraced     // false
    /// ```
    public var isTraced: Bool {
        switch storage {
        case .shared(let t): return t.isTraced
        case .perParameter(let p): return p.tensors.contains { $0.isTraced }
        }
    }

    /// A plain value that is exactly zero everywhere: an optimizer may then leave its
    /// term out (as `torch.optim` does for `weight_decay == 0`) without changing the
    /// result or losing a derivative.
    var isConstantZero: Bool { !isTraced && values.allSatisfy { $0 == 0 } }

    /// The single value when the hyperparameter is one shared element, else `nil`.
    var scalarValue: Double? { sharedScalar?.item }

    /// The stored tensor when the hyperparameter is one shared element (of any dtype and
    /// possibly traced), else `nil`: an operation that converts it itself needs no copy
    /// per dtype.
    var sharedScalar: Tensor? {
        if case .shared(let t) = storage, t.count == 1 { return t }
        return nil
    }

    /// The value to use for the parameter at `path`, in `like`'s dtype. Throws when a
    /// per-parameter tree has no tensor for the path or the value does not broadcast to
    /// the parameter's shape (without growing it).
    func value(for path: String, like p: Tensor, _ name: String) throws -> Tensor {
        let t: Tensor
        switch storage {
        case .shared(let s):
            t = s
        case .perParameter(let tree):
            guard let v = tree[path] else { throw ParametersError.missingPath(path, in: "\(name) hyperparameter") }
            t = v
        }
        var value = t
        if t.shape != p.shape {
            if t.count == 1 {
                // One number of any rank acts as a scalar and never grows the parameter.
                if t.rank > 0 { value = t.reshaped([]) }
            } else if Shape.broadcast(t.shape, p.shape) != p.shape {
                throw ParametersError.shapeMismatch(path: path, expected: p.shape, actual: t.shape)
            }
        }
        return value.dtype == p.dtype ? value : value.cast(to: p.dtype)
    }

    /// ``value(for:like:_:)`` for every parameter of `params`, in order; a shared scalar is
    /// converted once per dtype (when it is differentiated, each conversion is an operation
    /// on the tape).
    func values(for params: Parameters, _ name: String) throws -> [Tensor] {
        var shared = false
        if case .shared(let t) = storage, t.count == 1 { shared = true }
        var converted: [DType: Tensor] = [:]
        return try (0..<params.count).map { i in
            let p = params.tensors[i]
            if shared, let c = converted[p.dtype] { return c }
            let v = try value(for: params.paths[i], like: p, name)
            if shared { converted[p.dtype] = v }
            return v
        }
    }
}

extension Hyperparameter: ExpressibleByFloatLiteral, ExpressibleByIntegerLiteral {
    /// A plain number from a literal.
    ///
    /// ```swift
    /// let lr: Hyperparameter = 0.01
    /// ```
    public init(floatLiteral value: Double) { self.init(value) }

    /// A plain number from an integer literal.
    ///
    /// ```swift
    /// let decay: Hyperparameter = 0
    /// ```
    public init(integerLiteral value: Int) { self.init(Double(value)) }
}

extension Hyperparameter: DifferentiableTree {
    /// The tensors: the shared one, or the per-parameter ones in path order.
    ///
    /// ```swift
    /// Hyperparameter(0.1).leaves.count     // 1
    /// ```
    public var leaves: [Tensor] {
        switch storage {
        case .shared(let t): return [t]
        case .perParameter(let p): return p.tensors
        }
    }

    /// The same kind of value with every tensor transformed.
    ///
    /// ```swift
    /// let halved = Hyperparameter(0.1).mapLeaves { $0 / 2 }
    /// ```
    public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> Hyperparameter {
        switch storage {
        case .shared(let t): return Hyperparameter(try transform(t))
        case .perParameter(let p): return Hyperparameter(perParameter: try p.mapLeaves(transform))
        }
    }
}

extension Hyperparameter: CustomStringConvertible {
    /// The number, the tensor, or the number of per-parameter tensors.
    ///
    /// ```swift
    /// Hyperparameter(0.5).description     // "0.5"
    /// let lrs = Hyperparameter(perParameter: ["w": Tensor(0.1), "b": Tensor(0.2)])
    /// print(lrs)     // per-parameter(2 tensors)
    /// ```
    public var description: String {
        switch storage {
        case .shared(let t): return t.count == 1 ? "\(t.item)" : "\(t)"
        case .perParameter(let p): return "per-parameter(\(p.count) tensors)"
        }
    }
}
