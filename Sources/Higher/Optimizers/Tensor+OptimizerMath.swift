/// The two operations optimizers need beyond the public tensor set: a square root whose
/// derivative is finite at 0, and clamping to tensor bounds.
extension Tensor {
    /// The square root of each element, with every derivative taken as **0 where the
    /// input is exactly 0** (elsewhere `1 / (2√x)`, as for ``sqrt()``).
    ///
    /// Optimizers take square roots of running averages of squared gradients:
    /// `v = β·v + (1 − β)·g²`. `v` is exactly 0 only when every gradient entry that went
    /// into it was 0, and then `v` sits at its minimum over all gradients: moving any
    /// gradient entry by `δ` changes `v` by `O(δ²)` and `√v` by `O(|δ|)`, the same amount
    /// in both directions. The true `√v` is not differentiable there (its one-sided
    /// slopes along a gradient entry are `±√(1 − β)`); 0 is the midpoint of those slopes,
    /// the choice ``abs()`` makes for `|x|` at 0 and the limit of
    /// `d√v/dg = (1 − β)·g / √v` along `g → 0` averaged over both sides. The plain rule
    /// would give `0 · ∞ = NaN` there instead, and that NaN would reach every
    /// meta-gradient. Higher derivatives at 0 are 0 too, so the rule stays finite under
    /// nesting.
    ///
    /// ```swift
    /// let g = gradient(at: Tensor([0, 4])) { v in v.safeSqrt().sum() }    // [0, 0.25]
    /// ```
    func safeSqrt() -> Tensor {
        elementwiseOp("safeSqrt", SqrtKernel(), fused: SafeSqrtBackward()) { _, out, g in
            // The mask and the shifted denominator are constants; `out` itself may be
            // traced at an outer level, where its own derivative is again this rule.
            let positive = out.isGreater(than: 0)
            return g * positive * 0.5 / (out + (1 - positive))
        }
    }

    /// Each element limited to `[lower, upper]` where the bounds are tensors (either may be
    /// `nil`), with broadcasting. Like ``clamped(min:max:)``, the derivative goes to `self`
    /// where `lower ≤ x ≤ upper` (**bounds included**, as in PyTorch) and to the bound
    /// that was applied elsewhere.
    ///
    /// ```swift
    /// let c = Tensor([0.5, 3]).clamped(lower: Tensor(1), upper: Tensor(2))   // [1, 2]
    /// ```
    func clamped(lower: Tensor?, upper: Tensor?) -> Tensor {
        var out = self
        if let lower {
            out = Tensor.where(out.isLess(than: lower.detached()), lower, out)
        }
        if let upper {
            out = Tensor.where(out.isGreater(than: upper.detached()), upper, out)
        }
        return out
    }
}

struct SafeSqrtBackward: DerivativeKernel {
    @inline(__always) func callAsFunction<S: TensorScalar>(_ x: S, _ y: S, _ g: S) -> S {
        y > 0 ? g * 0.5 / y : 0
    }
}
