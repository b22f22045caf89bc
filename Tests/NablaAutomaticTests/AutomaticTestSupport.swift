import NablaForward
import NablaNumerical
import NablaReverse
import NablaRules
import Testing

// Shared points, references and comparisons for the forward- and reverse-mode
// tests. The case lists are copied from Tests/NablaRulesTests/RuleCases.swift
// (test targets cannot import each other); keep the two in step.

/// One unary entry of the rule table and the points where it is checked.
///
/// Every point is a dyadic rational (exact in Float and Double), inside the
/// domain and away from kinks, poles and branch cuts by more than the largest
/// step the adaptive finite-difference reference takes there.
struct AutomaticUnaryCase: Sendable, CustomStringConvertible {
    let operation: UnaryOperation
    let points: [Double]

    var description: String {
        switch operation {
        case .negate: return "negate"
        case .power(let n): return "power(\(n))"
        case .root(let n): return "root(\(n))"
        default: return operation.name
        }
    }
}

/// One binary entry of the rule table and the (x, y) points where it is
/// checked; for `atan2` x is the y coordinate (the first operand).
struct AutomaticBinaryCase: Sendable, CustomStringConvertible {
    let operation: BinaryOperation
    let points: [(Double, Double)]

    var description: String { "\(operation)" }
}

enum AutomaticRuleCases {
    /// Every unary entry the tests must cover: every named function, negation,
    /// the integer powers -3...4 and the square and cube roots.
    static let requiredUnary: [UnaryOperation] =
        UnaryOperation.namedFunctions + [.negate] + (-3...4).map { .power($0) } + [.root(2), .root(3)]

    static let unary: [AutomaticUnaryCase] = [
        AutomaticUnaryCase(operation: .negate, points: [-2.5, -0.5, 0, 0.75, 3]),
    ] + (-3...4).map {
        // Negative bases too: the integer power is defined for every x ≠ 0.
        AutomaticUnaryCase(operation: .power($0), points: [-2.5, -0.75, 0.5, 1.25, 3])
    } + [
        AutomaticUnaryCase(operation: .root(2), points: [0.25, 1.5, 4, 9.5]),
        // An odd root is defined for negative x.
        AutomaticUnaryCase(operation: .root(3), points: [-8, -2.5, -0.5, 0.5, 2.5, 27]),
        AutomaticUnaryCase(operation: .sqrt, points: [0.25, 1.5, 4, 10]),
        AutomaticUnaryCase(operation: .exp, points: [-3, -0.5, 0, 1.25, 5]),
        AutomaticUnaryCase(operation: .expm1, points: [-3, -0.5, 0, 0.0009765625, 1.25, 5]),
        AutomaticUnaryCase(operation: .log, points: [0.125, 0.5, 1, 2.5, 100]),
        AutomaticUnaryCase(operation: .log1p, points: [-0.75, -0.25, 0, 0.5, 3]),
        AutomaticUnaryCase(operation: .sin, points: [-2.5, -1, 0, 0.5, 1.25, 4]),
        AutomaticUnaryCase(operation: .cos, points: [-2.5, -1, 0, 0.5, 1.25, 4]),
        AutomaticUnaryCase(operation: .tan, points: [-2.5, -1, 0, 0.5, 1.25]),
        AutomaticUnaryCase(operation: .asin, points: [-0.875, -0.25, 0, 0.5, 0.875]),
        AutomaticUnaryCase(operation: .acos, points: [-0.875, -0.25, 0, 0.5, 0.875]),
        AutomaticUnaryCase(operation: .atan, points: [-3, -0.5, 0, 1, 10]),
        AutomaticUnaryCase(operation: .sinh, points: [-2, -0.5, 0, 0.75, 3]),
        AutomaticUnaryCase(operation: .cosh, points: [-2, -0.5, 0, 0.75, 3]),
        AutomaticUnaryCase(operation: .tanh, points: [-2, -0.5, 0, 0.75, 2]),
        AutomaticUnaryCase(operation: .asinh, points: [-5, -0.5, 0, 1, 10]),
        AutomaticUnaryCase(operation: .acosh, points: [1.25, 2, 5, 50]),
        AutomaticUnaryCase(operation: .atanh, points: [-0.875, -0.25, 0, 0.5, 0.875]),
        AutomaticUnaryCase(operation: .erf, points: [-2, -0.5, 0, 0.75, 2.5]),
        AutomaticUnaryCase(operation: .sigmoid, points: [-10, -1, 0, 0.5, 4]),
        AutomaticUnaryCase(operation: .softplus, points: [-20, -1, 0, 1.5, 30]),
        // Piecewise functions: away from the jump or kink at 0 (the
        // conventions there are tested in NablaRulesTests).
        AutomaticUnaryCase(operation: .relu, points: [-2, -0.5, 0.5, 3]),
        AutomaticUnaryCase(operation: .abs, points: [-2, -0.5, 0.5, 3]),
        AutomaticUnaryCase(operation: .sign, points: [-2, -0.5, 0.5, 3]),
        AutomaticUnaryCase(operation: .step, points: [-2, -0.5, 0.5, 3]),
    ]

    static let binary: [AutomaticBinaryCase] = [
        AutomaticBinaryCase(operation: .add, points: [(1.5, -2.5), (-0.75, 0.5), (3, 4), (0, 2)]),
        AutomaticBinaryCase(operation: .subtract, points: [(1.5, -2.5), (-0.75, 0.5), (3, 4), (0, 2)]),
        AutomaticBinaryCase(operation: .multiply, points: [(1.5, -2.5), (-0.75, 0.5), (3, 4), (0, 2)]),
        AutomaticBinaryCase(operation: .divide, points: [(1.5, -2.5), (-0.75, 0.5), (3, 4), (0, 2)]),
        // The real power needs x > 0.
        AutomaticBinaryCase(operation: .power, points: [(0.5, 2.5), (1.5, -1.25), (3, 0.5), (2, 3), (0.25, 0)]),
        // Away from the origin and from the branch cut (first operand 0,
        // second negative).
        AutomaticBinaryCase(operation: .atan2, points: [(1, 2), (-1.5, -0.5), (0.5, -2), (-3, 4), (2, 0)]),
        AutomaticBinaryCase(operation: .hypot, points: [(3, 4), (-1.5, 0.5), (0.25, -2), (0, 1)]),
        // No ties (the tie convention is tested in NablaRulesTests).
        AutomaticBinaryCase(operation: .min, points: [(1.5, -2.5), (-0.75, 0.5), (3, 4), (-2, -1)]),
        AutomaticBinaryCase(operation: .max, points: [(1.5, -2.5), (-0.75, 0.5), (3, 4), (-2, -1)]),
    ]
}

/// |a - b| ≤ relative·max(|a|, |b|) + absolute, and neither is NaN (equal
/// infinities count as close).
func automaticIsClose<T: BinaryFloatingPoint>(_ a: T, _ b: T, relative: T, absolute: T = 0) -> Bool {
    guard !a.isNaN, !b.isNaN else { return false }
    if a == b { return true }
    return (a - b).magnitude <= relative * Swift.max(a.magnitude, b.magnitude) + absolute
}

/// Element-wise ``automaticIsClose(_:_:relative:absolute:)``; the shapes must match.
func automaticIsClose<T: BinaryFloatingPoint>(_ a: [T], _ b: [T], relative: T, absolute: T = 0) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { automaticIsClose($0, $1, relative: relative, absolute: absolute) }
}

func automaticIsClose<T: BinaryFloatingPoint>(_ a: [[T]], _ b: [[T]], relative: T, absolute: T = 0) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { automaticIsClose($0, $1, relative: relative, absolute: absolute) }
}

/// High-accuracy finite-difference references in Double (adaptive Richardson
/// extrapolation, about 1e-13 relative for first derivatives), required to
/// report `.converged`.
enum FiniteDifferenceReference {
    static func derivative(_ g: (Double) -> Double, at x: Double, order: Int = 1,
                           sourceLocation: SourceLocation = #_sourceLocation) throws -> Double {
        let estimate = try numericalDerivative(of: g, at: x, order: order)
        try #require(estimate.status == .converged,
                     "order-\(order) reference did not converge at x = \(x): \(estimate.status)",
                     sourceLocation: sourceLocation)
        return estimate.value
    }

    /// f″(x) by the adaptive order-2 difference. Its default tolerance,
    /// 1.6e-10 relative, is at the edge of what an order-2 difference reaches
    /// in Double, and near steep points (asin and acos at ±0.875, the cube
    /// root at ±0.5) rounding noise stops it just short, with an error
    /// estimate of ~4e-10 relative. Such an estimate is accepted when the
    /// estimate itself is below 1e-9·max(1, |f″|): 100 times inside the
    /// 1e-7 the second-derivative tests allow.
    static func secondDerivative(_ g: (Double) -> Double, at x: Double,
                                 sourceLocation: SourceLocation = #_sourceLocation) throws -> Double {
        let estimate = try numericalDerivative(of: g, at: x, order: 2)
        if estimate.status != .converged {
            try #require(estimate.status == .notConverged(.toleranceNotReached)
                         && estimate.errorEstimate <= 1e-9 * Swift.max(1, estimate.value.magnitude),
                         "order-2 reference failed at x = \(x): \(estimate.status), error \(estimate.errorEstimate)",
                         sourceLocation: sourceLocation)
        }
        return estimate.value
    }

    static func gradient(_ f: ([Double]) -> Double, at x: [Double],
                         sourceLocation: SourceLocation = #_sourceLocation) throws -> [Double] {
        let estimate = try numericalGradient(of: f, at: x)
        try #require(estimate.status == .converged, "gradient reference did not converge at \(x): \(estimate.status)",
                     sourceLocation: sourceLocation)
        return estimate.value
    }

    static func jacobian(_ f: ([Double]) -> [Double], at x: [Double],
                         sourceLocation: SourceLocation = #_sourceLocation) throws -> [[Double]] {
        let estimate = try numericalJacobian(of: f, at: x)
        try #require(estimate.status == .converged, "Jacobian reference did not converge at \(x): \(estimate.status)",
                     sourceLocation: sourceLocation)
        return estimate.value
    }

    static func hessian(_ f: ([Double]) -> Double, at x: [Double],
                        sourceLocation: SourceLocation = #_sourceLocation) throws -> [[Double]] {
        let estimate = try numericalHessian(of: f, at: x)
        try #require(estimate.status == .converged, "Hessian reference did not converge at \(x): \(estimate.status)",
                     sourceLocation: sourceLocation)
        return estimate.value
    }
}

/// The Hessian by forward over forward: a `Dual<Dual<T>>` seeded with eᵢ in
/// the inner tangent and eⱼ in the outer one gives ∂²f/∂xᵢ∂xⱼ (n² sweeps; a
/// cross-check of the forward-over-reverse `hessian(of:at:)`).
func forwardOverForwardHessian<T: DifferentiableScalar>(
    of f: ([Dual<Dual<T>>]) -> Dual<Dual<T>>, at x: [T]
) -> [[T]] {
    x.indices.map { i in
        x.indices.map { j in
            let point = x.indices.map { k in
                Dual(value: Dual(value: x[k], tangent: k == i ? 1 : 0),
                     tangent: Dual(value: k == j ? 1 : 0, tangent: 0))
            }
            return f(point).tangent.tangent
        }
    }
}
