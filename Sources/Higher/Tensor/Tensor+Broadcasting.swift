/// Reshape, broadcast and its adjoint (sum to a shape): the shape operations every
/// backward rule relies on.
extension Tensor {
    /// The same elements with a new shape of the same element count; one extent may be -1.
    ///
    /// ```swift
    /// Tensor.arange(0, 6).reshaped([2, -1])    // shape [2, 3]
    /// ```
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let hole = newShape.firstIndex(of: -1) {
            let known = newShape.enumerated().filter { $0.offset != hole }.reduce(1) { $0 * $1.element }
            precondition(known > 0 && count % known == 0,
                         "reshape: cannot reshape \(shape) (\(count) elements) to \(newShape)")
            target[hole] = count / known
        }
        precondition(target.allSatisfy { $0 >= 0 } && Shape.count(target) == count,
                     "reshape: cannot reshape \(shape) (\(count) elements) to \(newShape)")
        if target == shape { return self }
        if tracer == nil { return Tensor(shape: target, data: data) }
        let from = shape
        return Tensor.primitive("reshape", [self], value: { Tensor(shape: target, data: $0[0].data) },
                                jvp: { _, t, _ in t[0]!.reshaped(target) },
                                backward: .cotangent { g, _ in [g.reshaped(from)] })
    }

    /// This tensor broadcast to `target` (NumPy rules), copying elements.
    ///
    /// ```swift
    /// Tensor([1, 2]).broadcast(to: [3, 2])     // three rows [1, 2]
    /// ```
    public func broadcast(to target: [Int]) -> Tensor {
        precondition(Shape.broadcast(shape, target) == target,
                     "broadcast: shape \(shape) cannot be broadcast to \(target)")
        if target == shape { return self }
        if tracer == nil { return broadcastKernel(to: target) }
        let from = shape
        return Tensor.primitive("broadcast", [self], value: { $0[0].broadcastKernel(to: target) },
                                jvp: { _, t, _ in t[0]!.broadcast(to: target) },
                                backward: .cotangent { g, _ in [g.sumToShape(from)] })
    }

    @inline(__always)
    func broadcastIfNeeded(to target: [Int]) -> Tensor { shape == target ? self : broadcast(to: target) }

    /// The sum of a broadcast tensor back to `target`: the adjoint of `broadcast(to:)`.
    ///
    /// ```swift
    /// Tensor.ones([3, 2]).sumToShape([2])      // [3, 3]
    /// ```
    public func sumToShape(_ target: [Int]) -> Tensor {
        if shape == target { return self }
        precondition(Shape.broadcast(target, shape) == shape,
                     "sumToShape: shape \(shape) is not a broadcast of \(target)")
        if tracer == nil { return sumToShapeKernel(target) }
        let from = shape
        return Tensor.primitive("sumToShape", [self], value: { $0[0].sumToShapeKernel(target) },
                                jvp: { _, t, _ in t[0]!.sumToShape(target) },
                                backward: .cotangent { g, _ in [g.broadcast(to: from)] })
    }

    /// Sums a plain tensor down to `target`, a shape it is a broadcast of.
    func sumToShapeKernel(_ target: [Int]) -> Tensor {
        let lead = rank - target.count
        var kept = shape
        for i in 0..<rank { kept[i] = i < lead ? 1 : target[i - lead] }
        return sumKernel(keptShape: kept).reshapedPlain(target)
    }

    func broadcastKernel(to target: [Int]) -> Tensor {
        if count == 1 {
            switch data {
            case .float32(let a): return Tensor(shape: target, data: .float32([Float](repeating: a[0], count: Shape.count(target))))
            case .float64(let a): return Tensor(shape: target, data: .float64([Double](repeating: a[0], count: Shape.count(target))))
            }
        }
        let from = shape
        func copy<S: TensorScalar>(_ a: [S]) -> [S] {
            a.withUnsafeBufferPointer { x in
                makeArray(Shape.count(target)) { y in
                    guard y.count > 0 else { return }       // an empty buffer may have no address
                    // Whole rows through pointers: element loops inside the row closure reload
                    // the buffers at every element and are not vectorised.
                    let source = x.baseAddress!, destination = y.baseAddress!
                    var o = 0
                    Shape.forEachRow(broadcasting: from, [], to: target) { off, _, len, inc, _ in
                        let row = destination + o
                        if inc == 0 {
                            row.initialize(repeating: source[off], count: len)
                        } else if inc == 1 {
                            row.initialize(from: source + off, count: len)
                        } else {
                            for k in 0..<len { row[k] = source[off + k * inc] }
                        }
                        o += len
                    }
                }
            }
        }
        switch data {
        case .float32(let a): return Tensor(shape: target, data: .float32(copy(a)))
        case .float64(let a): return Tensor(shape: target, data: .float64(copy(a)))
        }
    }
}
