/// Shape arithmetic shared by the kernels: element counts, strides, broadcasting and the
/// strided loops that walk two operands of different layouts.
enum Shape {
    /// The number of elements of a tensor of this shape.
    @inline(__always)
    static func count(_ shape: [Int]) -> Int {
        var n = 1
        for d in shape { n &*= d }
        return n
    }

    /// Whether `actual` is `shape`, with a leading axis of `taskAxis` first when one is
    /// given, compared without building the expected shape.
    ///
    /// ```swift
    /// Shape.matches([8, 40, 1], [40, 1], taskAxis: 8)     // true
    /// Shape.matches([40, 1], [40, 1], taskAxis: nil)      // true
    /// ```
    static func matches(_ actual: [Int], _ shape: [Int], taskAxis: Int?) -> Bool {
        guard let tasks = taskAxis else { return actual == shape }
        return actual.count == shape.count + 1 && actual[0] == tasks && actual.dropFirst().elementsEqual(shape)
    }

    /// Row-major strides (in elements).
    static func strides(_ shape: [Int]) -> [Int] {
        var s = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            s[i] = acc
            acc &*= shape[i]
        }
        return s
    }

    /// The NumPy broadcast of two shapes, or `nil` when they are incompatible.
    /// Returns `a` or `b` itself when the broadcast is one of them (the usual case:
    /// a bias or a reduced tensor against a full one), building no new array.
    static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
        if a == b { return a }
        let r = max(a.count, b.count)
        var isA = a.count == r, isB = b.count == r
        for i in 0..<r {
            let da = i < r - a.count ? 1 : a[i - (r - a.count)]
            let db = i < r - b.count ? 1 : b[i - (r - b.count)]
            if da == db { continue }
            if db == 1 { isB = false } else if da == 1 { isA = false } else { return nil }
        }
        if isA { return a }
        if isB { return b }
        var out = [Int](repeating: 1, count: r)
        for i in 0..<r {
            let da = i < r - a.count ? 1 : a[i - (r - a.count)]
            out[i] = da == 1 ? (i < r - b.count ? 1 : b[i - (r - b.count)]) : da
        }
        return out
    }

    /// Strides of `shape` read as if broadcast to `target`: 0 on the broadcast axes.
    static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int] {
        let own = strides(shape)
        let offset = target.count - shape.count
        var s = [Int](repeating: 0, count: target.count)
        for i in 0..<shape.count where shape[i] != 1 || target[i + offset] == 1 {
            s[i + offset] = shape[i] == 1 ? 0 : own[i]
        }
        return s
    }

    /// Normalises a possibly negative axis, stopping with a message on a bad one.
    static func axis(_ axis: Int, rank: Int, _ op: String) -> Int {
        let a = axis < 0 ? axis + rank : axis
        precondition(a >= 0 && a < max(rank, 1) || (rank == 0 && a == 0),
                     "\(op): axis \(axis) is out of range for a tensor of rank \(rank)")
        return a
    }

    /// Merges adjacent axes that both operands traverse as one (contiguous or broadcast
    /// alike), so the strided loops below run fewer, longer rows.
    static func coalesced(_ shape: [Int], _ stridesA: [Int], _ stridesB: [Int]) -> ([Int], [Int], [Int]) {
        guard shape.count > 1 else { return (shape, stridesA, stridesB) }
        var s = [shape[0]], a = [stridesA[0]], b = [stridesB[0]]
        for i in 1..<shape.count {
            let last = s.count - 1
            if a[last] == stridesA[i] * shape[i] && b[last] == stridesB[i] * shape[i] {
                s[last] *= shape[i]
                a[last] = stridesA[i]
                b[last] = stridesB[i]
            } else {
                s.append(shape[i]); a.append(stridesA[i]); b.append(stridesB[i])
            }
        }
        return (s, a, b)
    }

    /// Walks every element of `shape`, one innermost row at a time, with the element
    /// offsets of two contiguous operands of shapes `a` and `b` read as broadcast to
    /// `shape`. Like ``forEachRow(_:_:_:_:)`` after ``coalesced(_:_:_:)``, but the axes are
    /// merged in stack memory, so no arrays are built (this runs once per kernel call).
    /// `body(offsetA, offsetB, rowLength, innerStrideA, innerStrideB)`.
    ///
    /// ```swift
    /// // A [2, 3] matrix plus a [3] row: two rows of 3, the row restarting at offset 0.
    /// Shape.forEachRow(broadcasting: [2, 3], [3], to: [2, 3]) { offA, offB, len, ia, ib in }
    /// ```
    @inline(__always)
    static func forEachRow(
        broadcasting a: [Int], _ b: [Int], to shape: [Int],
        _ body: (Int, Int, Int, Int, Int) -> Void
    ) {
        let r = shape.count
        if Shape.count(shape) == 0 { return }
        if r == 0 { body(0, 0, 1, 0, 0); return }
        withUnsafeTemporaryAllocation(of: Int.self, capacity: 4 * r) { buffer in
            let extent = buffer.baseAddress!, sa = extent + r, sb = extent + 2 * r, index = extent + 3 * r
            // Axes from the innermost out; axis 0 of the buffers is the innermost row.
            var m = 0, ownA = 1, ownB = 1
            for i in stride(from: r - 1, through: 0, by: -1) {
                let n = shape[i]
                let da = i >= r - a.count ? a[i - (r - a.count)] : 1
                let db = i >= r - b.count ? b[i - (r - b.count)] : 1
                let strideA = da == 1 ? 0 : ownA, strideB = db == 1 ? 0 : ownB
                ownA &*= da; ownB &*= db
                if n == 1 { continue }
                if m > 0 && strideA == sa[m - 1] &* extent[m - 1] && strideB == sb[m - 1] &* extent[m - 1] {
                    extent[m - 1] &*= n
                } else {
                    extent[m] = n; sa[m] = strideA; sb[m] = strideB; index[m] = 0
                    m += 1
                }
            }
            if m == 0 { body(0, 0, 1, 0, 0); return }
            let inner = extent[0], innerA = sa[0], innerB = sb[0]
            var offA = 0, offB = 0
            while true {
                body(offA, offB, inner, innerA, innerB)
                var d = 1
                while d < m {
                    index[d] += 1
                    offA &+= sa[d]
                    offB &+= sb[d]
                    if index[d] < extent[d] { break }
                    offA &-= sa[d] &* extent[d]
                    offB &-= sb[d] &* extent[d]
                    index[d] = 0
                    d += 1
                }
                if d == m { return }
            }
        }
    }

    /// Walks every element of `shape`, one innermost row at a time, with the element
    /// offsets of up to two operands laid out with `stridesA` and `stridesB`.
    /// `body(offsetA, offsetB, rowLength, innerStrideA, innerStrideB)`.
    @inline(__always)
    static func forEachRow(
        _ shape: [Int], _ stridesA: [Int], _ stridesB: [Int],
        _ body: (Int, Int, Int, Int, Int) -> Void
    ) {
        let r = shape.count
        if r == 0 { body(0, 0, 1, 0, 0); return }
        if Shape.count(shape) == 0 { return }
        let inner = shape[r - 1], sa = stridesA[r - 1], sb = stridesB[r - 1]
        if r == 1 { body(0, 0, inner, sa, sb); return }
        var index = [Int](repeating: 0, count: r - 1)
        var offA = 0, offB = 0
        while true {
            body(offA, offB, inner, sa, sb)
            var d = r - 2
            while d >= 0 {
                index[d] += 1
                offA += stridesA[d]
                offB += stridesB[d]
                if index[d] < shape[d] { break }
                offA -= stridesA[d] * shape[d]
                offB -= stridesB[d] * shape[d]
                index[d] = 0
                d -= 1
            }
            if d < 0 { return }
        }
    }
}
