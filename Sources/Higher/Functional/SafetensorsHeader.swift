/// The layout of a safetensors file: an 8-byte little-endian header length `N`, `N` bytes
/// of JSON header, then the tensors' raw little-endian bytes. The header maps each
/// tensor's name to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative
/// to the start of the data) and may hold `"__metadata__"`, a map of strings to strings.
struct SafetensorsHeader {
    struct Entry {
        var name: String
        var dtype: String
        var shape: [Int]
        var begin: Int
        var end: Int
    }

    /// The tensors, ordered by their place in the data (begin, then end, then header order).
    var entries: [Entry]
    var metadata: [String: String]
    /// Where the data starts in the file: `8 + N`.
    var dataStart: Int

    /// The size in bytes of one element of each dtype the format defines, by its name.
    static let elementSizes: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E4M3": 1, "F8_E5M2": 1,
        "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
        "I32": 4, "U32": 4, "F32": 4,
        "I64": 8, "U64": 8, "F64": 8,
    ]

    /// Parses and checks the header of `bytes`: the length, the JSON, every entry's fields,
    /// and that every tensor's byte range lies inside the data and matches its shape.
    init(parsing bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count >= 8 else {
            throw SafetensorsError.truncated("\(bytes.count) bytes, fewer than the 8 of the header length")
        }
        let n = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        guard n <= UInt64(bytes.count - 8) else {
            throw SafetensorsError.truncated("the header length is \(n) bytes but only \(bytes.count - 8) follow it")
        }
        dataStart = 8 + Int(n)
        let json = UnsafeRawBufferPointer(rebasing: bytes[8..<dataStart])
        guard json.first == UInt8(ascii: "{") else {
            throw SafetensorsError.invalidHeader("the header does not start with \"{\"")
        }
        guard case .object(let members) = try SafetensorsJSON.parse(json) else {
            throw SafetensorsError.invalidHeader("the header is not a JSON object")
        }
        metadata = [:]
        var parsed: [Entry] = []
        var seen = Set<String>()
        for (name, _) in members where !seen.insert(name).inserted {
            throw SafetensorsError.invalidHeader("\"\(name)\" appears twice")
        }
        for (name, value) in members {
            if name == "__metadata__" {
                metadata = try Self.metadata(value)
            } else {
                parsed.append(try Self.entry(name, value))
            }
        }
        let dataLength = bytes.count - dataStart
        for entry in parsed {
            guard entry.shape.allSatisfy({ $0 >= 0 }) else {
                throw SafetensorsError.invalidTensor(name: entry.name, reason: "negative extent in shape \(entry.shape)")
            }
            guard entry.begin >= 0, entry.begin <= entry.end, entry.end <= dataLength else {
                throw SafetensorsError.invalidTensor(
                    name: entry.name,
                    reason: "data_offsets [\(entry.begin), \(entry.end)] lie outside the \(dataLength) bytes of data")
            }
            if let size = Self.elementSizes[entry.dtype] {
                var needed = size, overflow = false
                for extent in entry.shape where !overflow { (needed, overflow) = needed.multipliedReportingOverflow(by: extent) }
                guard !overflow, needed == entry.end - entry.begin else {
                    throw SafetensorsError.invalidTensor(
                        name: entry.name,
                        reason: "data_offsets [\(entry.begin), \(entry.end)] hold \(entry.end - entry.begin) bytes; shape \(entry.shape) of \(entry.dtype) needs \(overflow ? "more than Int.max" : String(needed))")
                }
            }
        }
        // By place in the data; tensors sharing a place (empty ones) keep the header's order.
        entries = parsed.enumerated()
            .sorted { ($0.element.begin, $0.element.end, $0.offset) < ($1.element.begin, $1.element.end, $1.offset) }
            .map(\.element)
    }

    private static func metadata(_ value: SafetensorsJSON) throws -> [String: String] {
        let problem = SafetensorsError.invalidHeader("\"__metadata__\" must map strings to strings")
        guard case .object(let members) = value else { throw problem }
        var out: [String: String] = [:]
        for (key, value) in members {
            guard case .string(let text) = value else { throw problem }
            out[key] = text
        }
        return out
    }

    private static func entry(_ name: String, _ value: SafetensorsJSON) throws -> Entry {
        func invalid(_ what: String) -> SafetensorsError {
            .invalidTensor(
                name: name,
                reason: "expected {\"dtype\": string, \"shape\": [integers], \"data_offsets\": [begin, end]} (\(what))")
        }
        guard case .object(let fields) = value else { throw invalid("found \(value.kind)") }
        func field(_ key: String) throws -> SafetensorsJSON {
            guard let v = fields.first(where: { $0.key == key })?.value else { throw invalid("missing \"\(key)\"") }
            return v
        }
        func integers(_ key: String) throws -> [Int] {
            guard case .array(let items) = try field(key) else { throw invalid("\"\(key)\" is not an array") }
            return try items.map { item in
                guard let n = item.integer else { throw invalid("\"\(key)\" holds \(item.kind), not an integer") }
                return n
            }
        }
        guard case .string(let dtype) = try field("dtype") else { throw invalid("\"dtype\" is not a string") }
        let shape = try integers("shape")
        let offsets = try integers("data_offsets")
        guard offsets.count == 2 else {
            throw SafetensorsError.invalidTensor(name: name, reason: "data_offsets \(offsets) is not [begin, end]")
        }
        return Entry(name: name, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1])
    }

    /// The header JSON for `tensors` laid out back to back in the given order, padded with
    /// spaces to a multiple of 8 bytes so that the data starts 8-byte aligned.
    static func encode(_ tensors: [(name: String, tensor: Tensor)], metadata: [String: String]) -> [UInt8] {
        var json = "{"
        var first = true
        func field(_ text: String) {
            if !first { json += "," }
            first = false
            json += text
        }
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(quoted($0)):\(quoted(metadata[$0]!))" }
            field("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for (name, tensor) in tensors {
            let end = offset + tensor.count * tensor.dtype.byteCount
            let dtype = tensor.dtype == .float32 ? "F32" : "F64"
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            field("\(quoted(name)):{\"dtype\":\"\(dtype)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        json += "}"
        var out = Array(json.utf8)
        while out.count % 8 != 0 { out.append(UInt8(ascii: " ")) }
        return out
    }

    /// A JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
