import NablaNumerical
import RealModule

/// |a - b| / |b|, or |a - b| when b is 0.
func relativeError<T: BinaryFloatingPoint>(_ a: T, _ b: T) -> T {
    b == 0 ? (a - b).magnitude : (a - b).magnitude / b.magnitude
}

/// The error measure of the prototype's report: relative to |f'(x)|, or,
/// where the exact derivative is 0, absolute and scaled by max(1, |f(x)|).
func score(_ value: Double, exact: Double, functionValue: Double) -> Double {
    exact == 0 ? (value - exact).magnitude / Swift.max(1, functionValue.magnitude) : relativeError(value, exact)
}

/// The median of a non-empty list.
func median(_ values: [Int]) -> Double {
    let s = values.sorted()
    return s.count % 2 == 1 ? Double(s[s.count / 2]) : Double(s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Runs `body` and returns the `FiniteDifferenceError` it throws (nil if none, or another error).
func finiteDifferenceError(_ body: () throws -> Void) -> FiniteDifferenceError? {
    do {
        try body()
        return nil
    } catch let error as FiniteDifferenceError {
        return error
    } catch {
        return nil
    }
}

/// The message inside a `FiniteDifferenceError`.
extension FiniteDifferenceError {
    var message: String {
        switch self {
        case .invalidStencil(let m), .invalidStep(let m), .dimensionMismatch(let m): return m
        }
    }
    var isInvalidStencil: Bool { if case .invalidStencil = self { return true } else { return false } }
    var isInvalidStep: Bool { if case .invalidStep = self { return true } else { return false } }
    var isDimensionMismatch: Bool { if case .dimensionMismatch = self { return true } else { return false } }
}

/// A smooth test function with its exact derivative (closed form).
struct SmoothCase: Sendable, CustomStringConvertible {
    let name: String
    let f: @Sendable (Double) -> Double
    let derivative: @Sendable (Double) -> Double
    /// Points where the function is defined and smooth.
    let domain: @Sendable (Double) -> Bool

    var description: String { name }

    init(_ name: String, _ f: @escaping @Sendable (Double) -> Double, _ derivative: @escaping @Sendable (Double) -> Double,
         domain: @escaping @Sendable (Double) -> Bool = { _ in true }) {
        self.name = name
        self.f = f
        self.derivative = derivative
        self.domain = domain
    }

    /// The suite of the brief: eleven functions on the prototype's grid of points.
    static let suite: [SmoothCase] = [
        SmoothCase("exp", { .exp($0) }, { .exp($0) }),
        SmoothCase("sin", { .sin($0) }, { .cos($0) }),
        SmoothCase("cos", { .cos($0) }, { -.sin($0) }),
        SmoothCase("log", { .log($0) }, { 1 / $0 }, domain: { $0 > 0.5 }),
        SmoothCase("sqrt", { $0.squareRoot() }, { 0.5 / $0.squareRoot() }, domain: { $0 > 0.5 }),
        SmoothCase("x^3-2x", { $0 * $0 * $0 - 2 * $0 }, { 3 * $0 * $0 - 2 }),
        SmoothCase("1/(1+x^2)", { 1 / (1 + $0 * $0) }, { -2 * $0 / ((1 + $0 * $0) * (1 + $0 * $0)) }),
        SmoothCase("atan", { .atan($0) }, { 1 / (1 + $0 * $0) }),
        SmoothCase("exp(-x^2)", { .exp(-$0 * $0) }, { -2 * $0 * .exp(-$0 * $0) }),
        SmoothCase("sin*exp", { .sin($0) * .exp($0) }, { (.sin($0) + .cos($0)) * .exp($0) }),
        SmoothCase("0.01x^2+0.1x", { 0.01 * $0 * $0 + 0.1 * $0 }, { 0.02 * $0 + 0.1 }),
    ]

    static let points: [Double] = [-3, -1, -0.3, 0, 0.5, 1, 2, 5, 10]
}
