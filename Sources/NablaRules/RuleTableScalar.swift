import RealModule

/// A scalar whose every operation goes through the rule table.
///
/// Nabla's derived scalars (the complex-step number, and later dual numbers,
/// tape variables and symbolic expressions) implement just two functions,
/// ``applying(_:to:)`` and ``applying(_:to:_:)``; this extension turns them
/// into the whole of ``DifferentiableScalar``. A new elementary function is
/// therefore added in one place, the table, and every engine gets it.
public protocol RuleTableScalar: DifferentiableScalar {
    /// Applies a one-argument entry of the rule table.
    static func applying(_ operation: UnaryOperation, to x: Self) -> Self
    /// Applies a two-argument entry of the rule table.
    static func applying(_ operation: BinaryOperation, to x: Self, _ y: Self) -> Self
}

extension RuleTableScalar {
    @inlinable @inline(__always)
    public static func + (lhs: Self, rhs: Self) -> Self { applying(.add, to: lhs, rhs) }
    @inlinable @inline(__always)
    public static func - (lhs: Self, rhs: Self) -> Self { applying(.subtract, to: lhs, rhs) }
    @inlinable @inline(__always)
    public static func * (lhs: Self, rhs: Self) -> Self { applying(.multiply, to: lhs, rhs) }
    @inlinable @inline(__always)
    public static func / (lhs: Self, rhs: Self) -> Self { applying(.divide, to: lhs, rhs) }
    @inlinable @inline(__always)
    public static prefix func - (operand: Self) -> Self { applying(.negate, to: operand) }
    @inlinable @inline(__always)
    public static func += (lhs: inout Self, rhs: Self) { lhs = lhs + rhs }
    @inlinable @inline(__always)
    public static func -= (lhs: inout Self, rhs: Self) { lhs = lhs - rhs }
    @inlinable @inline(__always)
    public static func *= (lhs: inout Self, rhs: Self) { lhs = lhs * rhs }
    @inlinable @inline(__always)
    public static func /= (lhs: inout Self, rhs: Self) { lhs = lhs / rhs }

    @inlinable @inline(__always)
    public static func pow(_ x: Self, _ y: Self) -> Self { applying(.power, to: x, y) }
    @inlinable @inline(__always)
    public static func pow(_ x: Self, _ n: Int) -> Self { applying(.power(n), to: x) }
    @inlinable @inline(__always)
    public static func root(_ x: Self, _ n: Int) -> Self { applying(.root(n), to: x) }
    @inlinable @inline(__always)
    public static func sqrt(_ x: Self) -> Self { applying(.sqrt, to: x) }
    @inlinable @inline(__always)
    public static func exp(_ x: Self) -> Self { applying(.exp, to: x) }
    @inlinable @inline(__always)
    public static func expMinusOne(_ x: Self) -> Self { applying(.expm1, to: x) }
    @inlinable @inline(__always)
    public static func log(_ x: Self) -> Self { applying(.log, to: x) }
    @inlinable @inline(__always)
    public static func log(onePlus x: Self) -> Self { applying(.log1p, to: x) }
    @inlinable @inline(__always)
    public static func sin(_ x: Self) -> Self { applying(.sin, to: x) }
    @inlinable @inline(__always)
    public static func cos(_ x: Self) -> Self { applying(.cos, to: x) }
    @inlinable @inline(__always)
    public static func tan(_ x: Self) -> Self { applying(.tan, to: x) }
    @inlinable @inline(__always)
    public static func asin(_ x: Self) -> Self { applying(.asin, to: x) }
    @inlinable @inline(__always)
    public static func acos(_ x: Self) -> Self { applying(.acos, to: x) }
    @inlinable @inline(__always)
    public static func atan(_ x: Self) -> Self { applying(.atan, to: x) }
    @inlinable @inline(__always)
    public static func sinh(_ x: Self) -> Self { applying(.sinh, to: x) }
    @inlinable @inline(__always)
    public static func cosh(_ x: Self) -> Self { applying(.cosh, to: x) }
    @inlinable @inline(__always)
    public static func tanh(_ x: Self) -> Self { applying(.tanh, to: x) }
    @inlinable @inline(__always)
    public static func asinh(_ x: Self) -> Self { applying(.asinh, to: x) }
    @inlinable @inline(__always)
    public static func acosh(_ x: Self) -> Self { applying(.acosh, to: x) }
    @inlinable @inline(__always)
    public static func atanh(_ x: Self) -> Self { applying(.atanh, to: x) }
    @inlinable @inline(__always)
    public static func erf(_ x: Self) -> Self { applying(.erf, to: x) }
    @inlinable @inline(__always)
    public static func sigmoid(_ x: Self) -> Self { applying(.sigmoid, to: x) }
    @inlinable @inline(__always)
    public static func softplus(_ x: Self) -> Self { applying(.softplus, to: x) }
    @inlinable @inline(__always)
    public static func relu(_ x: Self) -> Self { applying(.relu, to: x) }
    @inlinable @inline(__always)
    public static func abs(_ x: Self) -> Self { applying(.abs, to: x) }
    @inlinable @inline(__always)
    public static func sign(_ x: Self) -> Self { applying(.sign, to: x) }
    @inlinable @inline(__always)
    public static func step(_ x: Self) -> Self { applying(.step, to: x) }
    @inlinable @inline(__always)
    public static func atan2(y: Self, x: Self) -> Self { applying(.atan2, to: y, x) }
    @inlinable @inline(__always)
    public static func hypot(_ x: Self, _ y: Self) -> Self { applying(.hypot, to: x, y) }
    @inlinable @inline(__always)
    public static func min(_ x: Self, _ y: Self) -> Self { applying(.min, to: x, y) }
    @inlinable @inline(__always)
    public static func max(_ x: Self, _ y: Self) -> Self { applying(.max, to: x, y) }
}
