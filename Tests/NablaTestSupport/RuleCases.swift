import NablaRules

// Shared by the test targets (a test target cannot import another).

/// The points at which each entry of the rule table is checked.
///
/// Every point is a dyadic rational (exactly representable in Float as well
/// as Double), lies inside the function's domain and keeps away from kinks,
/// poles and branch cuts by more than the largest step the adaptive
/// finite-difference reference takes there. Points are also kept away from
/// saturation where a rule written in terms of the value y loses *relative*
/// accuracy (tanh' = 1 - y², sigmoid' = y(1 - y) for |x| ≳ 3 in Float); that
/// loss is checked separately, in absolute terms, by
/// `saturatedDerivativesAreAccurateInAbsoluteTerms`.
public struct UnaryCase: Sendable, CustomStringConvertible {
    public let operation: UnaryOperation
    public let points: [Double]

    public var description: String {
        switch operation {
        case .negate: return "negate"
        case .power(let n): return "power(\(n))"
        case .root(let n): return "root(\(n))"
        default: return operation.name
        }
    }
}

public struct BinaryCase: Sendable, CustomStringConvertible {
    public let operation: BinaryOperation
    public let points: [(Double, Double)]

    public var description: String { "\(operation)" }
}

public enum RuleCases {
    /// The unary entries the tests must cover: every named function, negation,
    /// the integer powers -3...4 and the square and cube roots.
    public static let requiredUnary: [UnaryOperation] =
        UnaryOperation.namedFunctions + [.negate] + (-3...4).map { .power($0) } + [.root(2), .root(3)]

    public static let unary: [UnaryCase] = [
        UnaryCase(operation: .negate, points: [-2.5, -0.5, 0, 0.75, 3]),
    ] + (-3...4).map {
        // Negative bases too: the integer power is defined for every x ≠ 0.
        UnaryCase(operation: .power($0), points: [-2.5, -0.75, 0.5, 1.25, 3])
    } + [
        UnaryCase(operation: .root(2), points: [0.25, 1.5, 4, 9.5]),
        // An odd root is defined for negative x.
        UnaryCase(operation: .root(3), points: [-8, -2.5, -0.5, 0.5, 2.5, 27]),
        UnaryCase(operation: .sqrt, points: [0.25, 1.5, 4, 10]),
        UnaryCase(operation: .exp, points: [-3, -0.5, 0, 1.25, 5]),
        UnaryCase(operation: .expm1, points: [-3, -0.5, 0, 0.0009765625, 1.25, 5]),
        UnaryCase(operation: .log, points: [0.125, 0.5, 1, 2.5, 100]),
        UnaryCase(operation: .log1p, points: [-0.75, -0.25, 0, 0.5, 3]),
        UnaryCase(operation: .sin, points: [-2.5, -1, 0, 0.5, 1.25, 4]),
        UnaryCase(operation: .cos, points: [-2.5, -1, 0, 0.5, 1.25, 4]),
        UnaryCase(operation: .tan, points: [-2.5, -1, 0, 0.5, 1.25]),
        UnaryCase(operation: .asin, points: [-0.875, -0.25, 0, 0.5, 0.875]),
        UnaryCase(operation: .acos, points: [-0.875, -0.25, 0, 0.5, 0.875]),
        UnaryCase(operation: .atan, points: [-3, -0.5, 0, 1, 10]),
        UnaryCase(operation: .sinh, points: [-2, -0.5, 0, 0.75, 3]),
        UnaryCase(operation: .cosh, points: [-2, -0.5, 0, 0.75, 3]),
        UnaryCase(operation: .tanh, points: [-2, -0.5, 0, 0.75, 2]),
        UnaryCase(operation: .asinh, points: [-5, -0.5, 0, 1, 10]),
        UnaryCase(operation: .acosh, points: [1.25, 2, 5, 50]),
        UnaryCase(operation: .atanh, points: [-0.875, -0.25, 0, 0.5, 0.875]),
        UnaryCase(operation: .erf, points: [-2, -0.5, 0, 0.75, 2.5]),
        UnaryCase(operation: .sigmoid, points: [-10, -1, 0, 0.5, 4]),
        UnaryCase(operation: .softplus, points: [-20, -1, 0, 1.5, 30]),
        // Piecewise functions: away from the jump or kink at 0 (conventions
        // there are tested separately).
        UnaryCase(operation: .relu, points: [-2, -0.5, 0.5, 3]),
        UnaryCase(operation: .abs, points: [-2, -0.5, 0.5, 3]),
        UnaryCase(operation: .sign, points: [-2, -0.5, 0.5, 3]),
        UnaryCase(operation: .step, points: [-2, -0.5, 0.5, 3]),
    ]

    /// (x, y) pairs; for `atan2` x is the y coordinate (the first operand).
    public static let binary: [BinaryCase] = [
        BinaryCase(operation: .add, points: [(1.5, -2.5), (-0.75, 0.5), (3, 4), (0, 2)]),
        BinaryCase(operation: .subtract, points: [(1.5, -2.5), (-0.75, 0.5), (3, 4), (0, 2)]),
        BinaryCase(operation: .multiply, points: [(1.5, -2.5), (-0.75, 0.5), (3, 4), (0, 2)]),
        BinaryCase(operation: .divide, points: [(1.5, -2.5), (-0.75, 0.5), (3, 4), (0, 2)]),
        // The real power needs x > 0.
        BinaryCase(operation: .power, points: [(0.5, 2.5), (1.5, -1.25), (3, 0.5), (2, 3), (0.25, 0)]),
        // Away from the origin and from the branch cut (first operand 0,
        // second negative).
        BinaryCase(operation: .atan2, points: [(1, 2), (-1.5, -0.5), (0.5, -2), (-3, 4), (2, 0)]),
        BinaryCase(operation: .hypot, points: [(3, 4), (-1.5, 0.5), (0.25, -2), (0, 1)]),
        // No ties (the tie convention is tested separately).
        BinaryCase(operation: .min, points: [(1.5, -2.5), (-0.75, 0.5), (3, 4), (-2, -1)]),
        BinaryCase(operation: .max, points: [(1.5, -2.5), (-0.75, 0.5), (3, 4), (-2, -1)]),
    ]
}

/// |a - b| ≤ relative·max(|a|, |b|) + absolute, and neither is NaN.
public func isClose<T: BinaryFloatingPoint>(_ a: T, _ b: T, relative: T, absolute: T = 0) -> Bool {
    guard !a.isNaN, !b.isNaN else { return false }
    if a == b { return true }  // equal infinities too
    return (a - b).magnitude <= relative * Swift.max(a.magnitude, b.magnitude) + absolute
}
