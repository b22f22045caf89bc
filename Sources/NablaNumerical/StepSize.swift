import NablaRules
import RealModule

/// Step sizes for finite differences.
///
/// A difference formula of accuracy p for the m-th derivative has truncation
/// error ∝ hᵖ and rounding error ∝ eps/hᵐ; the sum is smallest near
/// h = eps^(1/(m+p)), scaled to the size of x. In Double that is about 1.5e-8
/// for a forward difference (error ~1e-8) and 6e-6 for a central one (error
/// ~1e-11). The textbook's h = 1e-4 is a teaching value, not an optimum, and
/// h = 1e-50 vanishes next to x (in Float it is 0 before it is even added).
public enum StepSize {
    /// eps^(1/(m+p)) · max(1, |x|), adjusted so that x + h is exactly
    /// representable (see ``representable(_:at:)``).
    @inlinable
    public static func automatic<T: FloatingScalar>(at x: T, derivativeOrder m: Int = 1, accuracyOrder p: Int) -> T {
        let h = T.pow(T.ulpOfOne, 1 / T(m + p)) * Swift.max(1, x.magnitude)
        return representable(h, at: x)
    }

    /// The step actually taken when h is added to x: (x + h) - x, computed
    /// exactly. Using it in the denominator removes the representation error
    /// of x + h from the difference quotient.
    @inlinable
    public static func representable<T: FloatingScalar>(_ h: T, at x: T) -> T {
        let shifted = x + h
        return shifted - x
    }

    /// Checks a user's step: positive, finite, and large enough to change x.
    ///
    /// - Throws: ``FiniteDifferenceError/invalidStep(_:)`` saying what is wrong.
    public static func validate<T: FloatingScalar>(_ h: T, at x: T, requested: Double? = nil) throws {
        let shown = requested.map { "\($0)" } ?? "\(h)"
        guard h.isFinite, h > 0 else {
            if let requested, requested > 0, h == 0 {
                throw FiniteDifferenceError.invalidStep("h = \(shown) underflows to 0 in \(T.self)")
            }
            throw FiniteDifferenceError.invalidStep("h must be positive and finite, got \(shown)")
        }
        guard x + h != x, x - h != x else {
            throw FiniteDifferenceError.invalidStep(
                "h = \(shown) is lost to rounding next to x = \(x) in \(T.self) (x + h == x); use a step above \(x.ulp)")
        }
    }
}
