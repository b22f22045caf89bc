/// A numerical derivative with what it cost and how far to trust it.
///
/// `Value` is the shape of the derivative: a scalar `T` for a derivative or a
/// partial derivative, `[T]` for a gradient, `[[T]]` for a Jacobian or a
/// Hessian. ``errorEstimate`` has the same shape, entry by entry.
public struct DerivativeEstimate<Value> {
    /// The derivative.
    public var value: Value
    /// An estimate of the absolute error of ``value``: the tableau spread of
    /// Richardson extrapolation, never below the rounding error of the
    /// function values used.
    public var errorEstimate: Value
    /// How many times the function was evaluated.
    public var evaluations: Int
    /// Whether the method reached its tolerance and, if not, why.
    public var status: DerivativeStatus

    @inlinable
    public init(value: Value, errorEstimate: Value, evaluations: Int, status: DerivativeStatus) {
        self.value = value
        self.errorEstimate = errorEstimate
        self.evaluations = evaluations
        self.status = status
    }
}

extension DerivativeEstimate: Sendable where Value: Sendable {}
extension DerivativeEstimate: Equatable where Value: Equatable {}

/// Whether a numerical derivative can be trusted.
public enum DerivativeStatus: Hashable, Sendable, CustomStringConvertible {
    /// The error estimate is within the requested tolerance.
    case converged
    /// The method stopped without reaching the tolerance; the value is the
    /// best it found and the error estimate says how good that is.
    case notConverged(NonConvergence)

    /// True for ``converged``.
    public var isConverged: Bool { self == .converged }

    public var description: String {
        switch self {
        case .converged: return "converged"
        case .notConverged(let reason): return "not converged: \(reason)"
        }
    }

    /// The worse of two statuses (for results assembled from several parts).
    public static func worst(_ a: DerivativeStatus, _ b: DerivativeStatus) -> DerivativeStatus {
        a == .converged ? b : a
    }
}

/// Why a numerical derivative did not converge.
public enum NonConvergence: Hashable, Sendable, CustomStringConvertible {
    /// Rounding noise grew above the requested tolerance before truncation
    /// error fell below it (the function is too noisy or too flat there).
    case toleranceNotReached
    /// The step was halved as often as allowed without reaching the tolerance.
    case stepLimitReached
    /// The step became too small to change x in floating point.
    case stepUnderflow
    /// f(x) itself is NaN or infinite.
    case nonFiniteAtPoint
    /// The function returned NaN or infinity at every probe point tried.
    case nonFiniteValues
    /// The method computed a NaN or infinite derivative.
    case nonFiniteResult
    /// The left, right and central estimates disagree beyond their error
    /// estimates: the function has a kink or a jump at x (abs at 0, say).
    case nonSmooth

    public var description: String {
        switch self {
        case .toleranceNotReached: return "rounding noise keeps the error estimate above the tolerance"
        case .stepLimitReached: return "no convergence within the allowed step halvings"
        case .stepUnderflow: return "the step became too small to change x"
        case .nonFiniteAtPoint: return "the function is NaN or infinite at the point itself"
        case .nonFiniteValues: return "the function is NaN or infinite at the points probed"
        case .nonFiniteResult: return "the derivative is NaN or infinite"
        case .nonSmooth: return "left and right estimates disagree: the function has a kink or jump here"
        }
    }
}

/// Errors in the arguments of a finite-difference computation.
public enum FiniteDifferenceError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The stencil cannot be built as asked (the message says why).
    case invalidStencil(String)
    /// A step size that is zero, negative, NaN or infinite, or that vanishes
    /// when added to x.
    case invalidStep(String)
    /// Vectors whose lengths disagree (the message names them).
    case dimensionMismatch(String)

    public var description: String {
        switch self {
        case .invalidStencil(let why): return "invalid stencil: \(why)"
        case .invalidStep(let why): return "invalid step: \(why)"
        case .dimensionMismatch(let why): return "dimension mismatch: \(why)"
        }
    }
}
