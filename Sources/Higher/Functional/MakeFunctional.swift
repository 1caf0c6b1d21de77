/// A class ``Module`` seen as a pure function of its parameters (higher's
/// `make_functional` / `monkeypatch`), made by ``makeFunctional(_:)``.
///
/// Applying it never changes the module: the given parameters and buffers are bound
/// for the duration of the call only, so one module can serve many tasks at once, on
/// many threads. Buffer updates made in training mode come back as a value, and reach
/// the module only through ``syncBuffers(_:)``.
///
/// ```swift
/// let f = makeFunctional(model)
/// let g = try gradient(at: f.parameters) { p in
///     meanSquaredError(predicted: try f(x, parameters: p), target: y)
/// }
/// ```
public struct FunctionalModule<M: Module>: FunctionalModel {
    /// The wrapped module's input type.
    ///
    /// ```swift
    /// let x: FunctionalModule<Linear>.Input = Tensor.ones([8, 4])
    /// ```
    public typealias Input = M.Input
    /// The wrapped module's output type.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// let f = makeFunctional(Linear(4, 3, using: &rng))
    /// let y: FunctionalModule<Linear>.Output = try f(Tensor.ones([8, 4]), parameters: f.parameters)
    /// ```
    public typealias Output = M.Output

    /// The module behind this function.
    ///
    /// ```swift
    /// var rng = RandomGenerator(seed: 0)
    /// let fc = Linear(4, 3, using: &rng)
    /// makeFunctional(fc).module === fc    // true
    /// ```
    public let module: M
    let layout: ModuleLayout

    init(_ module: M) {
        self.module = module
        self.layout = ModuleLayout(reflecting: module)
    }

    /// The module's trainable parameters as they are now, by path (frozen ones excluded).
    ///
    /// ```swift
    /// print(makeFunctional(model).parameters.paths)   // ["fc1.weight", "fc1.bias", …]
    /// ```
    public var parameters: Parameters {
        Parameters(zip(layout.parameterPaths, layout.parameterObjects.map(\.storedValue)).map { ($0, $1) })
    }

    /// The module's buffers as they are now, by path.
    ///
    /// ```swift
    /// print(makeFunctional(model).buffers.paths)     // ["bn.runningMean", "bn.runningVariance", …]
    /// ```
    public var buffers: Parameters {
        Parameters(zip(layout.bufferPaths, layout.bufferObjects.map(\.storedValue)).map { ($0, $1) })
    }

    /// The paths of frozen parameters (used in the forward pass, never trained).
    ///
    /// ```swift
    /// print(makeFunctional(model).frozenPaths)
    /// ```
    public var frozenPaths: [String] { layout.frozenPaths }

    /// The forward pass with `parameters` and `buffers` bound, in the current
    /// ``ModuleMode``. Throws ``ParametersError`` naming the path when a tree does not fit
    /// the module; the module is never changed.
    ///
    /// ```swift
    /// let (y, newBuffers) = try f.apply(x, parameters: p, buffers: f.buffers)
    /// ```
    public func apply(_ input: M.Input, parameters: Parameters, buffers: Parameters) throws -> (output: M.Output, buffers: Parameters) {
        try check(parameters, paths: layout.parameterPaths, signature: layout.parameterSignature,
                  objects: layout.parameterObjects.map(\.storedValue), what: "parameters")
        try check(buffers, paths: layout.bufferPaths, signature: layout.bufferSignature,
                  objects: layout.bufferObjects.map(\.storedValue), what: "buffers")
        let binding = FunctionalBinding(layout: layout, parameters: parameters.tensors, buffers: buffers.tensors)
        let output = binding.run { module(input) }
        return (output, buffers.with(tensors: binding.currentBuffers))
    }

    /// The forward pass in an explicit mode.
    ///
    /// ```swift
    /// let (y, _) = try f.apply(x, parameters: p, buffers: f.buffers, mode: .evaluation)
    /// ```
    public func apply(_ input: M.Input, parameters: Parameters, buffers: Parameters, mode: ModuleMode) throws -> (output: M.Output, buffers: Parameters) {
        try mode.run { try apply(input, parameters: parameters, buffers: buffers) }
    }

    /// Writes `buffers` into the module (higher's `buffer_sync`): the one call that
    /// changes the module's running statistics. Throws, leaving the module untouched,
    /// when the tree does not fit.
    ///
    /// ```swift
    /// let (_, updated) = try f.apply(x, parameters: p, buffers: f.buffers)
    /// try f.syncBuffers(updated)
    /// ```
    public func syncBuffers(_ buffers: Parameters) throws {
        try check(buffers, paths: layout.bufferPaths, signature: layout.bufferSignature,
                  objects: layout.bufferObjects.map(\.storedValue), what: "buffers")
        for (object, value) in zip(layout.bufferObjects, buffers.tensors) { object.storedValue = value.detached() }
    }

    /// Writes `parameters` into the module's own weights. With `strict`, every trainable
    /// path must be present and no other; otherwise missing paths keep their values and
    /// unknown ones are ignored. Shapes must match. Throws before changing anything.
    ///
    /// ```swift
    /// try makeFunctional(model).load(trainedParameters)
    /// ```
    public func load(_ parameters: Parameters, strict: Bool = true) throws {
        var updates: [(Parameter, Tensor)] = []
        for (path, object) in zip(layout.parameterPaths, layout.parameterObjects) {
            guard let value = parameters[path] else {
                if strict { throw ParametersError.missingPath(path, in: "load") }
                continue
            }
            let own = object.storedValue
            if value.shape != own.shape { throw ParametersError.shapeMismatch(path: path, expected: own.shape, actual: value.shape) }
            if value.dtype != own.dtype { throw ParametersError.dtypeMismatch(path: path, expected: own.dtype, actual: value.dtype) }
            updates.append((object, value.detached()))
        }
        if strict {
            let known = Set(layout.parameterPaths)
            if let extra = parameters.paths.first(where: { !known.contains($0) }) {
                throw ParametersError.unexpectedPath(extra, in: "load")
            }
        }
        for (object, value) in updates { object.storedValue = value }
    }

    private func check(_ tree: Parameters, paths: [String], signature: [([Int], DType)],
                       objects: @autoclosure () -> [Tensor], what: String) throws {
        // In task-batched execution every tensor carries a leading task axis.
        let tasks = TaskBatch.taskCount
        // Fast path: the shapes and dtypes recorded by makeFunctional, compared in place
        // (this runs on every call of the model).
        if tree.paths == paths && tree.tensors.count == signature.count {
            var fits = true
            for (t, (shape, dtype)) in zip(tree.tensors, signature)
            where t.dtype != dtype || !Shape.matches(t.shape, shape, taskAxis: tasks) {
                fits = false
                break
            }
            if fits { return }
        }
        let prefix = tasks.map { [$0] } ?? []
        // The module's weights may have been replaced since; decide on their current values.
        let own = objects()
        if tree.paths == paths {
            for (i, (t, o)) in zip(tree.tensors, own).enumerated() {
                let expected = prefix + o.shape
                if t.shape != expected { throw ParametersError.shapeMismatch(path: paths[i], expected: expected, actual: t.shape) }
                if t.dtype != o.dtype { throw ParametersError.dtypeMismatch(path: paths[i], expected: o.dtype, actual: t.dtype) }
            }
            return
        }
        // Only on a mismatch: a tree of the expected shapes, to name the first difference.
        let expected = Parameters(zip(paths, own).map { ($0, Tensor.zeros(prefix + $1.shape, dtype: $1.dtype)) })
        if let problem = expected.mismatch(with: tree, context: "\(M.self) \(what)") { throw problem }
    }
}

/// A functional module can be shared by concurrent tasks: a call reads the module's
/// parameters and buffers only through the call's own binding and writes nothing to it.
/// (A module whose forward pass mutates other stored state of its own is not safe to share.)
extension FunctionalModule: @unchecked Sendable {}

/// The pure functional view of a class module: its parameters and buffers as values and
/// a forward pass that takes them (higher's `make_functional`).
///
/// Reflection (`Mirror`) finds every ``Parameter`` and ``Buffer`` in the module, its
/// superclasses, nested modules, and arrays or optionals of modules; a parameter
/// reachable by two paths (tied weights) appears once, under the first path.
///
/// ```swift
/// let f = makeFunctional(model)
/// let y = try f(x, parameters: f.parameters)      // same as model(x)
/// ```
public func makeFunctional<M: Module>(_ module: M) -> FunctionalModule<M> {
    FunctionalModule(module)
}
