import Testing
import PropertyBased
@testable import Higher

/// Law: one optimizer step `F(θ, g, s, h) = (s′, θ′)` (parameters θ, gradients g, state
/// s, hyperparameters h) has a forward derivative (JVP) and a reverse derivative (VJP)
/// that both equal the central finite differences of F, for every optimizer family and
/// with respect to all four arguments at once.
///
/// Every family builds F from differentiable tensor operations only, so F is smooth
/// wherever no branch or kink is crossed: a sign change of `g·prev` (Rprop), a tie of a
/// maximum (AMSGrad, Adamax, Adafactor's clipping), a square root at 0, a sign of
/// exactly 0 (Lion). At such a point, for a direction v and a cotangent u, Taylor's
/// theorem along x + t·v gives
///   (F(x + h·v) − F(x − h·v)) / 2h = J·v + O(h²)             (checked per output element),
///   (⟨u, F(x + h·eᵢ)⟩ − ⟨u, F(x − h·eᵢ)⟩) / 2h = (Jᵀu)ᵢ + O(h²) (checked per input element),
/// with h = 1e-6, so truncation (~1e-12) and round-off (~1e-10) sit far below the
/// tolerance 1e-6·max(1, |a|, |n|). The points are generic, away from the kinks: the
/// state comes from a few steps with positive random gradients (so Rprop's previous
/// gradients are nonzero and RMSprop's centered variance positive), then every state
/// value is scaled by an independent random factor in [1.0125, 1.1] (which separates
/// AMSGrad's running maximum from the second moment); the step's gradients are random
/// with |gᵢ| ≥ 0.25. The settings keep every scale F varies on large against h: ε ≥ 1e-3
/// and β₂ ≤ 0.99 (at β₂ = 0.999 and t = 3 the bias correction 1 − β₂ᵗ ≈ 0.003 makes the
/// O(h²) term of a difference in β₂ about 1e-6 relative). Parameters are a tensor of the generated shape (rank 0 to 2, so
/// Adafactor's factored and unfactored paths are both taken) and a vector of 2.
@Suite struct OptimizerStepDerivativesMatchFiniteDifferences {
    struct Family: Sendable, CustomTestStringConvertible {
        let name: String
        let warmup: Int
        let make: @Sendable () -> any Optimizer
        var testDescription: String { name }
    }

    static let families: [Family] = [
        Family(name: "SGD", warmup: 2) { SGD(lr: 0.1, momentum: 0.9, dampening: 0.1, weightDecay: 0.01) },
        Family(name: "SGD nesterov", warmup: 2) { SGD(lr: 0.1, momentum: 0.9, nesterov: true, maximize: true) },
        Family(name: "Adam amsgrad", warmup: 2) { Adam(lr: 0.01, betas: (0.9, 0.99), eps: 1e-3, weightDecay: 0.01, amsgrad: true) },
        Family(name: "AdamW", warmup: 2) { AdamW(lr: 0.01, betas: (0.9, 0.99), eps: 1e-3) },
        Family(name: "Adamax", warmup: 2) { Adamax(lr: 0.01, betas: (0.9, 0.99), eps: 1e-3, weightDecay: 0.01) },
        Family(name: "Adadelta", warmup: 2) { Adadelta(eps: 1e-2, weightDecay: 0.01) },
        Family(name: "Adagrad", warmup: 2) { Adagrad(lr: 0.1, lrDecay: 0.01, weightDecay: 0.01) },
        Family(name: "ASGD", warmup: 2) { ASGD(lr: 0.05, lambd: 0.01, t0: 0, weightDecay: 0.01) },
        Family(name: "RMSprop centered", warmup: 2) { RMSprop(lr: 0.01, eps: 1e-3, weightDecay: 0.01, momentum: 0.5, centered: true) },
        Family(name: "Rprop", warmup: 2) { Rprop(lr: 0.05) },
        Family(name: "NAdam", warmup: 2) { NAdam(lr: 0.01, betas: (0.9, 0.99), eps: 1e-3, weightDecay: 0.01) },
        Family(name: "NAdam decoupled", warmup: 2) { NAdam(lr: 0.01, betas: (0.9, 0.99), eps: 1e-3, weightDecay: 0.01, decoupledWeightDecay: true) },
        Family(name: "RAdam", warmup: 2) { RAdam(lr: 0.01, betas: (0.9, 0.99), eps: 1e-3, weightDecay: 0.01) },
        Family(name: "RAdam rectified", warmup: 6) { RAdam(lr: 0.01, betas: (0.9, 0.9), eps: 1e-3) },
        Family(name: "Adafactor", warmup: 2) { Adafactor(lr: 0.01, weightDecay: 0.01) },
        Family(name: "Lion", warmup: 2) { Lion(lr: 0.01, weightDecay: 0.1) },
    ]

    /// The four arguments of a step, as one tree.
    struct Point<O: Optimizer>: DifferentiableTree {
        var params: Parameters
        var grads: Parameters
        var state: O.State
        var hyper: O.Hyper

        var leaves: [Tensor] { params.leaves + grads.leaves + state.leaves + hyper.leaves }

        func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> Point {
            Point(params: try params.mapLeaves(transform), grads: try grads.mapLeaves(transform),
                  state: try state.mapLeaves(transform), hyper: try hyper.mapLeaves(transform))
        }
    }

    /// The two results of a step, as one tree.
    struct Result<O: Optimizer>: DifferentiableTree {
        var state: O.State
        var params: Parameters

        var leaves: [Tensor] { state.leaves + params.leaves }

        func mapLeaves(_ transform: (Tensor) throws -> Tensor) rethrows -> Result {
            Result(state: try state.mapLeaves(transform), params: try params.mapLeaves(transform))
        }
    }

    @Test(.shrinking, .proofSeed(0x0971_0001), arguments: families)
    func stepDerivativesMatchFiniteDifferences(_ family: Family) async {
        await proofCheck(count: 8, ranks: 0...2, extents: 1...3, salt: family.name) { c in
            var rng = c.generator
            check(family.make(), warmup: family.warmup, shape: c.shape, &rng, c)
        }
    }

    private func check<O: Optimizer>(_ opt: O, warmup: Int, shape: [Int], _ rng: inout RandomGenerator, _ c: ShapeCase) {
        let params: Parameters = ["w": Arbitrary.tensor(shape, using: &rng), "v": Arbitrary.tensor([2], using: &rng)]
        var state = opt.initialState(for: params)
        var p = params
        do {
            for _ in 0..<warmup {
                let g = Arbitrary.tree(like: params, in: .positive, using: &rng)
                (state, p) = try opt.step(state, p, g)
            }
        } catch {
            Issue.record("\(c): warm-up failed: \(error)")
            return
        }
        state = state.mapLeaves { $0 * Arbitrary.tensor($0.shape, in: .interval(1.0125...1.1), using: &rng) }
        let point = Point<O>(params: p, grads: Arbitrary.tree(like: params, using: &rng), state: state, hyper: opt.hyper)
        let step = { (x: Point<O>) -> Result<O> in
            let (s, q) = try! opt.step(x.state, x.params, x.grads, x.hyper)
            return Result(state: s, params: q)
        }
        let direction = Arbitrary.tree(like: point, using: &rng)
        let forward = checkJVP(of: step, at: point, along: direction)
        #expect(forward.passes(tolerance: 1e-6), "\(c): \(forward)")
        let cotangent = Arbitrary.tree(like: step(point), using: &rng)
        let reverse = checkVJP(of: step, at: point, cotangent: cotangent)
        #expect(reverse.passes(tolerance: 1e-6), "\(c): \(reverse)")
    }
}
