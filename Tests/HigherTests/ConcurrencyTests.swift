import Testing
@testable import Higher

@Suite struct ConcurrencyTests {
    /// A function with first and second order work, different per task.
    static func work(_ seed: Int) -> [Double] {
        let x = Tensor((0..<16).map { Double(($0 * 7 + seed * 13) % 11) / 5 - 1 })
        let f = { (x: Tensor) in (x * x * x / (x * x + Double(seed + 1))).sum() }
        let g = gradient(at: x, of: f)
        let hv = hessianVectorProduct(at: x, along: x.onesLike(), of: f)
        let nested = gradient(at: x) { x in (x * gradient(at: x, of: f)).sum() }
        return g.scalars + hv.scalars + nested.scalars
    }

    @Test func sixteenConcurrentTasksMatchSerialResults() async {
        let serial = (0..<16).map(Self.work)
        let concurrent = await withTaskGroup(of: (Int, [Double]).self) { group in
            for i in 0..<16 { group.addTask { (i, Self.work(i)) } }
            var out = [[Double]](repeating: [], count: 16)
            for await (i, r) in group { out[i] = r }
            return out
        }
        #expect(concurrent == serial)
    }
}
