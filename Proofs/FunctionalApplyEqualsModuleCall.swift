/// Law: applying a module functionally with its own parameters and buffers is calling it.
///
/// `makeFunctional(m)` binds a parameter tree for the duration of one call and the
/// wrappers read the bound values instead of the module's own. With the module's own
/// tree bound, every read returns exactly the tensor the direct call would read, and the
/// forward pass runs the same operations in the same order, so the outputs are identical
/// bit for bit — for any module structure (nested modules, arrays of modules, tied weights,
/// frozen parameters) and any input. And since the binding never writes to the module, its
/// own parameters are unchanged afterwards.
///
/// Cases: random stacks of Linear layers of generated widths, some shared (tied), some
/// frozen, with tanh between them; random inputs.
import Testing
@testable import Higher

final class ProofStack: Module, @unchecked Sendable {
    let layers: [Linear]
    let order: [Int]                  // which layer runs at each position (repeats tie weights)
    init(widths: [Int], tie: Bool, using rng: inout RandomGenerator) {
        var made: [Linear] = []
        for i in 0..<(widths.count - 1) {
            made.append(Linear(widths[i], widths[i + 1], frozen: i == 1, using: &rng))
        }
        layers = made
        order = Array(made.indices) + (tie && widths.first == widths.last ? Array(made.indices) : [])
    }
    func callAsFunction(_ x: Tensor) -> Tensor {
        var h = x
        for (k, i) in order.enumerated() { h = layers[i](h); if k < order.count - 1 { h = tanh(h) } }
        return h
    }
}

@Suite struct FunctionalApplyEqualsModuleCall {
    @Test(.proofSeed(0x46_554E_43)) func law() async {
        await proofCheck(count: 30, ranks: 2...4, extents: 1...4, salt: "functional apply") { c in
            var rng = c.generator
            let widths = [c.shape[0]] + c.shape.dropFirst().map { $0 + 1 } + [c.shape[0]]
            let model = ProofStack(widths: widths, tie: rng.next() % 2 == 0, using: &rng)
            let x = Tensor.uniform([3, widths[0]], low: -2, high: 2, using: &rng)
            let f = makeFunctional(model)
            let before = f.parameters
            let direct = model(x)
            let functional = try f(x, parameters: f.parameters)
            #expect(functional.scalars == direct.scalars, "\(widths)")
            #expect(f.parameters == before)
        }
    }
}
