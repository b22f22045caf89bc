import NablaForward
import NablaReverse
import NablaNumerical
import NablaRules
import Testing

/// The textbook's f(x, y) = 2x + 3xy + y³.
@inlinable
func seedFunction<T: DifferentiableScalar>(_ v: [T]) -> T { 2 * v[0] + 3 * v[0] * v[1] + v[1] * v[1] * v[1] }

/// The textbook's shopping graph: apples and oranges with tax.
/// Inputs: apple price, apple count, orange price, orange count, tax.
@inlinable
func shopping<T: DifferentiableScalar>(_ v: [T]) -> T { (v[0] * v[1] + v[2] * v[3]) * v[4] }

@Suite struct SeedExampleTests {
    @Test func seedGradientIsExact() {
        let (value, g) = valueAndGradient(of: seedFunction, at: [1.0, 2.0])
        #expect(value == 16)
        #expect(g == [8, 15])
        #expect(gradient(of: seedFunction, at: [Float(1), 2]) == [8, 15])
        #expect(forwardGradient(of: seedFunction, at: [1.0, 2.0]) == [8, 15])
    }

    @Test func shoppingGraph() {
        let (total, g) = valueAndGradient(of: shopping, at: [100.0, 2, 150, 3, 1.1])
        #expect(abs(total - 715) < 1e-12)
        let expected = [2.2, 110, 3.3, 165, 650]
        for (a, b) in zip(g, expected) { #expect(abs(a - b) < 1e-12, "\(g)") }
    }

    @Test func seedHessianByForwardOverReverse() {
        // ∂²f/∂x² = 0, ∂²f/∂x∂y = 3, ∂²f/∂y² = 6y = 12
        #expect(hessian(of: seedFunction, at: [1.0, 2.0]) == [[0, 3], [3, 12]])
        let hv = hessianVectorProduct(of: seedFunction, at: [1.0, 2.0], direction: [1, 1])
        #expect(hv.gradient == [8, 15])
        #expect(hv.hessianVectorProduct == [3, 15])
    }
}

@Suite struct GradientCheckTests {
    @Test func correctGradientsPassInDoubleAndFloat() throws {
        let x = [1.0, 2.0]
        let check = try checkGradient(of: seedFunction, gradient: gradient(of: seedFunction, at: x), at: x)
        #expect(check.passed, "\(check)")
        #expect(check.taylor.observedOrders.allSatisfy { $0 > 1.8 })
        // Float: a correct reverse-mode gradient must not raise a false alarm.
        for point in [[Float(1), 2], [-0.3, 0.7], [3, -4]] {
            @inline(never) func f<T: DifferentiableScalar>(_ v: [T]) -> T { T.sin(v[0]) * T.exp(v[1] / 3) + v[0] * v[0] * v[1] }
            let check = try checkGradient(of: f, gradient: gradient(of: f, at: point), at: point)
            #expect(check.passed, "\(check)")
        }
    }

    @Test func wrongGradientIsCaughtByBothTests() throws {
        let x = [1.0, 2.0]
        let wrong = [8.0, 15.0 + 1e-3]  // a 7e-5 relative error in one component
        let check = try checkGradient(of: seedFunction, gradient: wrong, at: x)
        #expect(!check.passed)
        #expect(!check.components[1].passed && check.components[0].passed)
        #expect(!check.taylor.passed, "\(check)")
        #expect(check.description.contains("mismatch"))
    }

    @Test func taylorTestAloneCatchesAWrongGradientWithoutTolerances() throws {
        // Huge tolerances switch the component test off; the Taylor test needs none.
        let check = try checkGradient(of: seedFunction, gradient: [8.1, 15], at: [1.0, 2.0],
                                      relativeTolerance: 1, absoluteTolerance: 100)
        #expect(check.components.allSatisfy { $0.passed })
        #expect(!check.taylor.passed)
        let orders = check.taylor.observedOrders
        #expect(orders.suffix(3).allSatisfy { abs($0 - 1) < 0.2 }, "\(orders)")
    }
}

#if canImport(_Differentiation)
import _Differentiation

@differentiable(reverse)
func swiftADSeed(_ v: [Double]) -> Double { 2 * v[0] + 3 * v[0] * v[1] + v[1] * v[1] * v[1] }

@Suite struct SwiftDifferentiationCheckTests {
    /// A gradient from Swift's own _Differentiation goes through the same check.
    @Test func swiftDifferentiationGradientPassesTheCheck() throws {
        let x = [1.0, 2.0]
        let g = _Differentiation.gradient(at: x, of: swiftADSeed).base
        #expect(g == [8, 15])
        let check = try checkGradient(of: seedFunction, gradient: g, at: x)
        #expect(check.passed, "\(check)")
    }
}
#endif
