// Finite-difference checks shared by the operation tests (Float64, central differences).
import Testing
@testable import Higher

/// Deterministic values in [-1, 1) (xorshift), so every run checks the same points.
func derivativeTestTensor(_ shape: [Int], seed: UInt64, dtype: DType = .float64) -> Tensor {
    var s = (seed &+ 1) &* 0x9E37_79B9_7F4A_7C15
    var values = [Double]()
    for _ in 0..<shape.reduce(1, *) {
        s ^= s << 13; s ^= s >> 7; s ^= s << 17
        values.append(Double(s >> 11) / Double(1 << 53) * 2 - 1)
    }
    return Tensor(values, shape: shape, dtype: dtype)
}

func derivativeTestClose(_ a: [Double], _ b: [Double], _ tolerance: Double) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($0), abs($1)) }
}

/// Checks the VJP (against per-coordinate central differences of `Σ w·f`) and the JVP
/// (against a central difference along a direction) of `f` at `x`, in Float64.
func checkDerivatives(
    at x: Tensor, tolerance: Double = 1e-6, seed: UInt64 = 30, _ f: (Tensor) -> Tensor,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    let eps = 1e-6
    let y = f(x)
    let w = derivativeTestTensor(y.shape, seed: seed &+ 1)
    let v = derivativeTestTensor(x.shape, seed: seed &+ 2)
    let g = vjp(at: x, of: f).pullback(w)
    let base = x.scalars
    var fd = [Double]()
    for i in 0..<base.count {
        var p = base, m = base
        p[i] += eps
        m[i] -= eps
        let lp = (f(Tensor(p, shape: x.shape)) * w).sum().item
        let lm = (f(Tensor(m, shape: x.shape)) * w).sum().item
        fd.append((lp - lm) / (2 * eps))
    }
    #expect(g.shape == x.shape, sourceLocation: sourceLocation)
    #expect(derivativeTestClose(g.scalars, fd, tolerance), "VJP \(g.scalars) vs FD \(fd)", sourceLocation: sourceLocation)
    let dy = derivative(at: x, along: v, of: f)
    let fdj = (f(x + eps * v) - f(x - eps * v)) / (2 * eps)
    #expect(dy.shape == y.shape, sourceLocation: sourceLocation)
    #expect(derivativeTestClose(dy.scalars, fdj.scalars, tolerance), "JVP \(dy.scalars) vs FD \(fdj.scalars)",
            sourceLocation: sourceLocation)
}

/// Forward-over-reverse and reverse-over-reverse Hessian-vector products against
/// central differences of the gradient.
func checkHessianVectorProductAndSymmetry(
    at x: Tensor, seed: UInt64 = 30, _ f: (Tensor) -> Tensor, sourceLocation: SourceLocation = #_sourceLocation
) {
    let eps = 1e-6
    let v = derivativeTestTensor(x.shape, seed: seed &+ 3)
    let hv = hessianVectorProduct(at: x, along: v, of: f)
    let fd = (gradient(at: x + eps * v, of: f) - gradient(at: x - eps * v, of: f)) / (2 * eps)
    #expect(derivativeTestClose(hv.scalars, fd.scalars, 1e-6), "HVP \(hv.scalars) vs FD \(fd.scalars)",
            sourceLocation: sourceLocation)
    let rr = gradient(at: x) { y in (gradient(at: y, of: f) * v).sum() }
    #expect(derivativeTestClose(rr.scalars, hv.scalars, 1e-10), "reverse-over-reverse \(rr.scalars) vs \(hv.scalars)",
            sourceLocation: sourceLocation)
}
