import Higher
#if OpenBLAS
import COpenBLAS
#elseif BLIS
import CBLIS
#endif

/// The 1-40-40-1 ReLU MLP of the benchmarks, weights shaped like `nn.Linear`.
struct MLPWorkload {
    let params: [Tensor]
    let direction: [Tensor]
    let x: Tensor
    let y: Tensor

    init(dtype: DType = .float32) {
        var rng = RandomGenerator(seed: 0)
        var p = [Tensor]()
        for (fanIn, fanOut) in [(1, 40), (40, 40), (40, 1)] {
            let bound = 1 / Double(fanIn).squareRoot()
            p.append(Tensor.uniform([fanOut, fanIn], low: -bound, high: bound, dtype: dtype, using: &rng))
            p.append(Tensor.uniform([fanOut], low: -bound, high: bound, dtype: dtype, using: &rng))
        }
        params = p
        direction = p.map { Tensor.normal($0.shape, dtype: dtype, using: &rng) }
        let xs = (0..<10).map { -5 + Double($0) * 10 / 9 }
        x = Tensor(xs, shape: [10, 1], dtype: dtype)
        y = Tensor(xs.map { _sin($0) }, shape: [10, 1], dtype: dtype)
    }

    func loss(_ p: [Tensor]) -> Tensor {
        let h1 = relu(matmul(x, p[0], transposeB: true) + p[1])
        let h2 = relu(matmul(h1, p[2], transposeB: true) + p[3])
        return meanSquaredError(predicted: matmul(h2, p[4], transposeB: true) + p[5], target: y)
    }
}

/// `sin` without Foundation, for the data only.
func _sin(_ x: Double) -> Double {
    var s = 0.0, term = x
    let r = x.truncatingRemainder(dividingBy: 2 * Double.pi)
    term = r
    for k in 0..<20 {
        s += term
        term *= -r * r / Double((2 * k + 2) * (2 * k + 3))
    }
    return s
}

/// The raw single-precision GEMM call the `Tensor` product is compared with.
func rawSgemm(_ a: [Float], _ b: [Float], _ c: inout [Float], _ n: Int) {
    #if OpenBLAS || BLIS
    a.withUnsafeBufferPointer { pa in
        b.withUnsafeBufferPointer { pb in
            c.withUnsafeMutableBufferPointer { pc in
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n),
                            1, pa.baseAddress, Int32(n), pb.baseAddress, Int32(n), 0, pc.baseAddress, Int32(n))
            }
        }
    }
    #endif
}
