import Foundation
import Testing
@testable import Higher

// The files under Reference/ were written by PyTorch with `safetensors.torch.save_file`
// (Reference/make_safetensors_fixtures.py); safetensors_reference.json holds their values,
// a fixed input for each layer and torch's float64 output.

fileprivate let stReferenceDirectory = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().appendingPathComponent("Reference")

fileprivate func stReferenceURL(_ name: String) -> URL { stReferenceDirectory.appendingPathComponent(name) }

fileprivate struct STTensor: Decodable {
    var shape: [Int]
    var values: [Double]
    var tensor: Tensor { Tensor(values, shape: shape, dtype: .float64) }
}

fileprivate struct STLayer: Decodable {
    var state: [String: STTensor]
    var input: STTensor
    var output: STTensor
}

fileprivate struct STMixed: Decodable {
    var metadata: [String: String]
    var tensors: [String: STTensor]
}

fileprivate struct STReference: Decodable {
    var linear: STLayer
    var conv2d: STLayer
    var mixed: STMixed
}

fileprivate func stReference() throws -> STReference {
    try JSONDecoder().decode(STReference.self, from: Data(contentsOf: stReferenceURL("safetensors_reference.json")))
}

/// The bit patterns of a tensor's elements, to compare NaN payloads and signed zeros too.
fileprivate func stBits(_ t: Tensor) -> [UInt64] {
    switch t.data {
    case .float32(let a): return a.map { UInt64($0.bitPattern) }
    case .float64(let a): return a.map(\.bitPattern)
    }
}

/// Whether two trees have the same paths in order, dtypes, shapes and bit patterns.
fileprivate func stIdentical(_ a: Parameters, _ b: Parameters) -> Bool {
    a.paths == b.paths && zip(a.tensors, b.tensors).allSatisfy {
        $0.dtype == $1.dtype && $0.shape == $1.shape && stBits($0) == stBits($1)
    }
}

/// A safetensors file from a header text and the data bytes.
fileprivate func stFile(_ header: String, _ data: [UInt8] = []) -> [UInt8] {
    let h = Array(header.utf8)
    return withUnsafeBytes(of: UInt64(h.count).littleEndian) { Array($0) } + h + data
}

fileprivate func stLittleEndian<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    values.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } }
}

/// A tree with awkward values: NaNs with payloads, infinities, signed zeros, subnormals,
/// extremes; Float32 and Float64; ranks 0 to 4; empty tensors; odd-length Float32 data
/// before Float64 data.
fileprivate func stAwkwardTree() -> Parameters {
    var rng = RandomGenerator(seed: 77)
    let specials32: [Float] = [.nan, -.nan, Float(bitPattern: 0x7FC0_1234), Float(bitPattern: 0xFF80_0001), .infinity, -.infinity,
                               0, -0.0, .leastNonzeroMagnitude, -.leastNormalMagnitude, .greatestFiniteMagnitude, 0.1]
    let specials64: [Double] = [.nan, Double(bitPattern: 0x7FF0_0000_0000_0001), .infinity, -0.0, .leastNonzeroMagnitude,
                                -.greatestFiniteMagnitude, 1.0 / 3.0]
    let random32 = (0..<24).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) }
    let random64 = (0..<30).map { _ in Double(bitPattern: rng.next()) }
    return Parameters([
        ("layer.0.weight", Tensor(specials32, shape: [3, 4])),
        ("odd", Tensor([Float(1), 2, 3], shape: [3])),
        ("layer.0.bias", Tensor(specials64, shape: [7])),
        ("scalar32", Tensor([Float(-2.5)], shape: [])),
        ("scalar64", Tensor([Double.pi], shape: [])),
        ("empty", Tensor([Float](), shape: [0, 3])),
        ("empty64", Tensor([Double](), shape: [2, 0])),
        ("rank4", Tensor(random32, shape: [1, 2, 3, 4])),
        ("rank3", Tensor(random64, shape: [2, 3, 5])),
        ("name \"with\" \\ odd\ncharacters é ∑", Tensor([1.0, 2.0])),
    ])
}

@Suite struct SafetensorsTests {
    // MARK: Round trips

    @Test func roundTripIsBitExactAndKeepsPathOrder() throws {
        let p = stAwkwardTree()
        let bytes = p.safetensorsData(metadata: ["format": "pt", "quote\"": "line\nbreak"])
        let back = try Parameters(safetensors: bytes)
        #expect(stIdentical(back, p))
        #expect(try Parameters.safetensorsMetadata(bytes) == ["format": "pt", "quote\"": "line\nbreak"])
        #expect(back.safetensorsData(metadata: ["format": "pt", "quote\"": "line\nbreak"]) == bytes)
        #expect(try Parameters.safetensorsMetadata(p.safetensorsData()) == [:])
        let empty = try Parameters(safetensors: Parameters().safetensorsData())
        #expect(empty.count == 0)
    }

    @Test func layoutFollowsTheFormat() throws {
        let p = stAwkwardTree()
        let bytes = p.safetensorsData(metadata: ["k": "v"])
        let n = bytes[0..<8].enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        #expect(n % 8 == 0)
        let dataLength = p.tensors.reduce(0) { $0 + $1.count * $1.dtype.byteCount }
        #expect(bytes.count == 8 + n + dataLength)
        let header = try #require(JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + n)])) as? [String: Any])
        #expect(header["__metadata__"] as? [String: String] == ["k": "v"])
        var offset = 0
        for (path, tensor) in p.elements {
            let entry = try #require(header[path] as? [String: Any], "missing \(path)")
            #expect(entry["dtype"] as? String == (tensor.dtype == .float32 ? "F32" : "F64"))
            #expect(entry["shape"] as? [Int] == tensor.shape)
            let end = offset + tensor.count * tensor.dtype.byteCount
            #expect(entry["data_offsets"] as? [Int] == [offset, end])
            offset = end
        }
        #expect(header.count == p.count + 1)
        // The first tensor's first element, little-endian, right after the header.
        let first = UInt32(bytes[8 + n]) | UInt32(bytes[9 + n]) << 8 | UInt32(bytes[10 + n]) << 16 | UInt32(bytes[11 + n]) << 24
        #expect(first == p.tensors[0].scalars(as: Float.self)[0].bitPattern)
    }

    @Test func writesAndReadsFiles() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("higher-safetensors-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let p = stAwkwardTree()
        let url = directory.appendingPathComponent("a.safetensors")
        try p.writeSafetensors(to: url, metadata: ["epoch": "3"])
        #expect(stIdentical(try Parameters(safetensorsAt: url), p))
        #expect(try Parameters.safetensorsMetadata(at: url) == ["epoch": "3"])
        let path = directory.appendingPathComponent("b.safetensors").path
        try p.writeSafetensors(to: path)
        #expect(stIdentical(try Parameters(safetensorsAt: path), p))
        // Overwrites.
        try Parameters(["w": Tensor([1.0])]).writeSafetensors(to: path)
        #expect(try Parameters(safetensorsAt: path).paths == ["w"])
    }

    @Test func fileErrorsNameThePath() {
        let missing = "/nonexistent-higher-dir/none.safetensors"
        let error = #expect(throws: SafetensorsError.self) { try Parameters(safetensorsAt: missing) }
        if case .file(let path, _)? = error { #expect(path == missing) } else { Issue.record("expected a file error, got \(String(describing: error))") }
        #expect("\(error.map(String.init(describing:)) ?? "")".contains(missing))
        #expect(throws: SafetensorsError.self) { try Parameters(["w": Tensor([1.0])]).writeSafetensors(to: missing) }
    }

    @Test func reservedMetadataPathStops() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = Parameters(["__metadata__": Tensor([1.0])]).safetensorsData()
        }
        if let message = standardError(of: result) {
            #expect(message.contains("\"__metadata__\" is reserved"))
        }
    }

    // MARK: Files written by PyTorch

    @Test(arguments: ["linear", "conv2d"])
    func readsPyTorchStateDicts(layer: String) throws {
        let reference = try stReference()
        let state = layer == "linear" ? reference.linear.state : reference.conv2d.state
        for (suffix, dtype) in [("f64", DType.float64), ("f32", .float32)] {
            let p = try Parameters(safetensorsAt: stReferenceURL("\(layer)_\(suffix).safetensors"))
            // Python's safetensors lays tensors of one dtype out by name.
            #expect(p.paths == ["bias", "weight"])
            for (path, t) in p.elements {
                let expected = try #require(state[path])
                #expect(t.dtype == dtype)
                #expect(t.shape == expected.shape)
                // The float64 file holds the float32 initial values widened, so both are exact.
                #expect(t.scalars == expected.values, "\(layer) \(suffix) \(path)")
            }
        }
    }

    @Test func readsHalfBrainFloatIntegerScalarAndEmptyTensors() throws {
        let reference = try stReference().mixed
        let url = stReferenceURL("mixed.safetensors")
        let p = try Parameters(safetensorsAt: url)
        // In the order of the data in the file.
        #expect(p.paths == ["steps", "scalar", "empty", "brain", "half"])
        #expect(p.tensor(at: "half").dtype == .float32)
        #expect(p.tensor(at: "brain").dtype == .float32)
        #expect(p.tensor(at: "steps").dtype == .float64)
        #expect(p.tensor(at: "scalar").dtype == .float64)
        #expect(p.tensor(at: "empty").dtype == .float32)
        for (path, t) in p.elements {
            let expected = try #require(reference.tensors[path])
            #expect(t.shape == expected.shape, "\(path)")
            #expect(t.scalars.map(\.bitPattern) == expected.values.map(\.bitPattern), "\(path)")
        }
        #expect(try Parameters.safetensorsMetadata(at: url) == reference.metadata)
    }

    @Test func loadsPyTorchLinearIntoTheLayerAndMatchesTorch() throws {
        let reference = try stReference().linear
        var rng = RandomGenerator(seed: 1)
        let layer = Linear(3, 2, using: &rng)
        let f = makeFunctional(layer)
        let p = try Parameters(safetensorsAt: stReferenceURL("linear_f64.safetensors"))
        // Without touching the layer: the tree as the functional call's parameters.
        let reordered = Parameters(f.parameters.paths.map { ($0, p.tensor(at: $0)) })
        let functional = try f(reference.input.tensor, parameters: reordered)
        try f.load(p, strict: true)
        let y = layer(reference.input.tensor)
        #expect(y.shape == reference.output.shape)
        for (a, b) in zip(y.scalars, reference.output.values) { #expect(Swift.abs(a - b) <= 1e-14 * Swift.max(1, Swift.abs(b))) }
        #expect(functional.scalars == y.scalars)

        let layer32 = Linear(3, 2, dtype: .float32, using: &rng)
        try makeFunctional(layer32).load(try Parameters(safetensorsAt: stReferenceURL("linear_f32.safetensors")))
        let y32 = layer32(reference.input.tensor.cast(to: .float32))
        #expect(y32.dtype == .float32)
        for (a, b) in zip(y32.scalars, reference.output.values) { #expect(Swift.abs(a - b) <= 1e-5 * Swift.max(1, Swift.abs(b))) }
    }

    @Test func loadsPyTorchConv2dIntoTheLayerAndMatchesTorch() throws {
        let reference = try stReference().conv2d
        var rng = RandomGenerator(seed: 2)
        let layer = Conv2d(2, 3, kernelSize: 3, using: &rng)
        try makeFunctional(layer).load(try Parameters(safetensorsAt: stReferenceURL("conv2d_f64.safetensors")), strict: true)
        let y = layer(reference.input.tensor)
        #expect(y.shape == reference.output.shape)
        for (a, b) in zip(y.scalars, reference.output.values) { #expect(Swift.abs(a - b) <= 1e-13 * Swift.max(1, Swift.abs(b))) }

        let layer32 = Conv2d(2, 3, kernelSize: 3, dtype: .float32, using: &rng)
        try makeFunctional(layer32).load(try Parameters(safetensorsAt: stReferenceURL("conv2d_f32.safetensors")))
        let y32 = layer32(reference.input.tensor.cast(to: .float32))
        for (a, b) in zip(y32.scalars, reference.output.values) { #expect(Swift.abs(a - b) <= 1e-5 * Swift.max(1, Swift.abs(b))) }
    }

    @Test func loadingChecksPathsShapesAndDtypes() throws {
        var rng = RandomGenerator(seed: 3)
        let layer = Linear(3, 2, using: &rng)
        let before = makeFunctional(layer).parameters
        let mixed = try Parameters(safetensorsAt: stReferenceURL("mixed.safetensors"))
        #expect(throws: ParametersError.missingPath("weight", in: "load")) { try makeFunctional(layer).load(mixed) }
        let f32 = try Parameters(safetensorsAt: stReferenceURL("linear_f32.safetensors"))
        #expect(throws: ParametersError.dtypeMismatch(path: "weight", expected: .float64, actual: .float32)) {
            try makeFunctional(layer).load(f32)
        }
        let conv = try Parameters(safetensorsAt: stReferenceURL("conv2d_f64.safetensors"))
        #expect(throws: ParametersError.shapeMismatch(path: "weight", expected: [2, 3], actual: [3, 2, 3, 3])) {
            try makeFunctional(layer).load(conv, strict: false)
        }
        #expect(makeFunctional(layer).parameters == before)
        // Extra tensors are ignored when not strict.
        let extra = try Parameters(safetensorsAt: stReferenceURL("linear_f64.safetensors")).merging(["steps": Tensor(1.0)])
        #expect(throws: ParametersError.unexpectedPath("steps", in: "load")) { try makeFunctional(layer).load(extra) }
        try makeFunctional(layer).load(extra, strict: false)
        #expect(makeFunctional(layer).parameters.tensor(at: "bias").scalars == extra.tensor(at: "bias").scalars)
    }

    // MARK: Conversions

    @Test func convertsHalfBrainFloatAndIntegers() throws {
        let halves: [UInt16] = [0x3C00, 0xC000, 0x0001, 0x03FF, 0x0400, 0x7BFF, 0x7C00, 0xFC00, 0x8000, 0x7E01, 0x3555]
        let brains: [UInt16] = [0x3F80, 0xC020, 0x0001, 0x7F80, 0x7FC1, 0x8000]
        var data = stLittleEndian(halves)
        data += [0, 0]   // pad to an even offset (not required; checks offsets are honoured)
        let brainStart = data.count
        data += stLittleEndian(brains)
        let intStart = data.count
        data += stLittleEndian([Int64(-(1 << 53)), 1 << 53, -7]) + stLittleEndian([UInt64(1 << 53)])
        let smallStart = data.count
        data += stLittleEndian([Int32(-2_147_483_648), 5]) + stLittleEndian([UInt32(4_294_967_295)])
            + stLittleEndian([Int16(-32768)]) + stLittleEndian([UInt16(65535)]) + [0xFF, 0x80, 1, 0]
        let header = """
        {"h":{"dtype":"F16","shape":[11],"data_offsets":[0,22]},\
        "b":{"dtype":"BF16","shape":[6],"data_offsets":[\(brainStart),\(brainStart + 12)]},\
        "i64":{"dtype":"I64","shape":[3],"data_offsets":[\(intStart),\(intStart + 24)]},\
        "u64":{"dtype":"U64","shape":[],"data_offsets":[\(intStart + 24),\(intStart + 32)]},\
        "i32":{"dtype":"I32","shape":[2],"data_offsets":[\(smallStart),\(smallStart + 8)]},\
        "u32":{"dtype":"U32","shape":[1],"data_offsets":[\(smallStart + 8),\(smallStart + 12)]},\
        "i16":{"dtype":"I16","shape":[1],"data_offsets":[\(smallStart + 12),\(smallStart + 14)]},\
        "u16":{"dtype":"U16","shape":[1],"data_offsets":[\(smallStart + 14),\(smallStart + 16)]},\
        "u8":{"dtype":"U8","shape":[1],"data_offsets":[\(smallStart + 16),\(smallStart + 17)]},\
        "i8":{"dtype":"I8","shape":[1],"data_offsets":[\(smallStart + 17),\(smallStart + 18)]},\
        "bool":{"dtype":"BOOL","shape":[2],"data_offsets":[\(smallStart + 18),\(smallStart + 20)]}}
        """
        let p = try Parameters(safetensors: stFile(header, data))
        #expect(p.paths == ["h", "b", "i64", "u64", "i32", "u32", "i16", "u16", "u8", "i8", "bool"])
        let h = p.tensor(at: "h").scalars(as: Float.self)
        #expect(Array(h[0..<9]) == [1, -2, 0x1p-24, 0x3FFp-24, 0x1p-14, 65504, .infinity, -.infinity, 0])
        #expect(h[8].sign == .minus)
        #expect(h[9].isNaN && h[9].bitPattern == 0x7FC0_2000)
        #expect(h[10] == 0.333251953125)   // (1 + 341/1024) · 2⁻²
        let b = p.tensor(at: "b").scalars(as: Float.self)
        #expect(Array(b[0..<4]) == [1, -2.5, Float(bitPattern: 0x0001_0000), .infinity])
        #expect(b[4].isNaN && b[5] == 0 && b[5].sign == .minus)
        #expect(p.tensor(at: "i64").scalars == [-9_007_199_254_740_992, 9_007_199_254_740_992, -7])
        #expect(p.tensor(at: "u64").shape == [] && p.tensor(at: "u64").item == 9_007_199_254_740_992)
        #expect(p.tensor(at: "i32").scalars == [-2_147_483_648, 5])
        #expect(p.tensor(at: "u32").scalars == [4_294_967_295])
        #expect(p.tensor(at: "i16").scalars == [-32768])
        #expect(p.tensor(at: "u16").scalars == [65535])
        #expect(p.tensor(at: "u8").scalars == [255])
        #expect(p.tensor(at: "i8").scalars == [-128])
        #expect(p.tensor(at: "bool").scalars == [1, 0])
        #expect(p.tensors.map(\.dtype) == [.float32, .float32] + Array(repeating: .float64, count: 9))
    }

    @Test func tensorsSharingAnOffsetKeepTheHeaderOrder() throws {
        let header = """
        {"z":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},\
        "y":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},"first":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}
        """
        let p = try Parameters(safetensors: stFile(header, stLittleEndian([Float(1).bitPattern, Float(2).bitPattern])))
        #expect(p.paths == ["first", "z", "y", "a"])
        // Written by this library: empty tensors in a row keep their path order.
        let empties = Parameters([("z", Tensor.zeros([0])), ("m", Tensor.zeros([2, 0])), ("a", Tensor.zeros([0], dtype: .float32))])
        #expect(try Parameters(safetensors: empties.safetensorsData()).paths == ["z", "m", "a"])
        #expect(p.tensor(at: "a").scalars == [2])
    }

    @Test func headerEscapesWhitespaceAndExtraFieldsAreRead() throws {
        let header = """
        { "caf\\u00e9.\\ud83d\\ude00\\/\\n\\t\\"\\\\" : { "data_offsets" : [ 0 , 8 ] , "shape" : [ 2 ] ,
           "dtype" : "F32", "extra": {"nested": [true, false, null, -1.5e-3]} },
           "__metadata__": {"k": "\\u0041"} }\t\n
        """
        let p = try Parameters(safetensors: stFile(header, stLittleEndian([Float(1).bitPattern, Float(-1).bitPattern])))
        #expect(p.paths == ["café.😀/\n\t\"\\"])
        #expect(p.tensors[0].scalars == [1, -1])
        #expect(try Parameters.safetensorsMetadata(stFile(header, Array(repeating: 0, count: 8))) == ["k": "A"])
        // A name that is not UTF-8.
        let badHeader = Array("{\"".utf8) + [0xFF] + Array("\":1}".utf8)
        let error = #expect(throws: SafetensorsError.self) {
            try Parameters(safetensors: withUnsafeBytes(of: UInt64(badHeader.count).littleEndian) { Array($0) } + badHeader)
        }
        #expect(error == .invalidHeader("not valid JSON (invalid UTF-8 in a string at byte 4 of the header)"))
    }

    // MARK: Errors

    @Test func truncatedDataIsReported() {
        #expect(throws: SafetensorsError.truncated("3 bytes, fewer than the 8 of the header length")) {
            try Parameters(safetensors: [1, 2, 3])
        }
        var bytes = stFile("{}")
        bytes[0] = 100
        #expect(throws: SafetensorsError.truncated("the header length is 100 bytes but only 2 follow it")) {
            try Parameters(safetensors: bytes)
        }
        let cut = Array(Parameters(["w": Tensor([1.0, 2.0])]).safetensorsData().dropLast(3))
        let error = #expect(throws: SafetensorsError.self) { try Parameters(safetensors: cut) }
        #expect(error == .invalidTensor(name: "w", reason: "data_offsets [0, 16] lie outside the 13 bytes of data"))
    }

    @Test func malformedHeadersAreReported() {
        func message(_ header: String, _ data: [UInt8] = []) -> String {
            do {
                _ = try Parameters(safetensors: stFile(header, data))
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(message("[]").contains("invalid header: the header does not start with \"{\""))
        #expect(message("{\"w\": ").contains("invalid header: not valid JSON (unexpected end at byte 6 of the header)"))
        #expect(message("{} x").contains("not valid JSON (unexpected text after the JSON value at byte 3 of the header)"))
        #expect(message(#"{"a":1,"a":2}"#).contains("invalid header: \"a\" appears twice"))
        #expect(message(#"{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,0]}}"#)
            .contains("tensor \"w\": expected {\"dtype\": string, \"shape\": [integers], \"data_offsets\": [begin, end]} (\"shape\" holds the number 1.5, not an integer)"))
        #expect(message(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4e0]}}"#, [0, 0, 0, 0]).contains("not an integer"))
        #expect(message(#"{"w":{"dtype":7,"shape":[1],"data_offsets":[0,4]}}"#, [0, 0, 0, 0]).contains("\"dtype\" is not a string"))
        #expect(message(#"{"w":{"dtype":"F32","shape":[01],"data_offsets":[0,4]}}"#, [0, 0, 0, 0]).contains("invalid number"))
        #expect(message(#"{"w\x":1}"#).contains("invalid escape"))
        #expect(message("{\"w\u{01}\":1}").contains("control character in a string"))
        #expect(message(#"{"\ud800":1}"#).contains("unpaired surrogate"))
        #expect(message(String(repeating: "[", count: 100)).contains("does not start with"))
        #expect(message("{\"a\":" + String(repeating: "[", count: 100)).contains("nesting deeper than 64"))
        #expect(message(#"{"__metadata__":null}"#).contains("\"__metadata__\" must map strings to strings"))
        #expect(message(#"{"__metadata__":{"a":1}}"#).contains("\"__metadata__\" must map strings to strings"))
        #expect(message(#"{"w":{"dtype":"F32","shape":[1]}}"#).contains("tensor \"w\": expected {"))
        #expect(message(#"{"w":[1,2]}"#).contains("tensor \"w\": expected {") && message(#"{"w":[1,2]}"#).contains("(found an array)"))
        #expect(message(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0]}}"#).contains("tensor \"w\": data_offsets [0] is not [begin, end]"))
        #expect(message(#"{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}"#).contains("tensor \"w\": negative extent in shape [-1]"))
        #expect(message(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}"#, [0, 0, 0, 0])
            .contains("tensor \"w\": data_offsets [0, 8] lie outside the 4 bytes of data"))
        #expect(message(#"{"w":{"dtype":"F32","shape":[2],"data_offsets":[4,0]}}"#, [0, 0, 0, 0])
            .contains("tensor \"w\": data_offsets [4, 0] lie outside"))
        #expect(message(#"{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, Array(repeating: 0, count: 8))
            .contains("tensor \"w\": data_offsets [0, 8] hold 8 bytes; shape [3] of F32 needs 12"))
        #expect(message(#"{"w":{"dtype":"F64","shape":[4611686018427387904,4],"data_offsets":[0,8]}}"#, Array(repeating: 0, count: 8))
            .contains("needs more than Int.max"))
    }

    @Test func unsupportedDtypesNameTheTensor() {
        #expect(throws: SafetensorsError.unsupportedDType(name: "q", dtype: "F8_E4M3")) {
            try Parameters(safetensors: stFile(#"{"q":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}"#, [0, 0]))
        }
        #expect(throws: SafetensorsError.unsupportedDType(name: "c", dtype: "C64")) {
            try Parameters(safetensors: stFile(#"{"c":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}"#, Array(repeating: 0, count: 8)))
        }
        let text = "\(SafetensorsError.unsupportedDType(name: "q", dtype: "F8_E4M3"))"
        #expect(text == "safetensors: tensor \"q\": unsupported dtype F8_E4M3 (readable: F64, F32, F16, BF16, integers and BOOL)")
        #expect(throws: SafetensorsError.invalidTensor(name: "n", reason: "I64 value 9007199254740993 at element 1 is not exactly representable as Float64")) {
            try Parameters(safetensors: stFile(#"{"n":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}}"#,
                                               stLittleEndian([Int64(1), (1 << 53) + 1])))
        }
    }
}
