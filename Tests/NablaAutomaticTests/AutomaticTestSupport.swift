import NablaTestSupport
import NablaForward
import NablaNumerical
import NablaReverse
import NablaRules
import Testing

// Shared references and comparisons for the forward- and reverse-mode tests.
// The rule table's test points come from NablaTestSupport (shared with
// NablaRulesTests).
typealias AutomaticUnaryCase = UnaryCase
typealias AutomaticBinaryCase = BinaryCase
typealias AutomaticRuleCases = RuleCases

/// |a - b| ≤ relative·max(|a|, |b|) + absolute, and neither is NaN (equal
/// infinities count as close).
func automaticIsClose<T: BinaryFloatingPoint>(_ a: T, _ b: T, relative: T, absolute: T = 0) -> Bool {
    isClose(a, b, relative: relative, absolute: absolute)
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
