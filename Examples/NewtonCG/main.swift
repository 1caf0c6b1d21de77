// Fit a small MLP to noisy samples of a curve: first by plain gradient steps, then
// refine with Newton-CG steps whose Hessian-vector products come from
// forward-over-reverse differentiation. Ends with a gradient check of the model.
import Higher
#if canImport(Glibc)
import Glibc
#endif

/// A 1-16-16-1 tanh network as a plain array of tensors: [W1, b1, W2, b2, W3, b3].
func mlp(_ p: [Tensor], _ x: Tensor) -> Tensor {
    let h1 = tanh(matmul(x, p[0], transposeB: true) + p[1])
    let h2 = tanh(matmul(h1, p[2], transposeB: true) + p[3])
    return matmul(h2, p[4], transposeB: true) + p[5]
}

func dot(_ a: [Tensor], _ b: [Tensor]) -> Double {
    zip(a, b).reduce(0) { $0 + ($1.0 * $1.1).sum().item }
}

func axpy(_ alpha: Double, _ x: [Tensor], _ y: [Tensor]) -> [Tensor] {
    zip(x, y).map { alpha * $0 + $1 }
}

var rng = RandomGenerator(seed: 7)
let n = 64
let xs = (0..<n).map { -3 + 6 * Double($0) / Double(n - 1) }
let x = Tensor(xs, shape: [n, 1], dtype: .float64)
let noise = Tensor.normal([n, 1], mean: 0, standardDeviation: 0.05, using: &rng)
let y = Tensor(xs.map { 0.8 * sin(1.5 * $0) + 0.3 * $0 }, shape: [n, 1], dtype: .float64) + noise

let sizes = [(1, 16), (16, 16), (16, 1)]
var params: [Tensor] = sizes.flatMap { (fanIn, fanOut) -> [Tensor] in
    let bound = 1 / Double(fanIn).squareRoot()
    return [Tensor.uniform([fanOut, fanIn], low: -bound, high: bound, using: &rng),
            Tensor.uniform([fanOut], low: -bound, high: bound, using: &rng)]
}
let loss = { (p: [Tensor]) in meanSquaredError(predicted: mlp(p, x), target: y) }

print("Fitting a 1-16-16-1 tanh MLP to \(n) noisy points (Float64).")
print("\nPhase 1: gradient descent with momentum (lr 0.05, momentum 0.9)")
var velocity = params.zerosLike()
for step in 0...300 {
    let (value, g) = valueWithGradient(at: params, of: loss)
    if step % 50 == 0 { print("  step \(step)\tloss \(value.item)") }
    velocity = axpy(0.9, velocity, g)
    params = axpy(-0.05, velocity, params)
}

print("\nPhase 2: Newton-CG (Hessian-vector products by forward-over-reverse, damping 1e-3)")
for step in 1...8 {
    let (value, g) = valueWithGradient(at: params, of: loss)
    // Conjugate gradient on (H + λI) d = −g, with H·v from hessianVectorProduct.
    let damping = 1e-3
    var d = g.zerosLike()
    var r = g.mapLeaves { -$0 }
    var p = r
    var rr = dot(r, r)
    var iterations = 0
    for _ in 0..<30 where rr > 1e-20 {
        let hp = axpy(damping, p, hessianVectorProduct(at: params, along: p, of: loss))
        let curvature = dot(p, hp)
        if curvature <= 0 { break }
        let alpha = rr / curvature
        d = axpy(alpha, p, d)
        r = axpy(-alpha, hp, r)
        let next = dot(r, r)
        p = axpy(next / rr, p, r)
        rr = next
        iterations += 1
    }
    // Backtracking line search keeps every step a descent step.
    var t = 1.0
    var candidate = axpy(t, d, params)
    while loss(candidate).item > value.item + 1e-4 * t * dot(g, d) && t > 1e-4 {
        t /= 2
        candidate = axpy(t, d, params)
    }
    params = candidate
    print("  step \(step)\tloss \(loss(params).item)\t(CG iterations \(iterations), step size \(t))")
}

print("\nGradient check of the model's loss at the final weights (central differences, Float64):")
let check = checkGradient(of: loss, at: params)
print("  max absolute error \(check.maxAbsoluteError), max relative error \(check.maxRelativeError)")
print(check.passes(tolerance: 1e-6) ? "  gradient check passed" : "  gradient check FAILED")
