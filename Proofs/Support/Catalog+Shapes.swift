@testable import Higher

extension OperationCatalog {
    /// Tensor+Broadcasting, Tensor+Transpose and Tensor+Joining.
    static let shapes: [Operation] = [
        Operation("reshaped", arity: 1) { s, rng in
            let target = ShapeRules.coin(&rng) ? Array(s.reversed()) + [1] : [-1]
            return Layout([s], note: "to \(target)") { [$0[0].reshaped(target)] }
        },
        Operation("broadcast(to:)", arity: 1) { s, rng in
            Layout([ShapeRules.broadcastOperand(of: s, using: &rng)], note: "to \(s)") { [$0[0].broadcast(to: s)] }
        },
        Operation("sumToShape", arity: 1) { s, rng in
            let target = ShapeRules.broadcastOperand(of: s, using: &rng)
            return Layout([s], note: "to \(target)") { [$0[0].sumToShape(target)] }
        },
        Operation("permuted", arity: 1) { s, rng in
            let perm = rng.permutation(s.count).map { ShapeRules.coin(&rng) ? $0 : $0 - s.count }
            return Layout([s], note: "axes \(perm)") { [$0[0].permuted(perm)] }
        },
        .unary("transposed()") { $0.transposed() },
        Operation("transposed(_:_:)", arity: 1) { s, rng in
            let shape = ShapeRules.withAxis(s)
            let a = ShapeRules.axis(rank: shape.count, using: &rng), b = ShapeRules.axis(rank: shape.count, using: &rng)
            return Layout([shape], note: "axes \(a), \(b)") { [$0[0].transposed(a, b)] }
        },
        Operation("squeezed()", arity: 1) { s, rng in
            var shape = s
            shape.insert(1, at: rng.nextInt(in: 0...s.count))
            return Layout([shape]) { [$0[0].squeezed()] }
        },
        Operation("squeezed(axis:)", arity: 1) { s, rng in
            var shape = s
            let a = rng.nextInt(in: 0...s.count)
            shape.insert(1, at: a)
            let axis = ShapeRules.coin(&rng) ? a : a - shape.count
            return Layout([shape], note: "axis \(axis)") { [$0[0].squeezed(axis: axis)] }
        },
        Operation("unsqueezed(at:)", arity: 1) { s, rng in
            let a = rng.nextInt(in: 0...s.count)
            let axis = ShapeRules.coin(&rng) ? a : a - s.count - 1
            return Layout([s], note: "axis \(axis)") { [$0[0].unsqueezed(at: axis)] }
        },
        Operation("flattened(fromAxis:)", arity: 1) { s, rng in
            let axis = s.isEmpty ? 0 : ShapeRules.axis(rank: s.count, using: &rng)
            return Layout([s], note: "from axis \(axis)") { [$0[0].flattened(fromAxis: axis)] }
        },
        Operation("concatenate (three tensors)", arity: 3) { s, rng in
            let shape = ShapeRules.withAxis(s)
            let axis = ShapeRules.axis(rank: shape.count, using: &rng)
            let a = (axis + shape.count) % shape.count
            let shapes = (0..<3).map { i -> [Int] in
                var t = shape
                if i > 0 { t[a] = rng.nextInt(in: 1...3) }
                return t
            }
            return Layout(shapes, note: "axis \(axis)") { [Tensor.concatenate($0, alongAxis: axis)] }
        },
        Operation("stack (two tensors)", arity: 2) { s, rng in
            let axis = rng.nextInt(in: (-s.count - 1)...s.count)
            return Layout([s, s], note: "axis \(axis)") { [Tensor.stack($0, alongAxis: axis)] }
        },
        Operation("split(sizes:)", arity: 1) { s, rng in
            let shape = ShapeRules.withAxis(s)
            let axis = ShapeRules.axis(rank: shape.count, using: &rng)
            var rest = shape[(axis + shape.count) % shape.count]
            var sizes = [Int]()
            while rest > 0 {
                let n = rng.nextInt(in: (sizes.count < 2 ? 0 : 1)...rest)
                sizes.append(n)
                rest -= n
            }
            return Layout([shape], note: "sizes \(sizes), axis \(axis)") { $0[0].split(sizes: sizes, alongAxis: axis) }
        },
        Operation("split(count:)", arity: 1) { s, rng in
            let shape = ShapeRules.withAxis(s)
            let axis = ShapeRules.axis(rank: shape.count, using: &rng)
            let extent = shape[(axis + shape.count) % shape.count]
            let divisors = (1...extent).filter { extent % $0 == 0 }
            let count = divisors[rng.nextInt(below: divisors.count)]
            return Layout([shape], note: "count \(count), axis \(axis)") { $0[0].split(count: count, alongAxis: axis) }
        },
        Operation("unstacked", arity: 1) { s, rng in
            let shape = ShapeRules.withAxis(s)
            let axis = ShapeRules.axis(rank: shape.count, using: &rng)
            return Layout([shape], note: "axis \(axis)") { $0[0].unstacked(alongAxis: axis) }
        },
    ]
}
