import Foundation

/// Reading and writing the safetensors format (Hugging Face's; what
/// `safetensors.torch.save_file` writes and `load_file` reads).
///
/// **Reading** accepts F64 and F32 as they are, F16 and BF16 widened exactly to Float32,
/// and integer and BOOL tensors (such as a batch norm's `num_batches_tracked`) widened to
/// Float64 when every value is exactly representable there. Other dtypes (the 8-bit floats)
/// throw ``SafetensorsError/unsupportedDType(name:dtype:)`` naming the tensor. The loaded
/// tree is in the order of the tensors' data in the file (empty tensors, which share their
/// place with a neighbour, in the header's order), so a file written by
/// ``safetensorsData(metadata:)`` reads back in its original path order. (Python's
/// `safetensors` lays out tensors by decreasing dtype size, then by name: a PyTorch
/// `nn.Linear` file reads as `bias, weight`. Loading into a module matches by path, so the
/// order does not matter there.)
///
/// **Writing** stores every tensor in its own dtype (F32 or F64), back to back in path
/// order, so a round trip gives back the same tree bit for bit.
///
/// ```swift
/// try params.writeSafetensors(to: "model.safetensors", metadata: ["epoch": "3"])
/// let back = try Parameters(safetensorsAt: "model.safetensors")
/// try makeFunctional(model).load(back)
/// ```
extension Parameters {
    /// Reads a tree from the bytes of a safetensors file. Throws ``SafetensorsError`` when
    /// the bytes are truncated, the header is malformed, a tensor's data lies outside the
    /// file or does not match its shape, or a dtype cannot be read (naming the tensor).
    ///
    /// ```swift
    /// let p = try Parameters(safetensors: bytes)
    /// ```
    public init(safetensors bytes: [UInt8]) throws {
        self = try bytes.withUnsafeBytes { raw in
            let header = try SafetensorsHeader(parsing: raw)
            var out = [(String, Tensor)]()
            out.reserveCapacity(header.entries.count)
            for entry in header.entries {
                let data = try Self.decodeTensorData(entry, from: raw, dataStart: header.dataStart)
                out.append((entry.name, Tensor(shape: entry.shape, data: data)))
            }
            return Parameters(out)
        }
    }

    /// Reads a tree from a safetensors file.
    ///
    /// ```swift
    /// let p = try Parameters(safetensorsAt: URL(fileURLWithPath: "model.safetensors"))
    /// ```
    public init(safetensorsAt url: URL) throws {
        try self.init(safetensors: Self.readBytes(url))
    }

    /// Reads a tree from a safetensors file at a file-system path.
    ///
    /// ```swift
    /// let p = try Parameters(safetensorsAt: "model.safetensors")
    /// ```
    public init(safetensorsAt path: String) throws {
        try self.init(safetensorsAt: URL(fileURLWithPath: path))
    }

    /// The `"__metadata__"` map of a safetensors file's bytes (empty when there is none).
    ///
    /// ```swift
    /// let info = try Parameters.safetensorsMetadata(bytes)    // e.g. ["format": "pt"]
    /// ```
    public static func safetensorsMetadata(_ bytes: [UInt8]) throws -> [String: String] {
        try bytes.withUnsafeBytes { try SafetensorsHeader(parsing: $0).metadata }
    }

    /// The `"__metadata__"` map of a safetensors file (empty when there is none).
    ///
    /// ```swift
    /// let info = try Parameters.safetensorsMetadata(at: URL(fileURLWithPath: "model.safetensors"))
    /// ```
    public static func safetensorsMetadata(at url: URL) throws -> [String: String] {
        try safetensorsMetadata(readBytes(url))
    }

    /// The tree as the bytes of a safetensors file: every tensor in its own dtype (F32 or
    /// F64), in path order, with `metadata` as the header's `"__metadata__"` (omitted when
    /// empty). Traced tensors are written by value. Stops if a path is `"__metadata__"`.
    ///
    /// ```swift
    /// let bytes = params.safetensorsData(metadata: ["format": "pt"])
    /// ```
    public func safetensorsData(metadata: [String: String] = [:]) -> [UInt8] {
        precondition(!contains("__metadata__"),
                     "safetensorsData: the path \"__metadata__\" is reserved for the file's metadata")
        let header = SafetensorsHeader.encode(elements.map { (name: $0.path, tensor: $0.tensor) }, metadata: metadata)
        let dataLength = tensors.reduce(0) { $0 + $1.count * $1.dtype.byteCount }
        let total = 8 + header.count + dataLength
        return [UInt8](unsafeUninitializedCapacity: total) { buffer, initialized in
            let raw = UnsafeMutableRawBufferPointer(buffer)
            raw.storeBytes(of: UInt64(header.count).littleEndian, toByteOffset: 0, as: UInt64.self)
            header.withUnsafeBytes { raw.baseAddress!.advanced(by: 8).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            var offset = 8 + header.count
            for tensor in tensors {
                switch tensor.data {
                case .float32(let a): Self.store(a, into: raw, at: offset)
                case .float64(let a): Self.store(a, into: raw, at: offset)
                }
                offset += tensor.count * tensor.dtype.byteCount
            }
            initialized = total
        }
    }

    /// Writes the tree as a safetensors file (see ``safetensorsData(metadata:)``),
    /// replacing any file at `url`.
    ///
    /// ```swift
    /// try params.writeSafetensors(to: URL(fileURLWithPath: "model.safetensors"))
    /// ```
    public func writeSafetensors(to url: URL, metadata: [String: String] = [:]) throws {
        do {
            try Data(safetensorsData(metadata: metadata)).write(to: url, options: .atomic)
        } catch {
            throw SafetensorsError.file(path: url.path, reason: "cannot write (\(error.localizedDescription))")
        }
    }

    /// Writes the tree as a safetensors file at a file-system path.
    ///
    /// ```swift
    /// try params.writeSafetensors(to: "model.safetensors", metadata: ["step": "100"])
    /// ```
    public func writeSafetensors(to path: String, metadata: [String: String] = [:]) throws {
        try writeSafetensors(to: URL(fileURLWithPath: path), metadata: metadata)
    }

    private static func readBytes(_ url: URL) throws -> [UInt8] {
        do {
            return [UInt8](try Data(contentsOf: url))
        } catch {
            throw SafetensorsError.file(path: url.path, reason: "cannot read (\(error.localizedDescription))")
        }
    }

    /// Copies `values` as little-endian bytes to `offset`.
    private static func store<S: TensorScalar>(_ values: [S], into raw: UnsafeMutableRawBufferPointer, at offset: Int) {
        values.withUnsafeBytes { source in
            guard source.count > 0 else { return }
            #if _endian(little)
            raw.baseAddress!.advanced(by: offset).copyMemory(from: source.baseAddress!, byteCount: source.count)
            #else
            for (i, byte) in source.enumerated() {
                let size = MemoryLayout<S>.size
                raw[offset + (i / size) * size + (size - 1 - i % size)] = byte
            }
            #endif
        }
    }

    /// The values of one tensor, converted to Float32 or Float64.
    private static func decodeTensorData(
        _ entry: SafetensorsHeader.Entry, from raw: UnsafeRawBufferPointer, dataStart: Int
    ) throws -> TensorData {
        let start = dataStart + entry.begin
        let n = Shape.count(entry.shape)
        // Reads element i as a little-endian integer of type T.
        func word<T: FixedWidthInteger>(_ i: Int, _: T.Type) -> T {
            T(littleEndian: raw.loadUnaligned(fromByteOffset: start + i * MemoryLayout<T>.size, as: T.self))
        }
        func floats(_ element: (Int) -> Float) -> TensorData {
            .float32([Float](unsafeUninitializedCapacity: n) { b, c in
                for i in 0..<n { b[i] = element(i) }
                c = n
            })
        }
        func doubles(_ element: (Int) -> Double) -> TensorData {
            .float64([Double](unsafeUninitializedCapacity: n) { b, c in
                for i in 0..<n { b[i] = element(i) }
                c = n
            })
        }
        func exactDoubles<T: FixedWidthInteger>(_ type: T.Type) throws -> TensorData {
            let limit: T.Magnitude = 1 << 53
            for i in 0..<n where word(i, T.self).magnitude > limit {
                throw SafetensorsError.invalidTensor(
                    name: entry.name,
                    reason: "\(entry.dtype) value \(word(i, T.self)) at element \(i) is not exactly representable as Float64")
            }
            return doubles { Double(word($0, T.self)) }
        }
        switch entry.dtype {
        case "F64":
            #if _endian(little)
            return .float64([Double](unsafeUninitializedCapacity: n) { b, c in
                if n > 0 { UnsafeMutableRawPointer(b.baseAddress!).copyMemory(from: raw.baseAddress! + start, byteCount: n * 8) }
                c = n
            })
            #else
            return doubles { Double(bitPattern: word($0, UInt64.self)) }
            #endif
        case "F32":
            #if _endian(little)
            return .float32([Float](unsafeUninitializedCapacity: n) { b, c in
                if n > 0 { UnsafeMutableRawPointer(b.baseAddress!).copyMemory(from: raw.baseAddress! + start, byteCount: n * 4) }
                c = n
            })
            #else
            return floats { Float(bitPattern: word($0, UInt32.self)) }
            #endif
        case "F16": return floats { Float(halfBits: word($0, UInt16.self)) }
        case "BF16": return floats { Float(bitPattern: UInt32(word($0, UInt16.self)) << 16) }
        case "BOOL", "U8": return doubles { Double(word($0, UInt8.self)) }
        case "I8": return doubles { Double(word($0, Int8.self)) }
        case "U16": return doubles { Double(word($0, UInt16.self)) }
        case "I16": return doubles { Double(word($0, Int16.self)) }
        case "U32": return doubles { Double(word($0, UInt32.self)) }
        case "I32": return doubles { Double(word($0, Int32.self)) }
        case "U64": return try exactDoubles(UInt64.self)
        case "I64": return try exactDoubles(Int64.self)
        default: throw SafetensorsError.unsupportedDType(name: entry.name, dtype: entry.dtype)
        }
    }
}

extension Float {
    /// The value of an IEEE binary16 bit pattern (exact: every half is a float).
    init(halfBits h: UInt16) {
        let sign = UInt32(h >> 15) << 31
        let exponent = Int(h >> 10) & 0x1F
        let fraction = UInt32(h & 0x3FF)
        switch exponent {
        case 0x1F:   // infinity or NaN, keeping the payload
            self.init(bitPattern: sign | 0x7F80_0000 | (fraction << 13))
        case 0:      // zero or subnormal: fraction · 2^-24
            let magnitude = Float(fraction) * 0x1p-24
            self = sign != 0 ? -magnitude : magnitude
        default:
            self.init(bitPattern: sign | UInt32(exponent - 15 + 127) << 23 | (fraction << 13))
        }
    }
}
