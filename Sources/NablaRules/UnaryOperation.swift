import RealModule

/// The one-argument entries of Nabla's rule table: each elementary function
/// with its value and its derivative, written once with the generic
/// operations of ``DifferentiableScalar``.
///
/// Every engine reads this table: finite differences check it, forward mode
/// pushes tangents with ``derivative(at:value:)``, reverse mode pulls adjoints
/// back with it, and the symbolic engine builds formulas from it. Because the
/// derivative is itself written with generic operations, running it on dual
/// numbers or symbols gives higher derivatives without new rules.
///
/// Conventions where the derivative is undefined follow PyTorch:
/// - `relu` at 0: 0 (the derivative is ``DifferentiableScalar/step(_:)``).
/// - `abs` at 0: 0 (the derivative is ``DifferentiableScalar/sign(_:)``).
/// - `sqrt` at 0: +∞ (1 / (2·√0)); `root(n)` at 0 likewise.
/// - `sign` and `step` have derivative 0 everywhere (their jump is ignored).
/// - `power(0)` has derivative 0 everywhere, x = 0 included.
public enum UnaryOperation: Hashable, Sendable {
    /// -x
    case negate
    /// xⁿ for an integer n (negative x allowed).
    case power(Int)
    /// The n-th root, x^(1/n).
    case root(Int)
    case sqrt
    case exp
    /// exp(x) - 1, accurate for small x.
    case expm1
    /// The natural logarithm.
    case log
    /// log(1 + x), accurate for small x.
    case log1p
    case sin, cos, tan
    case asin, acos, atan
    case sinh, cosh, tanh
    case asinh, acosh, atanh
    case erf
    case sigmoid
    case softplus
    case relu
    case abs
    case sign
    case step

    /// Every named function a formula can call, in the order a cheat sheet
    /// lists them. (`negate`, `power` and `root` are written with operators
    /// or take an integer and are not in this list.)
    public static let namedFunctions: [UnaryOperation] = [
        .sqrt, .exp, .expm1, .log, .log1p, .sin, .cos, .tan, .asin, .acos, .atan,
        .sinh, .cosh, .tanh, .asinh, .acosh, .atanh, .erf, .sigmoid, .softplus,
        .relu, .abs, .sign, .step,
    ]

    /// The function's name as a formula writes it (`sin`, `log1p`, ...);
    /// `-` for negation, `^n` for a power, `root_n` for a root.
    public var name: String {
        switch self {
        case .negate: return "-"
        case .power(let n): return "^\(n)"
        case .root(let n): return "root_\(n)"
        case .sqrt: return "sqrt"
        case .exp: return "exp"
        case .expm1: return "expm1"
        case .log: return "log"
        case .log1p: return "log1p"
        case .sin: return "sin"
        case .cos: return "cos"
        case .tan: return "tan"
        case .asin: return "asin"
        case .acos: return "acos"
        case .atan: return "atan"
        case .sinh: return "sinh"
        case .cosh: return "cosh"
        case .tanh: return "tanh"
        case .asinh: return "asinh"
        case .acosh: return "acosh"
        case .atanh: return "atanh"
        case .erf: return "erf"
        case .sigmoid: return "sigmoid"
        case .softplus: return "softplus"
        case .relu: return "relu"
        case .abs: return "abs"
        case .sign: return "sign"
        case .step: return "step"
        }
    }

    /// The named function called `name` in a formula, if there is one.
    public init?(named name: String) {
        guard let op = Self.namedFunctions.first(where: { $0.name == name }) else { return nil }
        self = op
    }

    /// f(x), computed by the scalar type's own function.
    @inlinable @inline(__always)
    public func value<T: DifferentiableScalar>(_ x: T) -> T {
        switch self {
        case .negate: return -x
        case .power(let n): return T.pow(x, n)
        case .root(let n): return T.root(x, n)
        case .sqrt: return T.sqrt(x)
        case .exp: return T.exp(x)
        case .expm1: return T.expMinusOne(x)
        case .log: return T.log(x)
        case .log1p: return T.log(onePlus: x)
        case .sin: return T.sin(x)
        case .cos: return T.cos(x)
        case .tan: return T.tan(x)
        case .asin: return T.asin(x)
        case .acos: return T.acos(x)
        case .atan: return T.atan(x)
        case .sinh: return T.sinh(x)
        case .cosh: return T.cosh(x)
        case .tanh: return T.tanh(x)
        case .asinh: return T.asinh(x)
        case .acosh: return T.acosh(x)
        case .atanh: return T.atanh(x)
        case .erf: return T.erf(x)
        case .sigmoid: return T.sigmoid(x)
        case .softplus: return T.softplus(x)
        case .relu: return T.relu(x)
        case .abs: return T.abs(x)
        case .sign: return T.sign(x)
        case .step: return T.step(x)
        }
    }

    /// f(x) and f′(x) together: the sine and cosine rules compute both from
    /// one argument reduction (``DifferentiableScalar/sinAndCos(_:)``), every
    /// other rule is ``value(_:)`` then ``derivative(at:value:)``.
    @inlinable @inline(__always)
    public func valueAndDerivative<T: DifferentiableScalar>(_ x: T) -> (value: T, derivative: T) {
        switch self {
        case .sin:
            let (s, c) = T.sinAndCos(x)
            return (s, c)
        case .cos:
            let (s, c) = T.sinAndCos(x)
            return (c, -s)
        default:
            let y = value(x)
            return (y, derivative(at: x, value: y))
        }
    }

    /// f′(x), given x and the already computed value y = f(x) (several rules
    /// are cheapest in terms of y: exp, tanh, sigmoid, sqrt).
    @inlinable @inline(__always)
    public func derivative<T: DifferentiableScalar>(at x: T, value y: T) -> T {
        switch self {
        case .negate: return -1
        case .power(let n): return n == 0 ? 0 : T(Double(n)) * T.pow(x, n - 1)
        case .root(let n): return 1 / (T(Double(n)) * T.pow(y, n - 1))
        case .sqrt: return 1 / (2 * y)
        case .exp: return y
        case .expm1: return y + 1
        case .log: return 1 / x
        case .log1p: return 1 / (1 + x)
        case .sin: return T.cos(x)
        case .cos: return -T.sin(x)
        case .tan: return 1 + y * y
        case .asin: return 1 / T.sqrt(1 - x * x)
        case .acos: return -1 / T.sqrt(1 - x * x)
        case .atan: return 1 / (1 + x * x)
        case .sinh: return T.cosh(x)
        case .cosh: return T.sinh(x)
        case .tanh: return 1 - y * y
        case .asinh: return 1 / T.sqrt(x * x + 1)
        case .acosh: return 1 / T.sqrt(x * x - 1)
        case .atanh: return 1 / (1 - x * x)
        case .erf: return 2 / T.sqrt(T.pi) * T.exp(-(x * x))
        case .sigmoid: return y * (1 - y)
        case .softplus: return T.sigmoid(x)
        case .relu: return T.step(x)
        case .abs: return T.sign(x)
        case .sign, .step: return 0
        }
    }
}
