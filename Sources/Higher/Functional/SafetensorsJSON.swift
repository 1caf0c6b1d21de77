/// A JSON value as the safetensors header needs it: objects keep their keys in the order
/// written (the reader orders tensors that share a data offset by it), numbers keep their
/// text (offsets are integers that must be read exactly).
enum SafetensorsJSON {
    case object([(key: String, value: SafetensorsJSON)])
    case array([SafetensorsJSON])
    case string(String)
    case number(String)
    case literal(String)

    /// Parses one JSON value filling all of `bytes` (surrounding whitespace allowed).
    static func parse(_ bytes: UnsafeRawBufferPointer) throws -> SafetensorsJSON {
        var parser = Parser(bytes: bytes)
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.position == bytes.count else { throw parser.failure("unexpected text after the JSON value") }
        return value
    }

    /// The value as an integer, if it is a JSON number without fraction or exponent that fits `Int`.
    var integer: Int? {
        guard case .number(let text) = self else { return nil }
        return Int(text)
    }

    /// A short name of the value's kind, for messages.
    var kind: String {
        switch self {
        case .object: return "an object"
        case .array: return "an array"
        case .string: return "a string"
        case .number(let text): return "the number \(text)"
        case .literal(let text): return text
        }
    }

    private struct Parser {
        let bytes: UnsafeRawBufferPointer
        var position = 0

        /// Nesting deeper than this is refused rather than risking the stack.
        static let maximumDepth = 64

        func failure(_ what: String) -> SafetensorsError {
            .invalidHeader("not valid JSON (\(what) at byte \(position) of the header)")
        }

        mutating func skipWhitespace() {
            while position < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[position]) { position += 1 }
        }

        mutating func peek() throws -> UInt8 {
            skipWhitespace()
            guard position < bytes.count else { throw failure("unexpected end") }
            return bytes[position]
        }

        mutating func expect(_ byte: UInt8) throws {
            guard try peek() == byte else {
                throw failure("expected \"\(Character(Unicode.Scalar(byte)))\"")
            }
            position += 1
        }

        mutating func value(depth: Int) throws -> SafetensorsJSON {
            guard depth <= Self.maximumDepth else { throw failure("nesting deeper than \(Self.maximumDepth)") }
            switch try peek() {
            case UInt8(ascii: "{"):
                position += 1
                var members: [(key: String, value: SafetensorsJSON)] = []
                if try peek() == UInt8(ascii: "}") { position += 1; return .object(members) }
                while true {
                    guard try peek() == UInt8(ascii: "\"") else { throw failure("expected a string key") }
                    let key = try string()
                    try expect(UInt8(ascii: ":"))
                    members.append((key, try value(depth: depth + 1)))
                    if try peek() == UInt8(ascii: ",") { position += 1; continue }
                    try expect(UInt8(ascii: "}"))
                    return .object(members)
                }
            case UInt8(ascii: "["):
                position += 1
                var elements: [SafetensorsJSON] = []
                if try peek() == UInt8(ascii: "]") { position += 1; return .array(elements) }
                while true {
                    elements.append(try value(depth: depth + 1))
                    if try peek() == UInt8(ascii: ",") { position += 1; continue }
                    try expect(UInt8(ascii: "]"))
                    return .array(elements)
                }
            case UInt8(ascii: "\""):
                return .string(try string())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return .number(try number())
            default:
                for word in ["true", "false", "null"] where matches(word) {
                    position += word.utf8.count
                    return .literal(word)
                }
                throw failure("unexpected character")
            }
        }

        func matches(_ word: String) -> Bool {
            let w = Array(word.utf8)
            guard position + w.count <= bytes.count else { return false }
            return (0..<w.count).allSatisfy { bytes[position + $0] == w[$0] }
        }

        /// A string literal starting at the opening quote.
        mutating func string() throws -> String {
            position += 1
            var utf8: [UInt8] = []
            while true {
                guard position < bytes.count else { throw failure("unterminated string") }
                let byte = bytes[position]
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    guard let text = String(validating: utf8, as: UTF8.self) else { throw failure("invalid UTF-8 in a string") }
                    return text
                case UInt8(ascii: "\\"):
                    guard position < bytes.count else { throw failure("unterminated string") }
                    let escape = bytes[position]
                    position += 1
                    switch escape {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
                    case UInt8(ascii: "b"): utf8.append(0x08)
                    case UInt8(ascii: "f"): utf8.append(0x0C)
                    case UInt8(ascii: "n"): utf8.append(0x0A)
                    case UInt8(ascii: "r"): utf8.append(0x0D)
                    case UInt8(ascii: "t"): utf8.append(0x09)
                    case UInt8(ascii: "u"):
                        var code = try hex4()
                        if (0xD800..<0xDC00).contains(code) {
                            guard matches("\\u") else { throw failure("unpaired surrogate") }
                            position += 2
                            let low = try hex4()
                            guard (0xDC00..<0xE000).contains(low) else { throw failure("unpaired surrogate") }
                            code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(code) else { throw failure("unpaired surrogate") }
                        utf8.append(contentsOf: Array(String(Character(scalar)).utf8))
                    default:
                        throw failure("invalid escape")
                    }
                case 0..<0x20:
                    throw failure("control character in a string")
                default:
                    utf8.append(byte)
                }
            }
        }

        mutating func hex4() throws -> UInt32 {
            guard position + 4 <= bytes.count else { throw failure("short \\u escape") }
            var code: UInt32 = 0
            for _ in 0..<4 {
                guard let digit = Character(Unicode.Scalar(bytes[position])).hexDigitValue else {
                    throw failure("invalid \\u escape")
                }
                code = code << 4 | UInt32(digit)
                position += 1
            }
            return code
        }

        /// A number's text, checked against JSON's grammar.
        mutating func number() throws -> String {
            let start = position
            func digits() -> Int {
                let first = position
                while position < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[position]) { position += 1 }
                return position - first
            }
            if bytes[position] == UInt8(ascii: "-") { position += 1 }
            let leadingZero = position < bytes.count && bytes[position] == UInt8(ascii: "0")
            let integerDigits = digits()
            guard integerDigits > 0, !(leadingZero && integerDigits > 1) else { throw failure("invalid number") }
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                position += 1
                guard digits() > 0 else { throw failure("invalid number") }
            }
            if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
                position += 1
                if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
                guard digits() > 0 else { throw failure("invalid number") }
            }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        }
    }
}
