@testable import Higher

extension OperationCatalog {
    /// Tensor+Indexing: slices, padding, and the gather / scatter-add pairs. Indices
    /// repeat on purpose (a repeated index must receive the sum of its cotangents).
    static let indexing: [Operation] = [
        Operation("sliced(_ ranges:)", arity: 1) { s, rng in
            let count = rng.nextInt(in: 0...s.count)
            let ranges = (0..<count).map { i -> Range<Int> in
                let lower = rng.nextInt(below: s[i])
                return lower..<rng.nextInt(in: (lower + 1)...s[i])
            }
            return Layout([s], note: "ranges \(ranges)") { [$0[0].sliced(ranges)] }
        },
        Operation("sliced(alongAxis:_:)", arity: 1) { s, rng in
            let shape = ShapeRules.withAxis(s)
            let axis = ShapeRules.axis(rank: shape.count, using: &rng)
            let n = shape[(axis + shape.count) % shape.count]
            let lower = rng.nextInt(in: 0...n)
            let range = lower..<rng.nextInt(in: lower...n)
            return Layout([shape], note: "axis \(axis), range \(range)") { [$0[0].sliced(alongAxis: axis, range)] }
        },
        Operation("subscript [index]", arity: 1) { s, rng in
            let shape = ShapeRules.withAxis(s)
            let i = rng.nextInt(below: shape[0]) - (ShapeRules.coin(&rng) ? shape[0] : 0)
            return Layout([shape], note: "index \(i)") { [$0[0][i]] }
        },
        Operation("subscript [range], [a...], [..<b]", arity: 1) { s, rng in
            let shape = ShapeRules.withAxis(s)
            let a = rng.nextInt(in: 0...shape[0]), b = rng.nextInt(in: a...shape[0])
            return Layout([shape], note: "a \(a), b \(b)") { x in [x[0][a..<b], x[0][a...], x[0][..<b]] }
        },
        Operation("padded(_:value:)", arity: 1) { s, rng in
            let pads = s.map { _ in (before: rng.nextInt(in: 0...2), after: rng.nextInt(in: 0...2)) }
            return Layout([s], note: "paddings \(pads.map { [$0.before, $0.after] })") { [$0[0].padded(pads, value: 0.5)] }
        },
        Operation("padded(alongAxis:before:after:value:)", arity: 1) { s, rng in
            let shape = ShapeRules.withAxis(s)
            let axis = ShapeRules.axis(rank: shape.count, using: &rng)
            let before = rng.nextInt(in: 0...2), after = rng.nextInt(in: 0...2)
            return Layout([shape], note: "axis \(axis), \(before) before, \(after) after") {
                [$0[0].padded(alongAxis: axis, before: before, after: after, value: -1)]
            }
        },
        Operation("gathering(atIndices:alongAxis:)", arity: 1) { s, rng in
            let shape = ShapeRules.withAxis(s)
            let axis = ShapeRules.axis(rank: shape.count, using: &rng)
            let n = shape[(axis + shape.count) % shape.count]
            let indices = ShapeRules.integers(rng.nextInt(in: 1...4), in: -n...(n - 1), using: &rng)
            return Layout([shape], note: "indices \(indices), axis \(axis)") {
                [$0[0].gathering(atIndices: indices, alongAxis: axis)]
            }
        },
        Operation("scatteringAdd(atIndices:alongAxis:extent:)", arity: 1) { s, rng in
            let shape = ShapeRules.withAxis(s)
            let axis = ShapeRules.axis(rank: shape.count, using: &rng)
            let extent = rng.nextInt(in: 1...4)
            let indices = ShapeRules.integers(shape[(axis + shape.count) % shape.count], in: -extent...(extent - 1), using: &rng)
            return Layout([shape], note: "indices \(indices), axis \(axis), extent \(extent)") {
                [$0[0].scatteringAdd(atIndices: indices, alongAxis: axis, extent: extent)]
            }
        },
        Operation("gatheringElements(atIndices:alongAxis:)", arity: 1) { s, rng in
            let shape = ShapeRules.withAxis(s)
            let axis = ShapeRules.axis(rank: shape.count, using: &rng)
            let a = (axis + shape.count) % shape.count
            let n = shape[a], k = rng.nextInt(in: 1...3)
            let indices = ShapeRules.integers(shape.reduce(1, *) / n * k, in: -n...(n - 1), using: &rng)
            return Layout([shape], note: "indices \(indices), axis \(axis)") {
                [$0[0].gatheringElements(atIndices: indices, alongAxis: axis)]
            }
        },
        Operation("scatteringAddElements(atIndices:alongAxis:extent:)", arity: 1) { s, rng in
            let shape = ShapeRules.withAxis(s)
            let axis = ShapeRules.axis(rank: shape.count, using: &rng)
            let extent = rng.nextInt(in: 1...4)
            let indices = ShapeRules.integers(shape.reduce(1, *), in: -extent...(extent - 1), using: &rng)
            return Layout([shape], note: "indices \(indices), axis \(axis), extent \(extent)") {
                [$0[0].scatteringAddElements(atIndices: indices, alongAxis: axis, extent: extent)]
            }
        },
    ]
}
