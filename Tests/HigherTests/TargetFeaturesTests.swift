import Foundation
import Testing
@testable import Higher

/// The compile target's features, and the multiply-add the GEMM kernels build on them.
@Suite struct TargetFeaturesTests {
    /// `self + a · b` lane by lane, in Float and Double, whichever instruction the target uses.
    @Test func relaxedAddingProductIsAMultiplyAdd() {
        let acc = SIMD8<Float>(0.5, -1, 2, 3.25, 0, 7, -8, 1e-3)
        let a = SIMD8<Float>(1, 2, 3, 4, 5, 6, 7, 8), b = SIMD8<Float>(-2, 0.5, 0.25, 3, -1, 1e3, 2, 4)
        let r = acc.relaxedAddingProduct(a, b)
        for i in 0..<8 {
            let product: Float = a[i] * b[i]
            let want: Float = acc[i] + product
            let tolerance: Float = 4 * (abs(acc[i]) + abs(product)).ulp
            #expect(abs(r[i] - want) <= tolerance, "lane \(i): \(r[i]), want \(want)")
        }
        let d = SIMD4<Double>(1, 2, 3, 4).relaxedAddingProduct(SIMD4(2, 2, 2, 2), SIMD4(0.5, -1, 3, 0.25))
        #expect(d == SIMD4<Double>(2, 0, 9, 4.5))
    }

    /// The CPU target `make` built these tests for (`HIGHER_TEST_TARGET_CPU`: `default`,
    /// `haswell` or `native`), or `nil` when they ran some other way.
    static let target = ProcessInfo.processInfo.environment["HIGHER_TEST_TARGET_CPU"]

    /// The constants say what the target has: none of the two on Swift's default x86-64
    /// target, FMA without AVX-512 on `haswell`, and this CPU's own flags on `native`.
    @Test(.enabled(if: target != nil)) func featuresMatchTheTarget() throws {
        #if arch(x86_64)
        let info = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flags = Set(info.split(separator: "\n").first { $0.hasPrefix("flags") }?
            .split(separator: " ").map(String.init) ?? [])
        let expected: (fma: Bool, avx512: Bool) = switch Self.target {
        case "haswell": (true, false)
        case "native": (flags.contains("fma"), flags.contains("avx512f"))
        default: (false, false)
        }
        #expect(TargetFeatures.fusedMultiplyAdd == expected.fma, "target \(Self.target ?? "")")
        #expect(TargetFeatures.avx512 == expected.avx512, "target \(Self.target ?? "")")
        #else
        #expect(TargetFeatures.fusedMultiplyAdd, "every 64-bit Arm core has fused multiply-add")
        #endif
    }
}
