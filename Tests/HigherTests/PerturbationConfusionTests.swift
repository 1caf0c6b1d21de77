import Testing
@testable import Higher

/// d/dx [x · d/dy (x + y)] at x = 1 is 1, and d/dx [x · d/dy (x · y)] at x = 1 is 2,
/// in every nesting of the two modes, with scalars and tensors, with the inner
/// function capturing the outer variable.
@Suite struct PerturbationConfusionTests {
    typealias Diff = @Sendable (Tensor, (Tensor) -> Tensor) -> Tensor

    static let reverse: Diff = { x, f in gradient(at: x) { f($0).sum() } }
    static let forward: Diff = { x, f in derivative(at: x, along: x.onesLike(), of: f) }
    static let nestings: [(String, Diff, Diff)] = [
        ("forward of forward", forward, forward),
        ("reverse of reverse", reverse, reverse),
        ("forward over reverse", forward, reverse),
        ("reverse over forward", reverse, forward),
    ]

    @Test(arguments: [[], [3]] as [[Int]])
    func sumCase(shape: [Int]) {
        let one = Tensor.ones(shape)
        for (name, outer, inner) in Self.nestings {
            let r = outer(one) { x in x * inner(one) { y in x + y } }
            #expect(r.scalars.allSatisfy { $0 == 1 }, "\(name): \(r.scalars)")
        }
    }

    @Test(arguments: [[], [3]] as [[Int]])
    func productCase(shape: [Int]) {
        let one = Tensor.ones(shape)
        for (name, outer, inner) in Self.nestings {
            let r = outer(one) { x in x * inner(one) { y in x * y } }
            #expect(r.scalars.allSatisfy { $0 == 2 }, "\(name): \(r.scalars)")
        }
    }
}
