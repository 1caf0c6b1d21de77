/// Where a module's parameters and buffers live, found once by reflection: their paths
/// and the wrapper objects behind them.
struct ModuleLayout: Sendable {
    var parameterPaths: [String] = []
    var parameterObjects: [Parameter] = []
    var parameterSlots: [ObjectIdentifier: Int] = [:]
    var frozenPaths: [String] = []
    var frozenObjects: [Parameter] = []
    var bufferPaths: [String] = []
    var bufferObjects: [Buffer] = []
    var bufferSlots: [ObjectIdentifier: Int] = [:]
    /// Shapes and dtypes when the layout was made: the fast check of a call's trees.
    var parameterSignature: [([Int], DType)] = []
    var bufferSignature: [([Int], DType)] = []
    private var seen: Set<ObjectIdentifier> = []

    /// Walks `module` with `Mirror`: stored properties of the class and its superclasses,
    /// nested modules, arrays and optionals of modules, and plain structs holding them.
    init(reflecting module: AnyObject) {
        var walking: Set<ObjectIdentifier> = []
        visit(module, path: "", walking: &walking)
        parameterSignature = parameterObjects.map { let t = $0.storedValue; return (t.shape, t.dtype) }
        bufferSignature = bufferObjects.map { let t = $0.storedValue; return (t.shape, t.dtype) }
    }

    private mutating func visit(_ value: Any, path: String, walking: inout Set<ObjectIdentifier>) {
        switch value {
        case let p as Parameter:
            let id = ObjectIdentifier(p)
            guard seen.insert(id).inserted else { return }   // tied: the first path names it
            if p.isFrozen {
                frozenPaths.append(path)
                frozenObjects.append(p)
            } else {
                parameterSlots[id] = parameterObjects.count
                parameterPaths.append(path)
                parameterObjects.append(p)
            }
        case let b as Buffer:
            let id = ObjectIdentifier(b)
            guard seen.insert(id).inserted else { return }
            bufferSlots[id] = bufferObjects.count
            bufferPaths.append(path)
            bufferObjects.append(b)
        case is Tensor, is String, is any Numeric, is Bool:
            return
        default:
            let mirror = Mirror(reflecting: value)
            if mirror.displayStyle == .class {
                guard value is any Module else { return }   // only modules are walked into
                let id = ObjectIdentifier(value as AnyObject)
                guard walking.insert(id).inserted else { return }   // a reference cycle
                defer { walking.remove(id) }
                var m: Mirror? = mirror
                var chain: [Mirror] = []
                while let current = m { chain.append(current); m = current.superclassMirror }
                // Superclass properties first, as they are declared first.
                for level in chain.reversed() { visitChildren(of: level, path: path, walking: &walking) }
            } else if mirror.displayStyle == .struct || mirror.displayStyle == .tuple
                        || mirror.displayStyle == .collection || mirror.displayStyle == .optional {
                visitChildren(of: mirror, path: path, walking: &walking)
            }
        }
    }

    private mutating func visitChildren(of mirror: Mirror, path: String, walking: inout Set<ObjectIdentifier>) {
        let isOptional = mirror.displayStyle == .optional
        for (offset, child) in mirror.children.enumerated() {
            let name: String
            if isOptional {
                name = path
            } else {
                var label = child.label ?? String(offset)
                if mirror.displayStyle == .collection { label = String(offset) }
                // A property wrapper's storage is `_name`; the path uses `name`.
                if label.hasPrefix("_") { label.removeFirst() }
                if label.hasPrefix(".") { label.removeFirst() }   // unlabeled tuple elements: ".0"
                name = path.isEmpty ? label : path + "." + label
            }
            visit(child.value, path: name, walking: &walking)
        }
    }
}
