@testable import Higher

// Plain Float64 arithmetic on lists of tensors, done on `scalars` arrays so that the
// reference side of every law uses none of the operations under test.

/// `⟨a, b⟩ = Σ over leaves Σ aᵢ·bᵢ`, and the scale `Σ |aᵢ·bᵢ|` its round-off is relative to.
func innerProduct(_ a: [Tensor], _ b: [Tensor]) -> (value: Double, scale: Double) {
    precondition(a.count == b.count, "innerProduct: \(a.count) and \(b.count) tensors")
    var value = 0.0, scale = 0.0
    for (x, y) in zip(a, b) {
        precondition(x.shape == y.shape, "innerProduct: shapes \(x.shape) and \(y.shape)")
        let xs = x.scalars, ys = y.scalars
        for i in xs.indices {
            value += xs[i] * ys[i]
            scale += Swift.abs(xs[i] * ys[i])
        }
    }
    return (value, scale)
}

/// `α·a + β·b`, leaf by leaf (Float64).
func linearCombination(_ alpha: Double, _ a: [Tensor], _ beta: Double, _ b: [Tensor]) -> [Tensor] {
    zip(a, b).map { x, y in
        let xs = x.scalars, ys = y.scalars
        return Tensor(xs.indices.map { alpha * xs[$0] + beta * ys[$0] }, shape: x.shape, dtype: .float64)
    }
}

/// Random Float64 tensors with the shapes of `like`, values in `[−2, −0.25] ∪ [0.25, 2]`:
/// cotangents, directions and weights.
func randomLike(_ like: [Tensor], using rng: inout RandomGenerator) -> [Tensor] {
    like.map { Arbitrary.tensor($0.shape, using: &rng) }
}

/// Where two computations of the same tensors disagree: the worst element by
/// `|a − b| / max(1, |a|, |b|)`.
struct Agreement: CustomStringConvertible {
    var worstError = 0.0
    var worstPlace = ""

    /// Compares `a` with `b` leaf by leaf (same shapes required).
    init(_ a: [Tensor], _ b: [Tensor]) {
        precondition(a.count == b.count, "Agreement: \(a.count) and \(b.count) tensors")
        for (leaf, (x, y)) in zip(a, b).enumerated() {
            precondition(x.shape == y.shape, "Agreement: leaf \(leaf) has shapes \(x.shape) and \(y.shape)")
            let xs = x.scalars, ys = y.scalars
            for i in xs.indices {
                let e = Swift.abs(xs[i] - ys[i]) / Swift.max(1, Swift.abs(xs[i]), Swift.abs(ys[i]))
                if e > worstError || e.isNaN {
                    worstError = e.isNaN ? .infinity : e
                    worstPlace = "leaf \(leaf) element \(i): \(xs[i]) vs \(ys[i])"
                }
            }
        }
    }

    func holds(tolerance: Double) -> Bool { worstError <= tolerance }

    var description: String {
        worstError == 0 ? "exact agreement" : "worst scaled error \(worstError) at \(worstPlace)"
    }
}

/// Whether two scalars agree: `|a − b| ≤ tolerance · max(1, scale)`.
func scalarsAgree(_ a: Double, _ b: Double, scale: Double, tolerance: Double) -> Bool {
    Swift.abs(a - b) <= tolerance * Swift.max(1, scale)
}

/// The NumPy broadcast of two shapes, computed here independently of the library.
func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
    let r = Swift.max(a.count, b.count)
    var out = [Int](repeating: 1, count: r)
    for i in 0..<r {
        let x = i < r - a.count ? 1 : a[i - (r - a.count)]
        let y = i < r - b.count ? 1 : b[i - (r - b.count)]
        guard x == y || x == 1 || y == 1 else { return nil }
        out[i] = Swift.max(x, y)
    }
    return out
}

/// The sum of `big` over the axes along which `small` was broadcast to `big.shape`: for
/// every element of `big`, its index is aligned to the right with `small`'s shape,
/// leading axes dropped and axes where `small` has extent 1 set to 0, and the element is
/// added there. A plain loop over indices, not the library's `sumToShape`.
func naiveSumOverBroadcastAxes(_ big: Tensor, to small: [Int]) -> Tensor {
    let shape = big.shape
    let values = big.scalars
    let lead = shape.count - small.count
    precondition(lead >= 0, "naiveSumOverBroadcastAxes: \(small) has more axes than \(shape)")
    var smallStrides = [Int](repeating: 1, count: small.count)
    for i in stride(from: small.count - 2, through: 0, by: -1) { smallStrides[i] = smallStrides[i + 1] * small[i + 1] }
    var out = [Double](repeating: 0, count: small.reduce(1, *))
    var index = [Int](repeating: 0, count: shape.count)
    for flat in values.indices {
        var rest = flat
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            index[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        var target = 0
        for j in 0..<small.count where small[j] != 1 {
            precondition(small[j] == shape[lead + j], "naiveSumOverBroadcastAxes: \(small) is not broadcast to \(shape)")
            target += index[lead + j] * smallStrides[j]
        }
        out[target] += values[flat]
    }
    return Tensor(out, shape: small, dtype: .float64)
}

/// `x` copied to the broadcast shape `shape` (NumPy rules) by a plain loop over indices,
/// not the library's `broadcast(to:)`.
func naiveBroadcast(_ x: Tensor, to shape: [Int]) -> Tensor {
    let small = x.shape, values = x.scalars
    let lead = shape.count - small.count
    precondition(lead >= 0, "naiveBroadcast: \(small) has more axes than \(shape)")
    var smallStrides = [Int](repeating: 1, count: small.count)
    for i in stride(from: small.count - 2, through: 0, by: -1) { smallStrides[i] = smallStrides[i + 1] * small[i + 1] }
    let count = shape.reduce(1, *)
    var out = [Double](repeating: 0, count: count)
    var index = [Int](repeating: 0, count: shape.count)
    for flat in 0..<count {
        var rest = flat
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            index[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        var source = 0
        for j in 0..<small.count where small[j] != 1 {
            precondition(small[j] == shape[lead + j], "naiveBroadcast: \(small) does not broadcast to \(shape)")
            source += index[lead + j] * smallStrides[j]
        }
        out[flat] = values[source]
    }
    return Tensor(out, shape: shape, dtype: .float64)
}

/// Every index of `shape`, in row-major order (one empty index for rank 0).
func multiIndices(_ shape: [Int]) -> [[Int]] {
    var out = [[Int]]()
    let count = shape.reduce(1, *)
    out.reserveCapacity(count)
    var index = [Int](repeating: 0, count: shape.count)
    for flat in 0..<count {
        var rest = flat
        for axis in stride(from: shape.count - 1, through: 0, by: -1) {
            index[axis] = rest % shape[axis]
            rest /= shape[axis]
        }
        out.append(index)
    }
    return out
}

/// The row-major flat position, in a tensor of `shape`, of the element that NumPy
/// broadcasting maps the index `index` of a larger shape to (shapes aligned on the
/// right; an axis of extent 1 always reads position 0).
func broadcastOffset(_ index: [Int], into shape: [Int]) -> Int {
    let lead = index.count - shape.count
    var offset = 0
    for j in 0..<shape.count { offset = offset * shape[j] + (shape[j] == 1 ? 0 : index[lead + j]) }
    return offset
}
