import ComplexModule
import NablaRules
import RealModule

/// A complex number x + i·h used for the complex-step derivative.
///
/// For a real-analytic f and a tiny h, f(x + ih) = f(x) + ih·f′(x) + O(h²), so
/// f′(x) = Im f(x + ih) / h with no subtraction and therefore no cancellation:
/// one evaluation gives the derivative to machine precision.
/// See ``complexStepDerivative(of:at:step:)``.
///
/// Arithmetic and the analytic elementary functions are swift-numerics'
/// `Complex` operations, except sinh, cosh and tanh, written out here because
/// swift-numerics loses the tiny imaginary part of those for large |x|.
/// Functions that have no analytic continuation (`abs`, `relu`, `sign`,
/// `step`, `min`, `max`) compare real parts, as the complex-step literature
/// prescribes ("complexified" functions), and follow the rule table's
/// conventions at 0 and at ties; NaN propagates. Functions
/// whose complex form swift-numerics does not provide, or does not compute
/// accurately for imaginary parts near 1e-154 (`erf`, `atan2`, `hypot`,
/// `sigmoid`, `softplus`, integer powers and roots of negative numbers, the
/// inverse trigonometric and hyperbolic functions), use their first-order
/// expansion f(a) + i·b·f′(a) from the rule table, which is exact at the
/// imaginary parts the complex step uses. Do not use this type as a general
/// complex number.
@frozen
public struct ComplexStep<T: Real & DifferentiableScalar>: RuleTableScalar {
    /// The complex value.
    public var complex: Complex<T>

    @inlinable
    public init(_ complex: Complex<T>) { self.complex = complex }

    @inlinable
    public init(real: T, imaginary: T) { complex = Complex(real, imaginary) }

    // The raw parts, not `Complex.real`/`.imaginary`: those turn every
    // non-finite number into NaN (swift-numerics has a single point at
    // infinity), which would make sqrt′(0) = +∞ read as NaN and the finite
    // value sqrt(0) = 0 read as NaN too. Here the parts are two reals.
    @inlinable public var real: T { complex.rawStorage.x }
    @inlinable public var imaginary: T { complex.rawStorage.y }

    @inlinable public init(_ value: Double) { complex = Complex(T(value), 0) }
    @inlinable public init(integerLiteral value: Int) { complex = Complex(T(Double(value)), 0) }
    @inlinable public init(floatLiteral value: Double) { complex = Complex(T(value), 0) }

    @inlinable public static var zero: Self { Self(Complex<T>.zero) }
    @inlinable public static var pi: Self { Self(real: T.pi, imaginary: 0) }
    @inlinable public var isFinite: Bool { real.isFinite && imaginary.isFinite }

    @inlinable
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.real == rhs.real && lhs.imaginary == rhs.imaginary
    }

    /// f(a) + i·b·f′(a): the first-order expansion, exact for tiny b.
    @inlinable
    static func firstOrder(_ operation: UnaryOperation, _ x: Self) -> Self {
        let y = operation.value(x.real)
        if x.imaginary == 0 { return Self(real: y, imaginary: 0) }
        return Self(real: y, imaginary: x.imaginary * operation.derivative(at: x.real, value: y))
    }

    @inlinable
    public static func applying(_ operation: UnaryOperation, to x: Self) -> Self {
        let z = x.complex
        switch operation {
        case .negate: return Self(-z)
        case .power(let n):
            // Repeated squaring: swift-numerics computes exp(n·log z), which
            // loses the tiny imaginary part for negative real parts.
            if x.real < 0 { return firstOrder(operation, x) }
            var result = Complex<T>.one
            var base = n < 0 ? Complex<T>.one / z : z
            var k = n.magnitude
            while k > 0 {
                if k & 1 == 1 { result = result * base }
                base = base * base
                k >>= 1
            }
            return Self(result)
        case .sqrt: return x.real > 0 ? Self(Complex.sqrt(z)) : firstOrder(operation, x)
        case .exp: return Self(Complex.exp(z))
        case .expm1: return Self(Complex.expMinusOne(z))
        case .log: return x.real > 0 ? Self(Complex.log(z)) : firstOrder(operation, x)
        case .log1p: return x.real > -1 ? Self(Complex.log(onePlus: z)) : firstOrder(operation, x)
        case .sin: return Self(Complex.sin(z))
        case .cos: return Self(Complex.cos(z))
        case .tan: return Self(Complex.tan(z))
        // The hyperbolic functions are written out: swift-numerics' complex
        // sinh and cosh give the imaginary part the wrong sign for real
        // parts below -36 (where they switch to exp(|x|)/2), and its tanh,
        // sinh(z)/cosh(z), cancels in the imaginary part (cosh² - sinh² = 1,
        // 2e-5 relative error at x = 13) and returns 0 beyond |x| = 36.
        case .sinh:
            return Self(real: T.sinh(x.real) * T.cos(x.imaginary), imaginary: T.cosh(x.real) * T.sin(x.imaginary))
        case .cosh:
            return Self(real: T.cosh(x.real) * T.cos(x.imaginary), imaginary: T.sinh(x.real) * T.sin(x.imaginary))
        case .tanh:
            // tanh(a + ib) = (tanh a + i sin b cos b / cosh²a) / (tanh²a + cos²b / cosh²a):
            // no cancellation, and no overflow for large |a| (cosh a = ∞ gives ±1 + 0i).
            let t = T.tanh(x.real), c = T.cosh(x.real)
            let r = T.cos(x.imaginary) / c
            let d = t * t + r * r
            return Self(real: t / d, imaginary: T.sin(x.imaginary) * r / c / d)
        // At 0 (and for NaN) the table's convention: relu′(0) = abs′(0) = 0.
        case .relu: return x.real > 0 ? x : firstOrder(operation, x)
        case .abs: return x.real < 0 ? Self(-z) : (x.real > 0 ? x : firstOrder(operation, x))
        case .sign, .step:
            return Self(real: operation.value(x.real), imaginary: 0)
        case .root, .asin, .acos, .atan, .asinh, .acosh, .atanh, .erf, .sigmoid, .softplus:
            return firstOrder(operation, x)
        }
    }

    @inlinable
    public static func applying(_ operation: BinaryOperation, to x: Self, _ y: Self) -> Self {
        switch operation {
        case .add: return Self(x.complex + y.complex)
        case .subtract: return Self(x.complex - y.complex)
        case .multiply: return Self(x.complex * y.complex)
        case .divide: return Self(x.complex / y.complex)
        case .min, .max:
            if x.real.isNaN || y.real.isNaN {  // NaN propagates, as for Real
                return Self(real: .nan, imaginary: .nan)
            }
            if x.real == y.real {  // a tie: the average, as the rule table does
                return Self((x.complex + y.complex).divided(by: 2))
            }
            let xWins = (x.real < y.real) == (operation == .min)
            return xWins ? x : y
        case .power, .atan2, .hypot:
            let z = operation.value(x.real, y.real)
            let (dx, dy) = operation.partials(at: x.real, y.real, value: z)
            // A constant operand (imaginary part 0) contributes nothing, even
            // where its partial is infinite or NaN (the exponent at x = 0).
            let fromX = x.imaginary == 0 ? 0 : x.imaginary * dx
            let fromY = y.imaginary == 0 ? 0 : y.imaginary * dy
            return Self(real: z, imaginary: fromX + fromY)
        }
    }
}

extension ComplexStep: CustomStringConvertible {
    public var description: String { "\(real) + \(imaginary)i" }
}
