import Testing
import NablaRules
import RealModule
@testable import NablaNumerical

// Functions written once, generically, so the complex step can run them.

/// Squire & Trapp (1998): eˣ / √(sin³x + cos³x).
private func squireTrapp<T: DifferentiableScalar>(_ x: T) -> T {
    let s = T.sin(x)
    let c = T.cos(x)
    return T.exp(x) / T.sqrt(s * s * s + c * c * c)
}

private func square<T: DifferentiableScalar>(_ x: T) -> T { x * x }

/// sin(x)·exp(-x²) + log(1 + x²)
private func mixed<T: DifferentiableScalar>(_ x: T) -> T { T.sin(x) * T.exp(-(x * x)) + T.log(1 + x * x) }

/// atan(x)·tanh(x): atan goes through the rule table's first-order expansion.
private func atanTanh<T: DifferentiableScalar>(_ x: T) -> T { T.atan(x) * T.tanh(x) }

private func bivariate<T: DifferentiableScalar>(_ v: [T]) -> T { 2 * v[0] + 3 * v[0] * v[1] + v[1] * v[1] * v[1] }

private func notANumber<T: DifferentiableScalar>(_ x: T) -> T { x * T(Double.nan) }

@Suite("Complex-step derivative")
struct ComplexStepDerivativeTests {
    @Test("Squire & Trapp's example at 1.5 to 4 ulps, from one evaluation")
    func squireTrappExample() {
        // d/dx at 1.5, from mpmath at 50 digits: 4.05342789389862065771…
        let exact = 4.053427893898621
        let d = complexStepDerivative(of: squireTrapp, at: 1.5)
        #expect(relativeError(d.value, exact) <= 4 * Double.ulpOfOne, "\(d.value) vs \(exact)")
        #expect(d.evaluations == 1)
        #expect(d.status == .converged)
        #expect((d.value - exact).magnitude <= d.errorEstimate)
        #expect(d.errorEstimate <= 1e-14)
        // Finite differences do not get there: the adaptive method is good to
        // ~1e-13 with ~15 evaluations, the textbook central difference to ~1e-9.
        let central = (try? centralDifference(of: { squireTrapp($0) }, at: 1.5, step: 1e-4)) ?? .nan
        #expect(relativeError(central, exact) > 100 * relativeError(d.value, exact))
    }

    @Test("x² at 3e8 is exactly 6e8")
    func squareAtLargeX() {
        let d = complexStepDerivative(of: square, at: 3e8)
        #expect(d.value == 6e8)
        #expect(d.evaluations == 1)
        #expect(complexStepDerivative(of: square, at: -2.5).value == -5)
        #expect(complexStepDerivative(of: square, at: 0.0).value == 0)
    }

    @Test("more closed forms to a few ulps")
    func closedForms() {
        let cases: [(String, (ComplexStep<Double>) -> ComplexStep<Double>, Double, Double)] = [
            ("sin·exp(-x²) + log(1+x²) at 0.7", mixed, 0.7, 0.8556291644293088),
            ("atan·tanh at -1.3", atanTanh, -1.3, -0.5559204805495497),
            ("exp(50x)-like steep: exp at 25", { ComplexStep.exp($0) }, 25, Double.exp(25)),
        ]
        for (label, f, x, exact) in cases {
            let d = complexStepDerivative(of: f, at: x)
            #expect(relativeError(d.value, exact) <= 8 * Double.ulpOfOne, "\(label): \(d.value) vs \(exact)")
            #expect(d.evaluations == 1)
            #expect(d.status == .converged)
        }
    }

    @Test("an explicit step of 1e-20 gives the same digits")
    func explicitStep() {
        let a = complexStepDerivative(of: squireTrapp, at: 1.5, step: 1e-20)
        #expect(relativeError(a.value, 4.053427893898621) <= 4 * Double.ulpOfOne)
    }

    @Test("Float")
    func float() {
        let d = complexStepDerivative(of: { (x: ComplexStep<Float>) in ComplexStep.exp(x) }, at: Float(1))
        #expect(relativeError(d.value, Float.exp(1)) <= 4 * Float.ulpOfOne)
        let st = complexStepDerivative(of: squireTrapp, at: Float(1.5))
        #expect(relativeError(Double(st.value), 4.053427893898621) <= 8 * Double(Float.ulpOfOne))
        #expect(st.evaluations == 1)
    }

    @Test("gradient: one evaluation per variable, exact for 2x + 3xy + y³")
    func gradient() {
        let g = complexStepGradient(of: bivariate, at: [1.0, 2.0])
        #expect(g.value == [8, 15])
        #expect(g.evaluations == 2)
        #expect(g.status == .converged)
        #expect(g.errorEstimate.count == 2 && g.errorEstimate.allSatisfy { $0 > 0 && $0 < 1e-13 })
    }

    @Test("NaN at the point is reported")
    func notFinite() {
        let d = complexStepDerivative(of: notANumber, at: 1.0)
        #expect(d.status == .notConverged(.nonFiniteAtPoint))
    }
}
