/// An ordered tree of named tensors: a model's parameters, their gradients, its buffers,
/// or an optimizer's state, keyed by dotted paths such as `"encoder.0.weight"`.
///
/// `Parameters` is a value: copying it never copies tensor data, and changing a copy
/// never changes the original. It is a ``DifferentiableTree``, so it can be passed to
/// ``gradient(at:of:)`` and friends directly, and its order (insertion order) is the
/// order of ``leaves``.
///
/// ```swift
/// var p = Parameters(["fc.weight": Tensor.ones([2, 3]), "fc.bias": Tensor.zeros([2])])
/// p["fc.bias"] = Tensor([0.5, -0.5])
/// let g = gradient(at: p) { p in (p["fc.weight"]! * 2).sum() + p["fc.bias"]!.sum() }
/// print(g.paths)        // ["fc.weight", "fc.bias"]
/// ```
public struct Parameters: Sendable {
    /// The paths, in order.
    ///
    /// ```swift
    /// Parameters([("w", Tensor.ones([2])), ("b", Tensor.zeros([1]))]).paths    // ["w", "b"]
    /// ```
    public private(set) var paths: [String]
    /// The tensors, in the order of ``paths``.
    ///
    /// ```swift
    /// Parameters([("w", Tensor.ones([2])), ("b", Tensor.zeros([1]))]).tensors[1].shape    // [1]
    /// ```
    public private(set) var tensors: [Tensor]
    private var index: [String: Int]

    /// An empty tree.
    ///
    /// ```swift
    /// var p = Parameters()
    /// p["w"] = Tensor.zeros([3])
    /// ```
    public init() {
        paths = []
        tensors = []
        index = [:]
    }

    /// A tree from `(path, tensor)` pairs, in their order. Stops on a repeated path.
    ///
    /// ```swift
    /// let p = Parameters([("w", Tensor.ones([2])), ("b", Tensor.zeros([1]))])
    /// ```
    public init(_ pairs: [(String, Tensor)]) {
        self.init()
        for (path, tensor) in pairs {
            precondition(index[path] == nil, "Parameters: the path \"\(path)\" appears twice")
            append(path, tensor)
        }
    }

    /// A tree from a dictionary literal, in the literal's order.
    ///
    /// ```swift
    /// let p: Parameters = ["w": Tensor.ones([2]), "b": Tensor.zeros([1])]
    /// ```
    public init(_ dictionary: KeyValuePairs<String, Tensor>) {
        self.init(dictionary.map { ($0.key, $0.value) })
    }

    /// The number of tensors.
    ///
    /// ```swift
    /// Parameters([("w", Tensor.ones([2]))]).count    // 1
    /// ```
    public var count: Int { tensors.count }

    /// The total number of scalars in all tensors.
    ///
    /// ```swift
    /// Parameters([("w", Tensor.ones([2, 3]))]).scalarCount    // 6
    /// ```
    public var scalarCount: Int { tensors.reduce(0) { $0 + $1.count } }

    /// Whether the tree holds a tensor at `path`.
    ///
    /// ```swift
    /// p.contains("fc.weight")
    /// ```
    public func contains(_ path: String) -> Bool { index[path] != nil }

    /// The tensor at `path`, or `nil`. Setting a new path appends it; setting `nil` removes it.
    ///
    /// ```swift
    /// var p = Parameters()
    /// p["w"] = Tensor.ones([2])
    /// let w = p["w"]!
    /// ```
    public subscript(path: String) -> Tensor? {
        get { index[path].map { tensors[$0] } }
        set {
            if let i = index[path] {
                if let newValue {
                    tensors[i] = newValue
                } else {
                    paths.remove(at: i)
                    tensors.remove(at: i)
                    rebuildIndex()
                }
            } else if let newValue {
                append(path, newValue)
            }
        }
    }

    /// The tensor at `path`, stopping with a message that names the path when it is missing.
    ///
    /// ```swift
    /// let w = p.tensor(at: "fc.weight")
    /// ```
    public func tensor(at path: String) -> Tensor {
        guard let i = index[path] else {
            preconditionFailure("Parameters: no tensor at \"\(path)\" (paths: \(paths.prefix(8).joined(separator: ", "))\(paths.count > 8 ? ", …" : ""))")
        }
        return tensors[i]
    }

    /// Path–tensor pairs, in order.
    ///
    /// ```swift
    /// for (path, t) in p.elements { print(path, t.shape) }
    /// ```
    public var elements: [(path: String, tensor: Tensor)] { Array(zip(paths, tensors)).map { (path: $0.0, tensor: $0.1) } }

    private mutating func append(_ path: String, _ tensor: Tensor) {
        index[path] = paths.count
        paths.append(path)
        tensors.append(tensor)
    }

    private mutating func rebuildIndex() {
        index = Dictionary(uniqueKeysWithValues: paths.enumerated().map { ($1, $0) })
    }

    /// A tree with the same paths and new tensors, in order (internal: no checks).
    func with(tensors newTensors: [Tensor]) -> Parameters {
        var copy = self
        copy.tensors = newTensors
        return copy
    }
}

extension Parameters: DifferentiableTree {
    /// The tensors, in path order.
    ///
    /// ```swift
    /// p.leaves.count == p.count
    /// ```
    public var leaves: [Tensor] { tensors }

    /// The same paths with every tensor transformed.
    ///
    /// ```swift
    /// let halved = p.mapLeaves { $0 / 2 }
    /// ```
    public func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> Parameters {
        var out = [Tensor]()
        out.reserveCapacity(tensors.count)
        for t in tensors { out.append(try transform(t)) }
        return with(tensors: out)
    }
}

extension Parameters: ExpressibleByDictionaryLiteral {
    /// A tree from a dictionary literal where a `Parameters` value is expected, in the
    /// literal's order. Stops on a repeated path.
    ///
    /// ```swift
    /// let p: Parameters = ["w": Tensor.ones([2]), "b": Tensor.zeros([1])]
    /// ```
    public init(dictionaryLiteral elements: (String, Tensor)...) {
        self.init(elements)
    }
}

extension Parameters: CustomStringConvertible {
    /// A summary: the number of tensors and scalars, then one line per path with its dtype
    /// and shape.
    ///
    /// ```swift
    /// print(Parameters([("w", Tensor.ones([2, 3]))]))
    /// // Parameters(1 tensors, 6 scalars)
    /// //   w: float64 [2, 3]
    /// ```
    public var description: String {
        let lines = zip(paths, tensors).map { "  \($0): \($1.dtype) \($1.shape)" }
        return "Parameters(\(count) tensors, \(scalarCount) scalars)\n" + lines.joined(separator: "\n")
    }
}
