@testable import Higher

/// Operand shapes for a matrix product, derived from a generated shape: that shape is
/// the left operand (a vector `[k]` when it has rank 0); the right operand is a vector
/// (vector · vector, matrix · vector), a matrix, or a batch of matrices whose batch axes
/// broadcast against the left operand's (extent 1 against any extent, either side, and
/// missing leading axes).
struct ProductShapes: CustomStringConvertible {
    var lhs: [Int]
    var rhs: [Int]
    var transposeA = false
    var transposeB = false

    var description: String {
        "\(lhs) × \(rhs)" + (transposeA ? ", transposeA" : "") + (transposeB ? ", transposeB" : "")
    }

    /// A product as `matmul(_:_:)` takes it: vectors allowed, no transposes.
    static func plain(_ shape: [Int], using rng: inout RandomGenerator) -> ProductShapes {
        let lhs = shape.isEmpty ? [rng.nextInt(in: 1...3)] : shape
        let k = lhs[lhs.count - 1]
        let n = rng.nextInt(in: 1...3)
        switch rng.nextInt(below: lhs.count == 1 ? 3 : 4) {
        case 0: return ProductShapes(lhs: lhs, rhs: [k])
        case 1: return ProductShapes(lhs: lhs, rhs: [k, n])
        default:
            let batch = batchPartner(of: Array(lhs.dropLast(lhs.count == 1 ? 1 : 2)), using: &rng)
            return ProductShapes(lhs: lhs, rhs: batch + [k, n])
        }
    }

    /// A product with transpose flags: both operands have at least two axes, and a set
    /// flag stores that operand with its last two axes swapped.
    static func transposed(_ shape: [Int], using rng: inout RandomGenerator) -> ProductShapes {
        var a = shape
        while a.count < 2 { a.insert(rng.nextInt(in: 1...3), at: 0) }
        let m = a[a.count - 2], k = a[a.count - 1], n = rng.nextInt(in: 1...3)
        let batchA = Array(a.dropLast(2))
        let batchB = ShapeRules.coin(&rng) ? [] : batchPartner(of: batchA, using: &rng)
        let tA = ShapeRules.coin(&rng), tB = ShapeRules.coin(&rng)
        return ProductShapes(lhs: batchA + (tA ? [k, m] : [m, k]), rhs: batchB + (tB ? [n, k] : [k, n]),
                              transposeA: tA, transposeB: tB)
    }

    /// Batch axes that broadcast against `batch`: each axis kept, set to 1, or (where
    /// `batch` has 1) given any extent; some leading axes dropped or one added.
    static func batchPartner(of batch: [Int], using rng: inout RandomGenerator) -> [Int] {
        var out = batch.map { d -> Int in
            switch rng.nextInt(below: 3) {
            case 0: return 1
            case 1: return d == 1 ? rng.nextInt(in: 1...3) : d
            default: return d
            }
        }
        switch rng.nextInt(below: 3) {
        case 0 where !out.isEmpty: out.removeFirst(rng.nextInt(in: 1...out.count))
        case 1 where out.count < 3: out.insert(rng.nextInt(in: 1...2), at: 0)
        default: break
        }
        return out
    }
}

/// Operand shapes for `linear(_:weight:bias:)`, derived from a generated shape: that shape
/// is `x` (a vector `[in]` when it has rank 0); the weight is shared, `[out, in]`, or
/// task-batched, `[T, out, in]` with `T` the first axis of `x` (given a leading axis when
/// it has fewer than two).
struct LinearShapes: CustomStringConvertible {
    var x: [Int]
    var weight: [Int]
    var bias: [Int]

    var description: String { "x \(x), weight \(weight), bias \(bias)" }

    init(_ shape: [Int], using rng: inout RandomGenerator) {
        var x = shape.isEmpty ? [rng.nextInt(in: 1...3)] : shape
        let out = rng.nextInt(in: 1...3)
        if ShapeRules.coin(&rng) {
            if x.count < 2 { x.insert(rng.nextInt(in: 1...3), at: 0) }
            weight = [x[0], out, x[x.count - 1]]
            bias = [x[0], out]
        } else {
            weight = [out, x[x.count - 1]]
            bias = [out]
        }
        self.x = x
    }
}

/// A small 2-D convolution (input, weight and bias shapes, stride, padding, dilation,
/// groups) derived from a generated shape `[N, C, H, W]` (missing axes count as 1): the
/// shape sets the batch, the channels per group and how much the input exceeds the
/// smallest size the kernel needs, the generator the rest.
struct ConvolutionShapes: CustomStringConvertible {
    var n: Int, groups: Int, channelsPerGroup: Int, outputsPerGroup: Int
    var h: Int, w: Int, kh: Int, kw: Int
    var stride: Size2D, padding: Size2D, dilation: Size2D

    var inputShape: [Int] { [n, groups * channelsPerGroup, h, w] }
    var weightShape: [Int] { [groups * outputsPerGroup, channelsPerGroup, kh, kw] }
    var outputChannels: Int { groups * outputsPerGroup }
    var oh: Int { (h + 2 * padding.height - dilation.height * (kh - 1) - 1) / stride.height + 1 }
    var ow: Int { (w + 2 * padding.width - dilation.width * (kw - 1) - 1) / stride.width + 1 }

    var description: String {
        "input \(inputShape), weight \(weightShape), stride \(stride), padding \(padding), dilation \(dilation), groups \(groups)"
    }

    init(_ shape: [Int], using rng: inout RandomGenerator) {
        let s = ShapeRules.rank(4, from: shape)
        n = Swift.min(s[0], 2)
        groups = rng.nextInt(in: 1...2)
        channelsPerGroup = Swift.min(s[1], 2)
        outputsPerGroup = rng.nextInt(in: 1...2)
        kh = rng.nextInt(in: 1...3)
        kw = rng.nextInt(in: 1...3)
        stride = Size2D(height: rng.nextInt(in: 1...2), width: rng.nextInt(in: 1...2))
        dilation = Size2D(height: rng.nextInt(in: 1...2), width: rng.nextInt(in: 1...2))
        padding = Size2D(height: rng.nextInt(in: 0...1), width: rng.nextInt(in: 0...1))
        h = Swift.max(1, dilation.height * (kh - 1) + 1 - 2 * padding.height) + s[2] - 1
        w = Swift.max(1, dilation.width * (kw - 1) + 1 - 2 * padding.width) + s[3] - 1
    }
}

/// A small 2-D pooling (input shape, window, stride, padding) from a generated shape
/// `[N, C, H, W]`: the padding is at most half the window, as the pooling operations
/// require.
struct PoolingShapes: CustomStringConvertible {
    var input: [Int]
    var kernel: Size2D, stride: Size2D?, padding: Size2D

    var description: String { "input \(input), kernel \(kernel), stride \(stride.map { "\($0)" } ?? "default"), padding \(padding)" }

    init(_ shape: [Int], using rng: inout RandomGenerator) {
        let s = ShapeRules.rank(4, from: shape)
        kernel = Size2D(height: rng.nextInt(in: 1...3), width: rng.nextInt(in: 1...3))
        stride = ShapeRules.coin(&rng) ? nil : Size2D(height: rng.nextInt(in: 1...3), width: rng.nextInt(in: 1...3))
        padding = Size2D(height: rng.nextInt(in: 0...(kernel.height / 2)), width: rng.nextInt(in: 0...(kernel.width / 2)))
        input = [Swift.min(s[0], 2), Swift.min(s[1], 2),
                 Swift.max(1, kernel.height - 2 * padding.height) + s[2] - 1,
                 Swift.max(1, kernel.width - 2 * padding.width) + s[3] - 1]
    }
}
