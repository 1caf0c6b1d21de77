@testable import Higher

extension OperationCatalog {
    /// Tensor+MatrixMultiplication, Tensor+Linear, Tensor+Convolution and Tensor+Pooling, on small
    /// shapes (see `OperandShapes.swift`).
    static let linearAlgebra: [Operation] = [
        Operation("matmul (vectors, matrices, broadcast batches)", arity: 2) { s, rng in
            let p = ProductShapes.plain(s, using: &rng)
            return Layout([p.lhs, p.rhs], note: "\(p)") { [matmul($0[0], $0[1])] }
        },
        Operation("matmul(transposeA:transposeB:)", arity: 2) { s, rng in
            let p = ProductShapes.transposed(s, using: &rng)
            return Layout([p.lhs, p.rhs], note: "\(p)") {
                [matmul($0[0], $0[1], transposeA: p.transposeA, transposeB: p.transposeB)]
            }
        },
        Operation("linear (shared or task-batched weight, bias)", arity: 3) { s, rng in
            let l = LinearShapes(s, using: &rng)
            return Layout([l.x, l.weight, l.bias], note: "\(l)") { [linear($0[0], weight: $0[1], bias: $0[2])] }
        },
        Operation("linear (shared or task-batched weight, no bias)", arity: 2) { s, rng in
            let l = LinearShapes(s, using: &rng)
            return Layout([l.x, l.weight], note: "\(l)") { [linear($0[0], weight: $0[1], bias: nil)] }
        },
        Operation("outer", arity: 2) { s, _ in
            Layout([[ShapeRules.extent(s, 0, or: 2)], [ShapeRules.extent(s, 1, or: 3)]]) { [outer($0[0], $0[1])] }
        },
        Operation("conv2d (bias, stride, padding, dilation, groups)", arity: 3) { s, rng in
            let c = ConvolutionShapes(s, using: &rng)
            return Layout([c.inputShape, c.weightShape, [c.outputChannels]], note: "\(c)") { x in
                [conv2d(x[0], x[1], bias: x[2], stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)]
            }
        },
        Operation("convTranspose2d (bias, stride, padding, output padding, dilation, groups)", arity: 3) { s, rng in
            let c = ConvolutionShapes(s, using: &rng)
            let z = [c.n, c.outputChannels, c.oh, c.ow]
            // Output paddings below the stride (the operation's requirement), and at
            // least what keeps the output non-empty.
            func pad(_ size: Int, _ padding: Int, _ dilation: Int, _ kernel: Int, _ stride: Int) -> Int {
                let remainder = (size + 2 * padding - dilation * (kernel - 1) - 1) % stride
                return Swift.max(rng.nextInt(below: stride), 1 - size + remainder)
            }
            let outputPadding = Size2D(height: pad(c.h, c.padding.height, c.dilation.height, c.kh, c.stride.height),
                                       width: pad(c.w, c.padding.width, c.dilation.width, c.kw, c.stride.width))
            return Layout([z, c.weightShape, [c.groups * c.channelsPerGroup]], note: "\(c), output padding \(outputPadding)") { x in
                [convTranspose2d(x[0], x[1], bias: x[2], stride: c.stride, padding: c.padding,
                                 outputPadding: outputPadding, dilation: c.dilation, groups: c.groups)]
            }
        },
        Operation("maxPool2d (distinct values)", arity: 1, distinct: true) { s, rng in
            let p = PoolingShapes(s, using: &rng)
            return Layout([p.input], note: "\(p)") { [maxPool2d($0[0], kernelSize: p.kernel, stride: p.stride, padding: p.padding)] }
        },
        Operation("avgPool2d", arity: 1) { s, rng in
            let p = PoolingShapes(s, using: &rng)
            return Layout([p.input], note: "\(p)") { [avgPool2d($0[0], kernelSize: p.kernel, stride: p.stride, padding: p.padding)] }
        },
        Operation("globalAveragePool", arity: 1) { s, rng in
            let keep = ShapeRules.coin(&rng)
            return Layout([ShapeRules.rank(4, from: s)], note: "keep \(keep)") { [globalAveragePool($0[0], keepingDimensions: keep)] }
        },
    ]
}
