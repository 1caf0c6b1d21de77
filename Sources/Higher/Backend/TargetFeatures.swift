import CTargetFeatures

/// What the instruction set this build targets offers, known at compile time.
///
/// Swift's default x86-64 target is the 2003 instruction set (SSE2); a build passes
/// `-Xswiftc -target-cpu -Xswiftc native` (or `haswell`, `x86-64-v3`…) to use more.
/// The values come from the predefined macros of the C compiler Swift imports C headers
/// with, which targets the same CPU, so each branch on them folds away. (C-only flags such
/// as `-Xcc -mfma` reach that compiler but not Swift's code generation: they would make
/// these values claim what the Swift code does not use.)
///
/// ```swift
/// if TargetFeatures.avx512 { /* 16-wide Float vectors fill a register */ }
/// ```
enum TargetFeatures {
    /// Whether fused multiply-add is an instruction (x86-64 from Haswell on; every 64-bit Arm core).
    ///
    /// ```swift
    /// TargetFeatures.fusedMultiplyAdd    // false in a build without -target-cpu on x86-64
    /// ```
    @inline(__always)
    static var fusedMultiplyAdd: Bool { HIGHER_TARGET_HAS_FMA != 0 }

    /// Whether 512-bit vector registers exist (AVX-512 Foundation).
    ///
    /// ```swift
    /// TargetFeatures.avx512    // true with -target-cpu native on an AVX-512 CPU
    /// ```
    @inline(__always)
    static var avx512: Bool { HIGHER_TARGET_HAS_AVX512F != 0 }
}

extension SIMD where Scalar: FloatingPoint {
    /// `self + a · b`: one fused multiply-add where the target has the instruction, else a
    /// multiply and an add. (Without it, `addingProduct` must still round once, so it calls
    /// the C library's `fma` for every lane: about a hundred times slower.)
    ///
    /// ```swift
    /// let acc = SIMD8<Float>(repeating: 1).relaxedAddingProduct(.init(repeating: 2), .init(repeating: 3))   // 7s
    /// ```
    @inline(__always)
    func relaxedAddingProduct(_ a: Self, _ b: Self) -> Self {
        TargetFeatures.fusedMultiplyAdd ? addingProduct(a, b) : self + a * b
    }
}
