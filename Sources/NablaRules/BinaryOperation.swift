import RealModule

/// The two-argument entries of Nabla's rule table: value and both partial
/// derivatives, written once with the generic operations of
/// ``DifferentiableScalar``. See ``UnaryOperation`` for how engines use it.
///
/// Conventions where a partial derivative is undefined:
/// - `min` and `max` at a tie split the derivative equally (½ each), as
///   PyTorch's `minimum`/`maximum` do; the rule is written with
///   ``DifferentiableScalar/sign(_:)`` of the difference.
/// - `power` (a real exponent, x ≥ 0): at x = 0 the partial in x is
///   y·0^(y-1) (∞ for 0 < y < 1, NaN for y = 0) and the partial in y is
///   0·log 0 = NaN; PyTorch masks some of these to 0. Write integer
///   exponents as ``UnaryOperation/power(_:)``, which is defined everywhere.
/// - `hypot` and `atan2` at (0, 0): NaN (0/0), as in PyTorch.
public enum BinaryOperation: Hashable, Sendable, CaseIterable {
    case add
    case subtract
    case multiply
    case divide
    /// x^y for real y (x ≥ 0; NaN for x < 0, as in swift-numerics).
    case power
    /// atan2(y, x): the first operand is the y coordinate.
    case atan2
    case hypot
    case min
    case max

    /// The binary functions a formula calls by name (`atan2(y, x)`, ...).
    public static let namedFunctions: [BinaryOperation] = [.power, .atan2, .hypot, .min, .max]

    /// The operator symbol or function name (`+`, `pow`, `atan2`, ...).
    public var name: String {
        switch self {
        case .add: return "+"
        case .subtract: return "-"
        case .multiply: return "*"
        case .divide: return "/"
        case .power: return "pow"
        case .atan2: return "atan2"
        case .hypot: return "hypot"
        case .min: return "min"
        case .max: return "max"
        }
    }

    /// The named binary function called `name` in a formula, if there is one.
    public init?(named name: String) {
        guard let op = Self.namedFunctions.first(where: { $0.name == name }) else { return nil }
        self = op
    }

    /// f(x, y), computed by the scalar type's own operation.
    @inlinable @inline(__always)
    public func value<T: DifferentiableScalar>(_ x: T, _ y: T) -> T {
        switch self {
        case .add: return x + y
        case .subtract: return x - y
        case .multiply: return x * y
        case .divide: return x / y
        case .power: return T.pow(x, y)
        case .atan2: return T.atan2(y: x, x: y)
        case .hypot: return T.hypot(x, y)
        case .min: return T.min(x, y)
        case .max: return T.max(x, y)
        }
    }

    /// (∂f/∂x, ∂f/∂y) at (x, y), given the already computed value z = f(x, y).
    @inlinable @inline(__always)
    public func partials<T: DifferentiableScalar>(at x: T, _ y: T, value z: T) -> (T, T) {
        switch self {
        case .add: return (1, 1)
        case .subtract: return (1, -1)
        case .multiply: return (y, x)
        case .divide: return (1 / y, -z / y)
        case .power: return (y * T.pow(x, y - 1), z * T.log(x))
        case .atan2:
            let r2 = x * x + y * y
            return (y / r2, -x / r2)
        case .hypot: return (x / z, y / z)
        case .min:
            let s = T.sign(x - y)
            return ((1 - s) / 2, (1 + s) / 2)
        case .max:
            let s = T.sign(x - y)
            return ((1 + s) / 2, (1 - s) / 2)
        }
    }
}
