import Foundation
import Testing
@testable import Higher

/// A tree with a matrix, a vector, a scalar, a lookalike prefix and a row.
fileprivate func paramsSample() -> Parameters {
    [
        "encoder.weight": Tensor([[1, 2, 3], [4, 5, 6]]),
        "encoder.bias": Tensor([0.5, -0.5]),
        "encoder2.scale": Tensor(3.0),
        "head.weight": Tensor([[1, -1]]),
    ]
}

/// The same paths with other values (for two-tree operations).
fileprivate func paramsOther() -> Parameters {
    [
        "encoder.weight": Tensor([[0.5, -1, 2], [1, 0, -2]]),
        "encoder.bias": Tensor([2, 3]),
        "encoder2.scale": Tensor(-1.0),
        "head.weight": Tensor([[4, 0.25]]),
    ]
}

/// Central finite differences of a scalar function of a Float64 tree, one scalar at a time.
fileprivate func paramsFDGradient(_ p: Parameters, eps: Double = 1e-6, _ f: (Parameters) -> Double) -> Parameters {
    p.map { path, t in
        var values = t.scalars
        var g = [Double](repeating: 0, count: values.count)
        for i in values.indices {
            let x = values[i]
            values[i] = x + eps
            var plus = p
            plus[path] = Tensor(values, shape: t.shape, dtype: .float64)
            values[i] = x - eps
            var minus = p
            minus[path] = Tensor(values, shape: t.shape, dtype: .float64)
            values[i] = x
            g[i] = (f(plus) - f(minus)) / (2 * eps)
        }
        return Tensor(g, shape: t.shape, dtype: .float64)
    }
}

/// The largest relative difference between two trees of the same structure.
fileprivate func paramsWorstError(_ a: Parameters, _ b: Parameters) -> Double {
    #expect(a.paths == b.paths)
    var worst = 0.0
    for (x, y) in zip(a.tensors, b.tensors) {
        #expect(x.shape == y.shape)
        for (u, v) in zip(x.scalars, y.scalars) {
            let e = Swift.abs(u - v) / Swift.max(1, Swift.abs(u), Swift.abs(v))
            worst = Swift.max(worst, e.isNaN ? .infinity : e)
        }
    }
    return worst
}

/// A smooth non-linear loss touching every path.
fileprivate func paramsLoss(_ p: Parameters) -> Tensor {
    let x = Tensor([[0.3, -0.2, 0.7], [1.1, 0.4, -0.5]])
    let h = tanh(matmul(x, p.tensor(at: "encoder.weight"), transposeB: true) * 0.2 + p.tensor(at: "encoder.bias"))
    let y = matmul(h, p.tensor(at: "head.weight"), transposeB: true) * p.tensor(at: "encoder2.scale")
    return (y * y).sum() + p.dot(p) * 0.01
}

@Suite struct ParametersTests {
    // MARK: Building and reading a tree

    @Test func buildsInOrderFromLiteralsAndPairs() {
        let p = paramsSample()
        #expect(p.paths == ["encoder.weight", "encoder.bias", "encoder2.scale", "head.weight"])
        #expect(p.count == 4)
        #expect(p.scalarCount == 6 + 2 + 1 + 2)
        let literal: Parameters = ["w": Tensor.ones([2]), "b": Tensor.zeros([1])]
        let pairs = Parameters([("w", Tensor.ones([2])), ("b", Tensor.zeros([1]))])
        let keyValues = Parameters(["w": Tensor.ones([2]), "b": Tensor.zeros([1])])
        #expect(literal == pairs && pairs == keyValues)
        #expect(literal.paths == ["w", "b"])
        #expect(Parameters().count == 0 && Parameters().scalarCount == 0)
    }

    @Test func subscriptReadsReplacesAppendsAndRemoves() {
        var p = paramsSample()
        #expect(p["encoder.bias"]?.scalars == [0.5, -0.5])
        #expect(p["nothing"] == nil)
        #expect(p.contains("head.weight") && !p.contains("head"))
        p["encoder.bias"] = Tensor([7, 8])
        #expect(p.paths == ["encoder.weight", "encoder.bias", "encoder2.scale", "head.weight"])
        #expect(p.tensor(at: "encoder.bias").scalars == [7, 8])
        p["extra"] = Tensor(1.0)
        #expect(p.paths.last == "extra")
        p["encoder.weight"] = nil
        #expect(p.paths == ["encoder.bias", "encoder2.scale", "head.weight", "extra"])
        // The index follows the removal.
        #expect(p["head.weight"]?.scalars == [1, -1])
        #expect(p.tensor(at: "extra").item == 1)
        p["absent"] = nil
        #expect(p.count == 4)
        let pairs = p.elements
        #expect(pairs.map(\.path) == p.paths)
        #expect(pairs[0].tensor.scalars == [7, 8])
        #expect(p.leaves.count == 4)
    }

    @Test func descriptionListsPathsDtypesAndShapes() {
        let text = "\(paramsSample())"
        #expect(text.contains("Parameters(4 tensors, 11 scalars)"))
        #expect(text.contains("encoder.weight: float64 [2, 3]"))
        #expect(text.contains("encoder2.scale: float64 []"))
    }

    @Test func missingPathStopsNamingIt() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = paramsSample().tensor(at: "decoder.weight")
        }
        if let text = standardError(of: result) {
            #expect(text.contains("no tensor at \"decoder.weight\""))
            #expect(text.contains("encoder.weight"))
        }
    }

    @Test func repeatedPathStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Parameters([("w", Tensor(1.0)), ("w", Tensor(2.0))])
        }
        if let message = standardError(of: result) {
            #expect(message.contains("the path \"w\" appears twice"))
        }
    }

    // MARK: Mapping and zipping

    @Test func mapSeesPathsInOrder() {
        var seen: [String] = []
        let p = paramsSample().map { path, t in
            seen.append(path)
            return path.hasSuffix("bias") ? t : t * 2
        }
        #expect(seen == paramsSample().paths)
        #expect(p.tensor(at: "encoder.bias").scalars == [0.5, -0.5])
        #expect(p.tensor(at: "encoder.weight").scalars == [2, 4, 6, 8, 10, 12])
        #expect(paramsSample().mapLeaves { $0 + 1 }.tensor(at: "encoder2.scale").item == 4)
    }

    @Test func zipMapCombinesPathByPath() throws {
        let sum = try paramsSample().zipMap(paramsOther()) { $0 + $1 }
        #expect(sum.paths == paramsSample().paths)
        #expect(sum.tensor(at: "encoder.weight").scalars == [1.5, 1, 5, 5, 5, 4])
        #expect(sum.tensor(at: "encoder2.scale").item == 2)
        let three = try paramsSample().zipMap(paramsOther(), paramsOther()) { a, b, c in a - b * c }
        #expect(three.tensor(at: "encoder.bias").scalars == [-3.5, -9.5])
        #expect(three.tensor(at: "head.weight").scalars == [-15, -1.0625])
    }

    @Test func zipMapShapeMismatchNamesThePathAndBothShapes() {
        var other = paramsOther()
        other["encoder.weight"] = Tensor.zeros([3, 2])
        #expect(throws: ParametersError.shapeMismatch(path: "encoder.weight", expected: [2, 3], actual: [3, 2])) {
            try paramsSample().zipMap(other) { $0 + $1 }
        }
        let text = "\(ParametersError.shapeMismatch(path: "encoder.weight", expected: [2, 3], actual: [3, 2]))"
        #expect(text.contains("\"encoder.weight\"") && text.contains("[2, 3]") && text.contains("[3, 2]"))
    }

    @Test func zipMapStructureMismatchesNameThePath() {
        let p = paramsSample()
        var missing = paramsOther()
        missing["encoder.bias"] = nil
        #expect(throws: ParametersError.missingPath("encoder.bias", in: "zipMap")) { try p.zipMap(missing) { $0 + $1 } }

        var extra = paramsOther()
        extra["decoder.bias"] = Tensor([1.0])
        #expect(throws: ParametersError.unexpectedPath("decoder.bias", in: "zipMap")) { try p.zipMap(extra) { $0 + $1 } }

        let reordered = Parameters(paramsOther().elements.reversed().map { ($0.path, $0.tensor) })
        #expect(throws: ParametersError.orderMismatch(position: 0, expected: "encoder.weight", actual: "head.weight")) {
            try p.zipMap(reordered) { $0 + $1 }
        }

        var single = paramsOther()
        single["encoder.bias"] = Tensor([2, 3], dtype: .float32)
        #expect(throws: ParametersError.dtypeMismatch(path: "encoder.bias", expected: .float64, actual: .float32)) {
            try p.zipMap(single) { $0 + $1 }
        }

        var third = paramsOther()
        third["head.weight"] = Tensor([[1.0]])
        #expect(throws: ParametersError.shapeMismatch(path: "head.weight", expected: [1, 2], actual: [1, 1])) {
            try p.zipMap(paramsOther(), third) { a, _, _ in a }
        }

        #expect(throws: ParametersError.missingPath("encoder.bias", in: "Parameters")) {
            try missing.requireSameStructure(as: p)
        }
        #expect(throws: Never.self) { try paramsOther().requireSameStructure(as: p) }
        #expect(p.mismatch(with: paramsOther()) == nil)
        #expect("\(ParametersError.missingPath("a.b", in: "load"))" == "load: missing path \"a.b\"")
    }

    @Test func operatorMismatchStopsWithTheMessage() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            var other = paramsOther()
            other["encoder.bias"] = Tensor([1, 2, 3])
            _ = paramsSample() + other
        }
        if let text = standardError(of: result) {
            #expect(text.contains("Parameters +: shape mismatch at \"encoder.bias\": expected [2], got [3]"))
        }
    }

    // MARK: Arithmetic

    @Test func arithmeticIsPathWise() {
        let a = paramsSample(), b = paramsOther()
        #expect((a + b).tensor(at: "encoder.bias").scalars == [2.5, 2.5])
        #expect((a - b).tensor(at: "head.weight").scalars == [-3, -1.25])
        #expect((2 * a).tensor(at: "encoder.weight").scalars == [2, 4, 6, 8, 10, 12])
        #expect((a * 0.5).tensor(at: "encoder2.scale").item == 1.5)
        #expect((Tensor(-2.0) * a).tensor(at: "encoder.bias").scalars == [-1, 1])
        #expect((-a).tensor(at: "head.weight").scalars == [-1, 1])
        #expect((a + b).paths == a.paths)
    }

    @Test func dotAndGlobalNorm() {
        let a = paramsSample(), b = paramsOther()
        let expected = (0.5 - 2 + 6 + 4 + 0 - 12) + (1 - 1.5) + (-3) + (4 - 0.25)
        #expect(Swift.abs(a.dot(b).item - expected) < 1e-12)
        #expect(a.dot(b).rank == 0)
        let squares = 91.0 + 0.5 + 9 + 2
        #expect(Swift.abs(a.globalNorm().item - squares.squareRoot()) < 1e-12)
        #expect(Parameters().dot(Parameters()).item == 0)
        // Mixed dtypes sum in Float64.
        let mixed: Parameters = ["a": Tensor([1, 2], dtype: .float32), "b": Tensor([0.1])]
        #expect(mixed.dot(mixed).dtype == .float64)
        #expect(Swift.abs(mixed.dot(mixed).item - (5 + 0.01)) < 1e-12)
        let single: Parameters = ["a": Tensor([3, 4], dtype: .float32)]
        #expect(single.globalNorm().dtype == .float32 && single.globalNorm().item == 5)
    }

    @Test func globalNormHasZeroDerivativesAtTheOrigin() {
        let zero = paramsSample().zerosLike()
        #expect(zero.globalNorm().item == 0)
        let g = gradient(at: zero) { $0.globalNorm() }
        #expect(g.tensors.allSatisfy { $0.scalars.allSatisfy { $0 == 0 } })
        let hv = hessianVectorProduct(at: zero, along: paramsOther()) { $0.globalNorm() }
        #expect(hv.tensors.allSatisfy { $0.scalars.allSatisfy { $0 == 0 } })
        let d = derivative(at: zero, along: paramsOther()) { $0.globalNorm() }
        #expect(d.item == 0)
        // Away from it: the gradient is p / |p|.
        let p = paramsSample()
        let unit = gradient(at: p) { $0.globalNorm() }
        #expect(paramsWorstError(unit, p * (1 / p.globalNorm().item)) < 1e-12)
    }

    // MARK: Selecting and merging

    @Test func filterAndPrefix() {
        let p = paramsSample()
        #expect(p.filter { path, _ in path.hasSuffix(".weight") }.paths == ["encoder.weight", "head.weight"])
        #expect(p.filter { _, t in t.rank == 0 }.paths == ["encoder2.scale"])
        #expect(p.filter(prefix: "encoder").paths == ["encoder.weight", "encoder.bias"])
        #expect(p.filter(prefix: "encoder.bias").paths == ["encoder.bias"])
        #expect(p.filter(prefix: "head.w").paths.isEmpty)
        #expect(p.filter(prefix: "").paths == p.paths)
    }

    @Test func mergingOverwritesInPlaceAndAppendsNewPaths() {
        let update: Parameters = ["extra": Tensor(9.0), "encoder.bias": Tensor([1, 1])]
        let merged = paramsSample().merging(update)
        #expect(merged.paths == ["encoder.weight", "encoder.bias", "encoder2.scale", "head.weight", "extra"])
        #expect(merged.tensor(at: "encoder.bias").scalars == [1, 1])
        #expect(merged.tensor(at: "extra").item == 9)
        #expect(paramsSample().merging(Parameters()) == paramsSample())
    }

    // MARK: Flattening

    @Test func flattenedConcatenatesInPathOrderAndUnflattenedInverts() {
        var p = paramsSample()
        p["empty"] = Tensor.zeros([0, 3])
        let v = p.flattened()
        #expect(v.shape == [p.scalarCount])
        #expect(v.scalars == [1, 2, 3, 4, 5, 6, 0.5, -0.5, 3, 1, -1])
        let back = p.unflattened(v)
        #expect(back == p)
        #expect(back.tensor(at: "empty").shape == [0, 3])
        let shifted = p.unflattened(v + 1)
        #expect(shifted.tensor(at: "encoder2.scale").shape == [] && shifted.tensor(at: "encoder2.scale").item == 4)
        #expect(Parameters().flattened().shape == [0])
        #expect(Parameters().unflattened(Tensor.zeros([0])).count == 0)
        let f32 = p.mapLeaves { $0.cast(to: .float32) }
        #expect(f32.flattened().dtype == .float32)
    }

    @Test func unflattenedWrongLengthStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = paramsSample().unflattened(Tensor.zeros([10]))
        }
        if let message = standardError(of: result) {
            #expect(message.contains("Parameters unflattened: a vector of shape [10] for a tree of 11 scalars"))
        }
    }

    @Test func flattenedMixedDtypesStopsNamingThePaths() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let mixed: Parameters = ["a": Tensor([1.0]), "b": Tensor([1], dtype: .float32)]
            _ = mixed.flattened()
        }
        if let message = standardError(of: result) {
            #expect(message.contains("\"a\" is float64 but \"b\" is float32"))
        }
    }

    // MARK: Codable and Equatable

    @Test func jsonRoundTripIsExactForEveryFiniteValue() throws {
        var rng = RandomGenerator(seed: 11)
        var floats = [Float]()
        while floats.count < 2000 {
            let f = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))
            if f.isFinite { floats.append(f) }
        }
        floats += [0, -0.0, .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude, 0.1, 1.0 / 3.0]
        var doubles = [Double]()
        while doubles.count < 2000 {
            let d = Double(bitPattern: rng.next())
            if d.isFinite { doubles.append(d) }
        }
        doubles += [-0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 0.1]
        let p = Parameters([
            ("a.float32", Tensor(floats, shape: [floats.count])),
            ("a.float64", Tensor(doubles, shape: [doubles.count])),
            ("scalar", Tensor([Float(2.5)], shape: [])),
            ("empty", Tensor([Double](), shape: [0, 4])),
        ])
        let back = try JSONDecoder().decode(Parameters.self, from: JSONEncoder().encode(p))
        #expect(back == p)
        for (a, b) in zip(p.tensors, back.tensors) {
            #expect(a.dtype == b.dtype && a.shape == b.shape)
            switch (a.data, b.data) {
            case let (.float32(x), .float32(y)): #expect(x.map(\.bitPattern) == y.map(\.bitPattern))
            case let (.float64(x), .float64(y)): #expect(x.map(\.bitPattern) == y.map(\.bitPattern))
            default: Issue.record("dtype changed")
            }
        }
    }

    @Test func jsonFormIsAnOrderedListOfEntries() throws {
        let p: Parameters = ["z.weight": Tensor([0.1, 2], dtype: .float32), "a.bias": Tensor([[0.1]])]
        let data = try JSONEncoder().encode(p)
        let list = try #require(JSONSerialization.jsonObject(with: data) as? [[String: Any]])
        #expect(list.map { $0["path"] as? String } == ["z.weight", "a.bias"])
        #expect(list.map { $0["dtype"] as? String } == ["float32", "float64"])
        #expect(list.map { $0["shape"] as? [Int] } == [[2], [1, 1]])
        #expect(list.allSatisfy { Set($0.keys) == ["path", "dtype", "shape", "values"] })
        // Float32 values are written as the shortest decimal that reads back to the same Float.
        let text = String(decoding: data, as: UTF8.self)
        #expect(text.contains("[0.1,2]"))
        #expect(!text.contains("0.10000000149011612"))
    }

    @Test func jsonWritesNonFiniteValuesAsStrings() throws {
        let p: Parameters = ["f": Tensor([Float.nan, .infinity, -.infinity, 1], shape: [4]),
                             "d": Tensor([Double.nan, -.infinity], shape: [2])]
        let data = try JSONEncoder().encode(p)
        #expect(String(decoding: data, as: UTF8.self).contains(#"["nan","inf","-inf",1]"#))
        let back = try JSONDecoder().decode(Parameters.self, from: data)
        let f = back.tensor(at: "f").scalars(as: Float.self)
        #expect(f[0].isNaN && f[1] == .infinity && f[2] == -.infinity && f[3] == 1)
        let d = back.tensor(at: "d").scalars(as: Double.self)
        #expect(d[0].isNaN && d[1] == -.infinity)
        #expect(back.tensor(at: "f").dtype == .float32)
    }

    @Test func malformedJSONIsRejectedNamingThePath() {
        func problem(_ json: String) -> String {
            do {
                _ = try JSONDecoder().decode(Parameters.self, from: Data(json.utf8))
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(problem(#"[{"path":"w","dtype":"float16","shape":[1],"values":[1]}]"#)
            .contains(#""w" has dtype "float16"; expected "float32" or "float64""#))
        #expect(problem(#"[{"path":"w","dtype":"float64","shape":[2,2],"values":[1,2,3]}]"#)
            .contains(#""w" has 3 values for shape [2, 2] (4 elements)"#))
        #expect(problem(#"[{"path":"w","dtype":"float64","shape":[-1],"values":[]}]"#)
            .contains(#""w" has a negative extent in shape [-1]"#))
        #expect(problem(#"[{"path":"w","dtype":"float64","shape":[],"values":[1]},{"path":"w","dtype":"float64","shape":[],"values":[2]}]"#)
            .contains(#"the path "w" appears twice"#))
        #expect(problem(#"[{"path":"w","dtype":"float64","shape":[1],"values":["one"]}]"#)
            .contains(#""one" is not a number"#))
        #expect(problem(#"[{"path":"w","dtype":"float64","shape":[1]}]"#) != "no error")
        #expect(problem(#"{"w":[1]}"#) != "no error")
        #expect(problem("[]") == "no error")
    }

    @Test func equalityComparesStructureAndValues() {
        let p = paramsSample()
        #expect(p == paramsSample())
        #expect(p != paramsOther())
        var changed = p
        changed["encoder2.scale"] = Tensor(3.0000000000000004)
        #expect(p != changed)
        var reshaped = p
        reshaped["encoder.bias"] = Tensor([[0.5, -0.5]])
        #expect(p != reshaped)
        #expect(p != p.mapLeaves { $0.cast(to: .float32) })
        #expect(p != Parameters(p.elements.reversed().map { ($0.path, $0.tensor) }))
        #expect(p != p.filter { path, _ in path != "head.weight" })
        // Values compare as numbers.
        #expect(Parameters(["z": Tensor([0.0])]) == Parameters(["z": Tensor([-0.0])]))
        #expect(Parameters(["n": Tensor([Double.nan])]) != Parameters(["n": Tensor([Double.nan])]))
        // Traces are ignored.
        _ = gradient(at: p) { traced in
            #expect(traced == p)
            return traced.dot(traced)
        }
    }

    // MARK: Differentiating through trees

    @Test func gradientOfATreeMatchesFiniteDifferences() {
        let p = paramsSample()
        let (value, g) = valueWithGradient(at: p, of: paramsLoss)
        #expect(value.item == paramsLoss(p).item)
        #expect(g.paths == p.paths)
        let fd = paramsFDGradient(p) { paramsLoss($0).item }
        #expect(paramsWorstError(g, fd) < 1e-7)
    }

    @Test func jvpAndHessianVectorProductOfATreeMatchFiniteDifferences() {
        let p = paramsSample(), v = paramsOther()
        let eps = 1e-6
        let directional = derivative(at: p, along: v, of: paramsLoss).item
        let fd = (paramsLoss(p + eps * v).item - paramsLoss(p - eps * v).item) / (2 * eps)
        #expect(Swift.abs(directional - fd) / Swift.max(1, Swift.abs(fd)) < 1e-7)
        #expect(Swift.abs(directional - gradient(at: p, of: paramsLoss).dot(v).item) < 1e-10)

        let hv = hessianVectorProduct(at: p, along: v, of: paramsLoss)
        let gPlus = gradient(at: p + eps * v, of: paramsLoss), gMinus = gradient(at: p - eps * v, of: paramsLoss)
        #expect(paramsWorstError(hv, (gPlus - gMinus) * (1 / (2 * eps))) < 1e-6)
    }

    @Test func gradientFlowsThroughTreeOperations() throws {
        let p = paramsSample(), q = paramsOther()
        // Every tree operation at once: map, zipMap, arithmetic, dot, globalNorm, flatten, unflatten, filter, merging.
        func f(_ p: Parameters) throws -> Tensor {
            let scaled = p.map { path, t in path.hasPrefix("encoder") ? t * 2 : t }
            let mixed = try scaled.zipMap(q) { a, b in a * b + a }
            let round = p.unflattened(mixed.flattened() * 0.5)
            let merged = round.merging(p.filter(prefix: "head"))
            return merged.dot(q) + (-p + 3 * q).globalNorm() + (p - q).dot(p * 0.5)
        }
        let g = try gradient(at: p, of: f)
        let fd = paramsFDGradient(p) { try! f($0).item }
        #expect(paramsWorstError(g, fd) < 1e-7)
        let hv = try hessianVectorProduct(at: p, along: q, of: f)
        let eps = 1e-6
        let diff = try (gradient(at: p + eps * q, of: f) - gradient(at: p - eps * q, of: f)) * (1 / (2 * eps))
        #expect(paramsWorstError(hv, diff) < 1e-6)
    }

    @Test func learningRateTensorTimesTreeIsDifferentiable() {
        let p = paramsSample(), g = paramsOther()
        let lr = Tensor(0.1)
        let dLoss = gradient(at: lr) { lr in (p - lr * g).dot(p - lr * g) }
        // d/dlr |p − lr·g|² = −2⟨p − lr·g, g⟩
        let expected = -2 * (p - 0.1 * g).dot(g).item
        #expect(Swift.abs(dLoss.item - expected) < 1e-10)
    }
}
