#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A Swift floating-point type a ``Tensor`` can hold: `Float` or `Double`.
///
/// Use it to move data in and out of tensors with static types:
///
/// ```swift
/// let t = Tensor([1.5, 2.5] as [Float], shape: [2])
/// let back: [Float] = t.scalars(as: Float.self)
/// ```
public protocol TensorScalar: BinaryFloatingPoint, Sendable, LosslessStringConvertible
where Self.RawSignificand: FixedWidthInteger {
    /// The dtype of tensors holding this type.
    static var dtype: DType { get }
    /// Wraps an array of this type as tensor data.
    static func wrap(_ array: [Self]) -> TensorData
    /// Reads tensor data as this type, converting if the dtype differs.
    static func unwrap(_ data: TensorData) -> [Self]

    // Elementary functions the kernels need, specialised per type.
    static func exp(_ x: Self) -> Self
    static func log(_ x: Self) -> Self
    static func log1p(_ x: Self) -> Self
    static func expm1(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
    static func erf(_ x: Self) -> Self
    static func pow(_ x: Self, _ y: Self) -> Self
}

extension Float: TensorScalar {
    /// `Float` tensors are ``DType/float32``.
    ///
    /// ```swift
    /// Float.dtype    // float32
    /// ```
    public static var dtype: DType { .float32 }
    /// `array` as Float32 tensor data.
    ///
    /// ```swift
    /// Float.wrap([1, 2]).dtype    // float32
    /// ```
    public static func wrap(_ array: [Float]) -> TensorData { .float32(array) }
    /// The elements as `Float`, converted from Float64 data if needed.
    ///
    /// ```swift
    /// Float.unwrap(Tensor([1, 2]).data)    // [1.0, 2.0]
    /// ```
    public static func unwrap(_ data: TensorData) -> [Float] {
        switch data {
        case .float32(let a): return a
        case .float64(let a): return a.map { Float($0) }
        }
    }
    /// `eˣ`, by C's `expf`.
    ///
    /// ```swift
    /// Float.exp(0)    // 1.0
    /// ```
    @inline(__always) public static func exp(_ x: Float) -> Float { expf(x) }
    /// The natural logarithm, by C's `logf`.
    ///
    /// ```swift
    /// Float.log(1)    // 0.0
    /// ```
    @inline(__always) public static func log(_ x: Float) -> Float { logf(x) }
    /// `log(1 + x)`, accurate for small `x`, by C's `log1pf`.
    ///
    /// ```swift
    /// Float.log1p(0)    // 0.0
    /// ```
    @inline(__always) public static func log1p(_ x: Float) -> Float { log1pf(x) }
    /// `eˣ − 1`, accurate for small `x`, by C's `expm1f`.
    ///
    /// ```swift
    /// Float.expm1(0)    // 0.0
    /// ```
    @inline(__always) public static func expm1(_ x: Float) -> Float { expm1f(x) }
    /// The hyperbolic tangent, by C's `tanhf`.
    ///
    /// ```swift
    /// Float.tanh(0)    // 0.0
    /// ```
    @inline(__always) public static func tanh(_ x: Float) -> Float { tanhf(x) }
    /// The error function, by C's `erff`.
    ///
    /// ```swift
    /// Float.erf(0)    // 0.0
    /// ```
    @inline(__always) public static func erf(_ x: Float) -> Float { erff(x) }
    /// `x` to the power `y`, by C's `powf`.
    ///
    /// ```swift
    /// Float.pow(2, 3)    // 8.0
    /// ```
    @inline(__always) public static func pow(_ x: Float, _ y: Float) -> Float { powf(x, y) }
}

extension Double: TensorScalar {
    /// `Double` tensors are ``DType/float64``.
    ///
    /// ```swift
    /// Double.dtype    // float64
    /// ```
    public static var dtype: DType { .float64 }
    /// `array` as Float64 tensor data.
    ///
    /// ```swift
    /// Double.wrap([1, 2]).dtype    // float64
    /// ```
    public static func wrap(_ array: [Double]) -> TensorData { .float64(array) }
    /// The elements as `Double`, converted from Float32 data if needed.
    ///
    /// ```swift
    /// Double.unwrap(Tensor([1, 2], dtype: .float32).data)    // [1.0, 2.0]
    /// ```
    public static func unwrap(_ data: TensorData) -> [Double] {
        switch data {
        case .float64(let a): return a
        case .float32(let a): return a.map { Double($0) }
        }
    }
    /// `eˣ`, by C's `exp`.
    ///
    /// ```swift
    /// Double.exp(0)    // 1.0
    /// ```
    @inline(__always) public static func exp(_ x: Double) -> Double { Glibc.exp(x) }
    /// The natural logarithm, by C's `log`.
    ///
    /// ```swift
    /// Double.log(1)    // 0.0
    /// ```
    @inline(__always) public static func log(_ x: Double) -> Double { Glibc.log(x) }
    /// `log(1 + x)`, accurate for small `x`, by C's `log1p`.
    ///
    /// ```swift
    /// Double.log1p(0)    // 0.0
    /// ```
    @inline(__always) public static func log1p(_ x: Double) -> Double { Glibc.log1p(x) }
    /// `eˣ − 1`, accurate for small `x`, by C's `expm1`.
    ///
    /// ```swift
    /// Double.expm1(0)    // 0.0
    /// ```
    @inline(__always) public static func expm1(_ x: Double) -> Double { Glibc.expm1(x) }
    /// The hyperbolic tangent, by C's `tanh`.
    ///
    /// ```swift
    /// Double.tanh(0)    // 0.0
    /// ```
    @inline(__always) public static func tanh(_ x: Double) -> Double { Glibc.tanh(x) }
    /// The error function, by C's `erf`.
    ///
    /// ```swift
    /// Double.erf(0)    // 0.0
    /// ```
    @inline(__always) public static func erf(_ x: Double) -> Double { Glibc.erf(x) }
    /// `x` to the power `y`, by C's `pow`.
    ///
    /// ```swift
    /// Double.pow(2, 3)    // 8.0
    /// ```
    @inline(__always) public static func pow(_ x: Double, _ y: Double) -> Double { Glibc.pow(x, y) }
}

/// The elements of a tensor: a Swift array of `Float` or of `Double`.
///
/// Arrays are copy-on-write, so a ``Tensor`` copies its elements only when a shared
/// buffer is written. Most code never touches this type; use ``Tensor/scalars(as:)``.
///
/// ```swift
/// if case .float64(let values) = Tensor([1, 2]).data { print(values) }   // [1.0, 2.0]
/// ```
public enum TensorData: Sendable {
    case float32([Float])
    case float64([Double])

    /// The dtype of these elements.
    ///
    /// ```swift
    /// Tensor([1, 2], dtype: .float32).data.dtype    // float32
    /// ```
    public var dtype: DType {
        switch self {
        case .float32: return .float32
        case .float64: return .float64
        }
    }

    /// The number of elements.
    ///
    /// ```swift
    /// Tensor([1, 2, 3]).data.count    // 3
    /// ```
    public var count: Int {
        switch self {
        case .float32(let a): return a.count
        case .float64(let a): return a.count
        }
    }
}
