import NablaRules
import RealModule

/// A dual number a + b·ε with ε² = 0: a value and its tangent (directional
/// derivative), carried together through every operation — forward-mode
/// automatic differentiation.
///
/// Every operation comes from the rule table: f(a + bε) = f(a) + f′(a)·b·ε,
/// with f′ from ``UnaryOperation/derivative(at:value:)``. `Dual` is itself a
/// ``DifferentiableScalar``, so duals nest: a `Dual<Dual<Double>>` carries
/// second derivatives, and a reverse-mode tape of duals gives Hessian-vector
/// products.
///
/// ```swift
/// @inlinable func f<T: DifferentiableScalar>(_ x: T) -> T { T.sin(x) * x }
/// derivative(of: f, at: 2.0)          // sin 2 + 2 cos 2
/// secondDerivative(of: f, at: 2.0)    // 2 cos 2 - 2 sin 2
/// ```
///
/// Equality compares values only (as comparisons in user code expect); the
/// tangent is not part of identity.
@frozen
public struct Dual<T: DifferentiableScalar>: RuleTableScalar {
    /// The value a.
    public var value: T
    /// The tangent b: the derivative of the value along the seeded direction.
    public var tangent: T

    @inlinable @inline(__always)
    public init(value: T, tangent: T) {
        self.value = value
        self.tangent = tangent
    }

    /// A constant: tangent 0.
    @inlinable @inline(__always)
    public init(_ value: Double) { self.init(value: T(value), tangent: 0) }

    @inlinable @inline(__always)
    public init(integerLiteral value: Int) { self.init(value: T(Double(value)), tangent: 0) }

    @inlinable @inline(__always)
    public init(floatLiteral value: Double) { self.init(value: T(value), tangent: 0) }

    @inlinable public static var zero: Self { Self(value: 0, tangent: 0) }
    @inlinable public static var pi: Self { Self(value: T.pi, tangent: 0) }
    @inlinable public var isFinite: Bool { value.isFinite && tangent.isFinite }

    @inlinable @inline(__always)
    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.value == rhs.value }

    @inlinable @inline(__always)
    public static func applying(_ operation: UnaryOperation, to x: Self) -> Self {
        let (y, d) = operation.valueAndDerivative(x.value)
        return Self(value: y, tangent: d * x.tangent)
    }

    @inlinable @inline(__always)
    public static func applying(_ operation: BinaryOperation, to x: Self, _ y: Self) -> Self {
        let z = operation.value(x.value, y.value)
        let (dx, dy) = operation.partials(at: x.value, y.value, value: z)
        if operation == .power {
            // A constant exponent contributes nothing, even where its partial
            // z·log x is NaN (x = 0): x^0.5 at 0 must give +∞, not NaN.
            // Mask only a non-finite partial: `==` compares values, so in a
            // Dual<Dual> a tangent Dual(0, 2) (an argument whose first
            // derivative vanishes but whose second does not, x² + 1 at 0)
            // compares equal to 0 and must still be propagated.
            let fromX = x.tangent == 0 && !dx.isFinite ? 0 : dx * x.tangent
            let fromY = y.tangent == 0 && !dy.isFinite ? 0 : dy * y.tangent
            return Self(value: z, tangent: fromX + fromY)
        }
        return Self(value: z, tangent: dx * x.tangent + dy * y.tangent)
    }
}

extension Dual: CustomStringConvertible {
    public var description: String { "\(value) + \(tangent)ε" }
}

extension Dual: Sendable where T: Sendable {}
