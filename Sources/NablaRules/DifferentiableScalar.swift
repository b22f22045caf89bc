@_exported import RealModule
import CNablaMath

/// A scalar that every Nabla engine can compute with: plain arithmetic, the
/// elementary functions of swift-numerics, and the few extra functions deep
/// learning needs (sigmoid, softplus, relu, ...).
///
/// `Float` and `Double` conform here. Nabla's other scalars conform in their
/// own modules: the complex-step number (`ComplexStep`), and later the dual
/// number of forward mode, the tape variable of reverse mode and the
/// symbolic expression. Write a function once against this protocol and run
/// it with any of them:
///
/// ```swift
/// @inlinable
/// func f<T: DifferentiableScalar>(_ v: [T]) -> T {
///     2 * v[0] + 3 * v[0] * v[1] + v[1] * v[1] * v[1]
/// }
/// ```
///
/// Mark such functions `@inlinable` when they live in another module than the
/// caller, so the compiler can specialise them for each scalar type; generic
/// code that is not specialised runs 10 to 30 times slower.
///
/// The derivative of every function below is written once, in
/// ``UnaryOperation`` and ``BinaryOperation``: the rule table.
public protocol DifferentiableScalar: ElementaryFunctions, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral
{
    /// Lifts a constant (for example one read from a formula) into this type.
    init(_ value: Double)

    static func * (lhs: Self, rhs: Self) -> Self
    static func / (lhs: Self, rhs: Self) -> Self
    static prefix func - (operand: Self) -> Self
    static func *= (lhs: inout Self, rhs: Self)
    static func /= (lhs: inout Self, rhs: Self)

    /// The constant π.
    static var pi: Self { get }

    /// Whether the value is neither NaN nor infinite (for a dual number or a
    /// complex step, every part). Anomaly detection reads it.
    var isFinite: Bool { get }

    /// sin(x) and cos(x) together. Float and Double compute both from one
    /// argument reduction (glibc's `sincos`), which makes the sine rule's
    /// derivative nearly free in automatic differentiation.
    static func sinAndCos(_ x: Self) -> (sin: Self, cos: Self)

    /// The angle of the point (x, y), in (-π, π].
    static func atan2(y: Self, x: Self) -> Self
    /// √(x² + y²) without undue overflow or underflow.
    static func hypot(_ x: Self, _ y: Self) -> Self
    /// The error function, 2/√π ∫₀ˣ exp(-t²) dt.
    static func erf(_ x: Self) -> Self
    /// The logistic function 1 / (1 + exp(-x)), computed without overflow.
    static func sigmoid(_ x: Self) -> Self
    /// log(1 + exp(x)), computed without overflow.
    static func softplus(_ x: Self) -> Self
    /// max(x, 0).
    static func relu(_ x: Self) -> Self
    /// |x|.
    static func abs(_ x: Self) -> Self
    /// -1, 0 or 1 as x is negative, zero or positive (NaN stays NaN).
    static func sign(_ x: Self) -> Self
    /// The unit step: 1 where x > 0, else 0 (the derivative of relu, with
    /// PyTorch's value 0 at x = 0).
    static func step(_ x: Self) -> Self
    /// The smaller of x and y; NaN if either is NaN.
    static func min(_ x: Self, _ y: Self) -> Self
    /// The larger of x and y; NaN if either is NaN.
    static func max(_ x: Self, _ y: Self) -> Self
}

// MARK: - Real numbers

extension DifferentiableScalar where Self: Real {
    @inlinable @inline(__always)
    public static func sigmoid(_ x: Self) -> Self {
        // Both branches only ever evaluate exp of a non-positive number.
        if x >= 0 {
            return 1 / (1 + .exp(-x))
        } else {
            let e = Self.exp(x)
            return e / (1 + e)
        }
    }

    @inlinable @inline(__always)
    public static func softplus(_ x: Self) -> Self {
        // log(1 + e^x) = max(x, 0) + log(1 + e^-|x|)
        Swift.max(x, 0) + .log(onePlus: .exp(-x.magnitude))
    }

    @inlinable @inline(__always)
    public static func relu(_ x: Self) -> Self {
        x.isNaN ? x : (x > 0 ? x : 0)
    }

    @inlinable @inline(__always)
    public static func abs(_ x: Self) -> Self { x.magnitude }

    @inlinable @inline(__always)
    public static func sign(_ x: Self) -> Self {
        x > 0 ? 1 : (x < 0 ? -1 : x)  // 0, -0 and NaN map to themselves
    }

    @inlinable @inline(__always)
    public static func step(_ x: Self) -> Self {
        x.isNaN ? x : (x > 0 ? 1 : 0)
    }

    @inlinable @inline(__always)
    public static func min(_ x: Self, _ y: Self) -> Self {
        x.isNaN || y.isNaN ? .nan : Swift.min(x, y)
    }

    @inlinable @inline(__always)
    public static func max(_ x: Self, _ y: Self) -> Self {
        x.isNaN || y.isNaN ? .nan : Swift.max(x, y)
    }
}

extension DifferentiableScalar {
    @inlinable @inline(__always)
    public static func sinAndCos(_ x: Self) -> (sin: Self, cos: Self) { (sin(x), cos(x)) }
}

extension Double: DifferentiableScalar {
    @inlinable @inline(__always)
    public static func sinAndCos(_ x: Double) -> (sin: Double, cos: Double) {
        var s = 0.0, c = 0.0
        nabla_sincos(x, &s, &c)
        return (s, c)
    }
}

extension Float: DifferentiableScalar {
    @inlinable @inline(__always)
    public static func sinAndCos(_ x: Float) -> (sin: Float, cos: Float) {
        var s: Float = 0, c: Float = 0
        nabla_sincosf(x, &s, &c)
        return (s, c)
    }
}
