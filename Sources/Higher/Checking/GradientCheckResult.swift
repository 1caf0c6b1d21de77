/// The outcome of comparing a derivative computed by Higher with central finite
/// differences: every compared element, the worst errors and where they are.
///
/// For each element, with `a` the library's value and `n` the finite difference:
/// - the absolute error is `|a − n|`;
/// - the relative error is `|a − n| / max(|a|, |n|)` (0 when both are 0). It is large
///   for elements that are nearly 0, where the finite difference is mostly round-off,
///   which is why ``passes(tolerance:)`` combines both.
///
/// ```swift
/// let result = checkGradient(of: { x in (x * x * x).sum() }, at: Tensor([1, -2, 0.5]))
/// print(result)                        // the errors and the worst element
/// precondition(result.passes(), "\(result)")
/// ```
public struct GradientCheckResult: Sendable, CustomStringConvertible {
    /// One compared element: where it is, both values and the errors.
    ///
    /// ```swift
    /// if let worst = checkGradient(of: { $0.sum() }, at: Tensor([1, 2])).worst {
    ///     print(worst.index, worst.library, worst.finiteDifference)
    /// }
    /// ```
    public struct Element: Sendable, Equatable, CustomStringConvertible {
        /// The position of the tensor among the tree's leaves (0 for a single tensor).
        ///
        /// ```swift
        /// checkGradient(of: { $0.sum() }, at: Tensor([1])).worst!.leaf    // 0
        /// ```
        public var leaf: Int
        /// The position of the element in row-major order.
        ///
        /// ```swift
        /// checkGradient(of: { $0.sum() }, at: Tensor([[5]])).worst!.flatIndex    // 0
        /// ```
        public var flatIndex: Int
        /// The position of the element as one index per axis.
        ///
        /// ```swift
        /// checkGradient(of: { $0.sum() }, at: Tensor([[5]])).worst!.index    // [0, 0]
        /// ```
        public var index: [Int]
        /// The value Higher computed.
        ///
        /// ```swift
        /// checkGradient(of: { $0.sum() }, at: Tensor([1])).worst!.library    // 1.0
        /// ```
        public var library: Double
        /// The value from central finite differences.
        ///
        /// ```swift
        /// print(checkGradient(of: { $0.sum() }, at: Tensor([1])).worst!.finiteDifference)    // about 1
        /// ```
        public var finiteDifference: Double

        /// `|library − finiteDifference|`.
        ///
        /// ```swift
        /// let e = checkGradient(of: { $0.sum() }, at: Tensor([1])).worst!
        /// print(e.absoluteError)
        /// ```
        public var absoluteError: Double { Swift.abs(library - finiteDifference) }

        /// `|library − finiteDifference| / max(|library|, |finiteDifference|)`, 0 when both are 0.
        ///
        /// ```swift
        /// let e = checkGradient(of: { $0.sum() }, at: Tensor([1])).worst!
        /// print(e.relativeError)
        /// ```
        public var relativeError: Double {
            let scale = Swift.max(Swift.abs(library), Swift.abs(finiteDifference))
            return scale == 0 ? absoluteError : absoluteError / scale
        }

        /// The error that ``GradientCheckResult/passes(tolerance:)`` compares with its
        /// tolerance: `|a − n| / max(1, |a|, |n|)`, absolute near 0 and relative elsewhere.
        ///
        /// ```swift
        /// let e = checkGradient(of: { $0.sum() }, at: Tensor([1])).worst!
        /// print(e.scaledError)
        /// ```
        public var scaledError: Double {
            absoluteError / Swift.max(1, Swift.abs(library), Swift.abs(finiteDifference))
        }

        /// The element's position and both values, on one line.
        ///
        /// ```swift
        /// print(checkGradient(of: { $0.sum() }, at: Tensor([1])).worst!)
        /// // [0] (flat 0): library 1.0, finite differences 1.0
        /// ```
        public var description: String {
            let place = "\(index) (flat \(flatIndex))"
            return "\(leaf == 0 ? "" : "leaf \(leaf) ")\(place): library \(library), finite differences \(finiteDifference)"
        }
    }

    /// What was checked, e.g. `"gradient"` or `"Hessian-vector product"`.
    ///
    /// ```swift
    /// checkGradient(of: { $0.sum() }, at: Tensor([1])).quantity    // "gradient"
    /// ```
    public let quantity: String
    /// The finite-difference step used.
    ///
    /// ```swift
    /// checkGradient(of: { $0.sum() }, at: Tensor([1]), epsilon: 1e-5).epsilon    // 1e-05
    /// ```
    public let epsilon: Double
    /// Higher's values, one tensor per compared leaf, as Float64.
    ///
    /// ```swift
    /// checkGradient(of: { ($0 * $0).sum() }, at: Tensor([1, 2])).library[0].scalars    // [2.0, 4.0]
    /// ```
    public let library: [Tensor]
    /// The central finite differences, with the same shapes, as Float64.
    ///
    /// ```swift
    /// let result = checkGradient(of: { ($0 * $0).sum() }, at: Tensor([1, 2]))
    /// print(result.finiteDifferences[0].scalars)    // close to [2.0, 4.0]
    /// ```
    public let finiteDifferences: [Tensor]
    /// The largest `|a − n|` over all elements (NaN if any element is NaN).
    ///
    /// ```swift
    /// let result = checkGradient(of: { ($0 * $0).sum() }, at: Tensor([1, 2]))
    /// print(result.maxAbsoluteError)    // tiny: round-off in the finite differences
    /// ```
    public let maxAbsoluteError: Double
    /// The largest `|a − n| / max(|a|, |n|)` over all elements (NaN if any is NaN).
    ///
    /// ```swift
    /// let result = checkGradient(of: { ($0 * $0).sum() }, at: Tensor([1, 2]))
    /// precondition(result.maxRelativeError < 1e-6, "\(result)")
    /// ```
    public let maxRelativeError: Double
    /// The element with the largest absolute error, `nil` when nothing was compared.
    ///
    /// ```swift
    /// let result = checkGradient(of: { ($0 * $0).sum() }, at: Tensor([1, 2]))
    /// if let w = result.worstAbsolute { print("largest absolute error at", w.index) }
    /// ```
    public let worstAbsolute: Element?
    /// The element with the largest relative error, `nil` when nothing was compared.
    ///
    /// ```swift
    /// let result = checkGradient(of: { ($0 * $0).sum() }, at: Tensor([1, 2]))
    /// if let w = result.worstRelative { print("largest relative error at", w.index) }
    /// ```
    public let worstRelative: Element?
    /// The element with the largest ``Element/scaledError``: the one that decides
    /// ``passes(tolerance:)``; `nil` when nothing was compared.
    ///
    /// ```swift
    /// let result = checkGradient(of: { ($0 * $0).sum() }, at: Tensor([1, 2]))
    /// if let w = result.worst { print(w, w.scaledError) }
    /// ```
    public let worst: Element?

    /// Compares `library` with `finiteDifferences` leaf by leaf (same shapes).
    init(quantity: String, epsilon: Double, library: [Tensor], finiteDifferences: [Tensor]) {
        precondition(library.count == finiteDifferences.count,
                     "\(quantity) check: \(library.count) library tensors, \(finiteDifferences.count) finite-difference tensors")
        self.quantity = quantity
        self.epsilon = epsilon
        self.library = library.map { $0.detached().cast(to: .float64) }
        self.finiteDifferences = finiteDifferences.map { $0.detached().cast(to: .float64) }
        var maxAbs = 0.0, maxRel = 0.0, maxScaled = 0.0
        var worstAbs: Element?, worstRel: Element?, worstScaled: Element?
        for (leaf, (a, n)) in zip(self.library, self.finiteDifferences).enumerated() {
            precondition(a.shape == n.shape,
                         "\(quantity) check: leaf \(leaf) has shape \(a.shape) from the library and \(n.shape) from finite differences")
            let av = a.scalars, nv = n.scalars
            for i in 0..<av.count {
                let e = Element(leaf: leaf, flatIndex: i, index: [], library: av[i], finiteDifference: nv[i])
                if GradientCheckResult.isWorse(e.absoluteError, than: maxAbs, first: worstAbs == nil) {
                    maxAbs = e.absoluteError; worstAbs = e
                }
                if GradientCheckResult.isWorse(e.relativeError, than: maxRel, first: worstRel == nil) {
                    maxRel = e.relativeError; worstRel = e
                }
                if GradientCheckResult.isWorse(e.scaledError, than: maxScaled, first: worstScaled == nil) {
                    maxScaled = e.scaledError; worstScaled = e
                }
            }
        }
        let shapes = self.library.map(\.shape)
        func located(_ e: Element?) -> Element? {
            guard var e else { return nil }
            e.index = GradientCheckResult.multiIndex(e.flatIndex, shapes[e.leaf])
            return e
        }
        maxAbsoluteError = maxAbs
        maxRelativeError = maxRel
        worstAbsolute = located(worstAbs)
        worstRelative = located(worstRel)
        worst = located(worstScaled)
    }

    /// Whether every element satisfies `|a − n| ≤ tolerance · max(1, |a|, |n|)`: an
    /// absolute test for values below 1 in magnitude, a relative one above. NaN fails.
    ///
    /// With the default step 10⁻⁶ in Float64, central differences of a smooth function
    /// are typically good to 10⁻⁸–10⁻¹⁰ in this measure; a large function value (say 10⁴)
    /// raises the round-off part in proportion.
    ///
    /// ```swift
    /// let ok = checkGradient(of: { ($0 * $0).sum() }, at: Tensor([3])).passes(tolerance: 1e-6)
    /// ```
    public func passes(tolerance: Double = 1e-6) -> Bool {
        failures(where: { $0.scaledError <= tolerance }).isEmpty
    }

    /// Whether every element satisfies `|a − n| ≤ absolute + relative · max(|a|, |n|)`
    /// (NumPy's `allclose`, symmetric in the two values). NaN fails.
    ///
    /// ```swift
    /// let ok = checkGradient(of: { ($0 * $0).sum() }, at: Tensor([3]))
    ///     .isWithin(absolute: 1e-8, relative: 1e-6)
    /// ```
    public func isWithin(absolute: Double, relative: Double) -> Bool {
        failures(absolute: absolute, relative: relative).isEmpty
    }

    /// Every element outside `|a − n| ≤ absolute + relative · max(|a|, |n|)`, in order.
    ///
    /// ```swift
    /// let result = checkGradient(of: { ($0 * $0).sum() }, at: Tensor([1, 2]))
    /// for e in result.failures(absolute: 1e-8, relative: 1e-6) { print(e) }
    /// ```
    public func failures(absolute: Double, relative: Double) -> [Element] {
        failures(where: { $0.absoluteError <= absolute + relative * Swift.max(Swift.abs($0.library), Swift.abs($0.finiteDifference)) })
    }

    private func failures(where isGood: (Element) -> Bool) -> [Element] {
        var bad = [Element]()
        for (leaf, (a, n)) in zip(library, finiteDifferences).enumerated() {
            let av = a.scalars, nv = n.scalars
            for i in 0..<av.count {
                var e = Element(leaf: leaf, flatIndex: i, index: [], library: av[i], finiteDifference: nv[i])
                if !isGood(e) {
                    e.index = GradientCheckResult.multiIndex(i, a.shape)
                    bad.append(e)
                }
            }
        }
        return bad
    }

    /// A summary: what was checked, whether it passes at tolerance 10⁻⁶, the largest errors
    /// and the elements where they occur.
    ///
    /// ```swift
    /// print(checkGradient(of: { ($0 * $0).sum() }, at: Tensor([1, 2])))
    /// // gradient check (ε = 1e-06, 2 elements): passes at tolerance 1e-6; max absolute error …
    /// ```
    public var description: String {
        let count = library.reduce(0) { $0 + $1.count }
        let tensors = library.count == 1 ? "" : " in \(library.count) tensors"
        var text = "\(quantity) check (ε = \(epsilon), \(count) elements\(tensors)): "
        text += passes() ? "passes" : "FAILS"
        text += " at tolerance 1e-6; max absolute error \(maxAbsoluteError), max relative error \(maxRelativeError)"
        if let worst { text += "\n  worst: \(worst)" }
        if let w = worstAbsolute, w != worst { text += "\n  largest absolute error: \(w)" }
        if let w = worstRelative, w != worst, w != worstAbsolute { text += "\n  largest relative error: \(w)" }
        return text
    }

    /// NaN counts as the worst possible error, and the first NaN is kept.
    private static func isWorse(_ error: Double, than current: Double, first: Bool) -> Bool {
        if first { return true }
        if current.isNaN { return false }
        return error.isNaN || error > current
    }

    static func multiIndex(_ flat: Int, _ shape: [Int]) -> [Int] {
        var index = [Int](repeating: 0, count: shape.count)
        var rest = flat
        for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] > 0 {
            index[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        return index
    }
}
