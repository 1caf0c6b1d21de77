/// `Parameters` as a stable, self-describing value for `JSONEncoder` and friends, and
/// value equality.
///
/// The encoded form is an ordered list, one entry per path, in the tree's order:
///
/// ```json
/// [
///   {"path": "fc.weight", "dtype": "float32", "shape": [2, 3], "values": [0.5, -1, 2, 0, 1, 3]},
///   {"path": "fc.bias",   "dtype": "float64", "shape": [2],    "values": [0.1, 0.2]}
/// ]
/// ```
///
/// `values` are row-major. Float32 values are written as `Float`s (the shortest decimal
/// that reads back to the same `Float`), Float64 values as `Double`s, so a JSON round trip
/// gives back every value bit for bit. JSON has no NaN or infinity: such values are written
/// as the strings `"nan"`, `"inf"` and `"-inf"` (a NaN's payload and sign are not kept).
/// A traced tensor is encoded by its value; the decoded tree is plain.
extension Parameters: Codable {
    private struct Entry: Codable {
        var path: String
        var dtype: DType
        var shape: [Int]
        var values: TensorData

        private enum CodingKeys: String, CodingKey { case path, dtype, shape, values }

        init(path: String, tensor: Tensor) {
            self.path = path
            dtype = tensor.dtype
            shape = tensor.shape
            values = tensor.data
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(path, forKey: .path)
            try c.encode(dtype.rawValue, forKey: .dtype)
            try c.encode(shape, forKey: .shape)
            var list = c.nestedUnkeyedContainer(forKey: .values)
            switch values {
            case .float32(let a): for v in a { try list.encode(JSONScalar(v)) }
            case .float64(let a): for v in a { try list.encode(JSONScalar(v)) }
            }
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            path = try c.decode(String.self, forKey: .path)
            let name = try c.decode(String.self, forKey: .dtype)
            guard let dtype = DType(rawValue: name) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .dtype, in: c,
                    debugDescription: "Parameters: \"\(path)\" has dtype \"\(name)\"; expected \"float32\" or \"float64\"")
            }
            self.dtype = dtype
            shape = try c.decode([Int].self, forKey: .shape)
            guard shape.allSatisfy({ $0 >= 0 }) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .shape, in: c, debugDescription: "Parameters: \"\(path)\" has a negative extent in shape \(shape)")
            }
            var list = try c.nestedUnkeyedContainer(forKey: .values)
            switch dtype {
            case .float32:
                var a = [Float]()
                if let n = list.count { a.reserveCapacity(n) }
                while !list.isAtEnd { a.append(try list.decode(JSONScalar<Float>.self).value) }
                values = .float32(a)
            case .float64:
                var a = [Double]()
                if let n = list.count { a.reserveCapacity(n) }
                while !list.isAtEnd { a.append(try list.decode(JSONScalar<Double>.self).value) }
                values = .float64(a)
            }
            guard values.count == Shape.count(shape) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .values, in: c,
                    debugDescription: "Parameters: \"\(path)\" has \(values.count) values for shape \(shape) (\(Shape.count(shape)) elements)")
            }
        }
    }

    /// Writes the tree as an ordered list of `{path, dtype, shape, values}` entries.
    ///
    /// ```swift
    /// let json = try JSONEncoder().encode(params)
    /// ```
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.unkeyedContainer()
        for (path, tensor) in zip(paths, tensors) { try c.encode(Entry(path: path, tensor: tensor)) }
    }

    /// Reads a tree written by ``encode(to:)``, in the written order. Throws a
    /// `DecodingError` naming the path when an entry is malformed (unknown dtype, negative
    /// extent, value count not matching the shape) or a path appears twice.
    ///
    /// ```swift
    /// let params = try JSONDecoder().decode(Parameters.self, from: json)
    /// ```
    public init(from decoder: any Decoder) throws {
        var c = try decoder.unkeyedContainer()
        var out = Parameters()
        while !c.isAtEnd {
            let entry = try c.decode(Entry.self)
            guard !out.contains(entry.path) else {
                throw DecodingError.dataCorruptedError(
                    in: c, debugDescription: "Parameters: the path \"\(entry.path)\" appears twice")
            }
            out[entry.path] = Tensor(shape: entry.shape, data: entry.values)
        }
        self = out
    }
}

/// One number in the JSON form: a JSON number when finite, else `"nan"`, `"inf"` or `"-inf"`.
private struct JSONScalar<S: TensorScalar & Codable>: Codable {
    var value: S

    init(_ value: S) { self.value = value }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if value.isFinite {
            try c.encode(value)
        } else {
            try c.encode(value.isNaN ? "nan" : value < 0 ? "-inf" : "inf")
        }
    }

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let number = try? c.decode(S.self) {
            value = number
            return
        }
        let text = try c.decode(String.self)
        switch text {
        case "nan": value = .nan
        case "inf": value = .infinity
        case "-inf": value = -.infinity
        default:
            throw DecodingError.dataCorruptedError(
                in: c, debugDescription: "Parameters: \"\(text)\" is not a number (expected a number, \"nan\", \"inf\" or \"-inf\")")
        }
    }
}

extension Parameters: Equatable {
    /// Whether two trees hold the same paths in the same order, and at each path tensors of
    /// the same dtype, shape and values. Values compare as numbers (`0 == -0`, NaN never
    /// equals anything, as for `Double`); traces are ignored.
    ///
    /// ```swift
    /// let copy = try JSONDecoder().decode(Parameters.self, from: JSONEncoder().encode(p))
    /// copy == p      // true
    /// ```
    public static func == (lhs: Parameters, rhs: Parameters) -> Bool {
        guard lhs.paths == rhs.paths else { return false }
        for (a, b) in zip(lhs.tensors, rhs.tensors) {
            guard a.shape == b.shape else { return false }
            switch (a.data, b.data) {
            case let (.float32(x), .float32(y)): if x != y { return false }
            case let (.float64(x), .float64(y)): if x != y { return false }
            default: return false
            }
        }
        return true
    }
}
