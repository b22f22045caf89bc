import Testing
import RealModule
@testable import NablaNumerical

/// The textbook's example, f(x) = 0.01x² + 0.1x, f'(x) = 0.02x + 0.1.
private func textbook(_ x: Double) -> Double { 0.01 * x * x + 0.1 * x }

@Suite("Textbook differences and step sizes")
struct TextbookDifferenceTests {
    @Test("central difference at x = 5, h = 1e-4 is bit-exactly 0.1999999999990898")
    func textbookAtFive() throws {
        let d = try centralDifference(of: textbook, at: 5.0, step: 1e-4)
        #expect(d == 0.1999999999990898)
        let viaMethod = try numericalDerivative(of: textbook, at: 5.0, method: .central(step: 1e-4))
        #expect(viaMethod.value == 0.1999999999990898)
    }

    @Test("central difference at x = 10, h = 1e-4 (the textbook writes 0.01*x**2)")
    func textbookAtTen() throws {
        // The textbook's 0.2999999999986347 comes from 0.01 * (x * x) (Python's
        // 0.01*x**2); 0.01 * x * x rounds differently and gives 0.2999999999997449
        // (both checked with python3).
        let squaredFirst = { (x: Double) in 0.01 * (x * x) + 0.1 * x }
        #expect(try centralDifference(of: squaredFirst, at: 10.0, step: 1e-4) == 0.2999999999986347)
        #expect(try numericalDerivative(of: squaredFirst, at: 10.0, method: .central(step: 1e-4)).value
                == 0.2999999999986347)
        #expect(try centralDifference(of: textbook, at: 10.0, step: 1e-4) == 0.2999999999997449)
        // At x = 5 the two forms agree.
        #expect(try centralDifference(of: squaredFirst, at: 5.0, step: 1e-4) == 0.1999999999990898)
    }

    @Test("forward and backward differences are biased by ±f''h/2 = ±1e-6; central is not")
    func forwardBias() throws {
        let h = 1e-4
        let forward = try forwardDifference(of: textbook, at: 5.0, step: h)
        let backward = try backwardDifference(of: textbook, at: 5.0, step: h)
        let central = try centralDifference(of: textbook, at: 5.0, step: h)
        #expect(forward == 0.20000099999917254)  // python3: (f(5+h)-f(5))/h
        #expect((forward - (0.2 + 0.01 * h)).magnitude <= 1e-11)
        #expect((backward - (0.2 - 0.01 * h)).magnitude <= 1e-11)
        #expect((central - 0.2).magnitude <= 1e-11)
        #expect((forward - 0.2).magnitude > 100 * (central - 0.2).magnitude)
        // The stencil methods compute the same quotients.
        #expect(try numericalDerivative(of: textbook, at: 5.0, method: .forward(step: h)).value == forward)
        #expect(try numericalDerivative(of: textbook, at: 5.0, method: .backward(step: h)).value == backward)
        // The mean of forward and backward is the central difference.
        #expect(((forward + backward) / 2 - central).magnitude <= 1e-12)
    }

    @Test("h = 1e-50 is lost to rounding next to x = 5 in Double")
    func tinyStepDouble() {
        for body in [
            { _ = try centralDifference(of: textbook, at: 5.0, step: 1e-50) },
            { _ = try forwardDifference(of: textbook, at: 5.0, step: 1e-50) },
            { _ = try backwardDifference(of: textbook, at: 5.0, step: 1e-50) },
            { _ = try numericalDerivative(of: textbook, at: 5.0, method: .central(step: 1e-50)) },
        ] as [() throws -> Void] {
            let error = finiteDifferenceError(body)
            #expect(error?.isInvalidStep == true)
            #expect(error?.message.contains("lost to rounding") == true, "\(String(describing: error))")
        }
    }

    @Test("h = 1e-50 underflows to 0 in Float")
    func tinyStepFloat() {
        let f = { (x: Float) in 0.01 * x * x + 0.1 * x }
        let error = finiteDifferenceError { _ = try numericalDerivative(of: f, at: Float(5), method: .central(step: 1e-50)) }
        #expect(error?.isInvalidStep == true)
        #expect(error?.message.contains("underflows to 0 in Float") == true, "\(String(describing: error))")
        // A Float step that is already 0 is rejected as not positive.
        let zero = Float(1e-50 as Double)
        let direct = finiteDifferenceError { _ = try centralDifference(of: f, at: Float(5), step: zero) }
        #expect(direct?.isInvalidStep == true)
        #expect(direct?.message.contains("positive") == true)
        // And 1e-4 works in Float, to Float accuracy.
        #expect((try? numericalDerivative(of: f, at: Float(5), method: .central(step: 1e-4)))
            .map { relativeError($0.value, Float(0.2)) <= 1e-2 } == true)
    }

    @Test("zero, negative, NaN and infinite steps throw invalidStep",
          arguments: [0.0, -1e-4, Double.nan, Double.infinity, -Double.infinity])
    func badSteps(h: Double) {
        for body in [
            { _ = try centralDifference(of: textbook, at: 5.0, step: h) },
            { _ = try forwardDifference(of: textbook, at: 5.0, step: h) },
            { _ = try numericalDerivative(of: textbook, at: 5.0, method: .central(step: h)) },
            { _ = try numericalDerivative(of: textbook, at: 5.0, method: .forward(accuracy: 2, step: h)) },
        ] as [() throws -> Void] {
            let error = finiteDifferenceError(body)
            #expect(error?.isInvalidStep == true)
            #expect(error?.message.contains("positive and finite") == true, "\(String(describing: error))")
        }
    }

    @Test("StepSize.validate accepts steps that move x and rejects those that do not")
    func validate() {
        #expect(finiteDifferenceError { try StepSize.validate(1e-15, at: 1.0) } == nil)
        #expect(finiteDifferenceError { try StepSize.validate(1e-17, at: 1.0) }?.isInvalidStep == true)
        #expect(finiteDifferenceError { try StepSize.validate(1e-300, at: 0.0) } == nil)
        #expect(finiteDifferenceError { try StepSize.validate(Float(1e-9), at: Float(1)) }?.isInvalidStep == true)
    }

    @Test("automatic steps: √eps·max(1,|x|) forward, eps^(1/3)·max(1,|x|) central, x + h exact",
          arguments: [0.0, 0.5, -0.7, 1.0, 5.0, -5.0, 123.456, 1e8, -3e-4])
    func automaticSteps(x: Double) {
        let scale = Swift.max(1, x.magnitude)
        for (p, target) in [(1, Double.ulpOfOne.squareRoot() * scale), (2, Double.pow(Double.ulpOfOne, 1.0 / 3) * scale)] {
            let h = StepSize.automatic(at: x, accuracyOrder: p)
            #expect(h > 0)
            #expect((x + h) - x == h, "x + h must be exact: x = \(x), h = \(h)")
            #expect((x - h) + h == x || (x - h) - x == -h)
            #expect((h - target).magnitude <= x.ulp + target.ulp, "p = \(p), x = \(x): h = \(h), target \(target)")
        }
        #expect(StepSize.automatic(at: 5.0, accuracyOrder: 1) == 7.450580596923828e-08)
        #expect((StepSize.automatic(at: 5.0, accuracyOrder: 2) - 3.0277272261966713e-05).magnitude <= 5.0.ulp)
    }

    @Test("automatic steps in Float")
    func automaticStepsFloat() {
        for x: Float in [0, 1, 5, -40] {
            let scale = Swift.max(1, x.magnitude)
            let h1 = StepSize.automatic(at: x, accuracyOrder: 1)
            let h2 = StepSize.automatic(at: x, accuracyOrder: 2)
            #expect((x + h1) - x == h1)
            #expect((x + h2) - x == h2)
            #expect((h1 - Float.ulpOfOne.squareRoot() * scale).magnitude <= x.ulp + h1.ulp)
            #expect((h2 - Float.pow(Float.ulpOfOne, 1.0 / 3) * scale).magnitude <= x.ulp + h2.ulp)
        }
    }

    @Test("StepSize.representable is the step actually taken")
    func representable() {
        let r = StepSize.representable(0.1, at: 1.0)
        #expect(r == 0.10000000000000009)
        #expect((1.0 + r) - 1.0 == r)
        #expect(StepSize.representable(0.1, at: 0.0) == 0.1)
        #expect(StepSize.representable(1e-20, at: 1.0) == 0)
        #expect(StepSize.representable(Float(0.1), at: Float(3)) == (Float(3) + Float(0.1)) - Float(3))
    }

    @Test("automatic steps: forward ~1e-8, central ~1e-11 relative error")
    func automaticAccuracy() throws {
        for (f, df, x) in [({ Double.exp($0) }, { Double.exp($0) }, 1.0),
                           ({ Double.sin($0) }, { Double.cos($0) }, 0.7),
                           (textbook, { 0.02 * $0 + 0.1 }, 5.0)] as [((Double) -> Double, (Double) -> Double, Double)] {
            let exact = df(x)
            let forward = relativeError(try forwardDifference(of: f, at: x), exact)
            let backward = relativeError(try backwardDifference(of: f, at: x), exact)
            let central = relativeError(try centralDifference(of: f, at: x), exact)
            #expect(forward <= 1e-7)
            #expect(backward <= 1e-7)
            #expect(central <= 1e-9)
        }
        // Where truncation matters the central difference wins by orders of magnitude.
        let fe = relativeError(try forwardDifference(of: { Double.exp($0) }, at: 1.0), Double.exp(1))
        let ce = relativeError(try centralDifference(of: { Double.exp($0) }, at: 1.0), Double.exp(1))
        #expect(fe >= 1e-9)
        #expect(ce * 100 <= fe)
    }

    @Test("plain stencil methods: accuracy, honest estimates, evaluations counted",
          arguments: [DifferenceMethod.forward(), .backward(), .central(), .forward(accuracy: 2), .backward(accuracy: 3),
                      .central(accuracy: 4), .central(accuracy: 6)])
    func plainMethods(method: DifferenceMethod) throws {
        let p: Int
        switch method {
        case .forward(let a, _), .backward(let a, _), .central(let a, _): p = a
        case .adaptive: p = 0
        }
        // The error at the best step is about eps^(p/(p+1)); allow a factor 100.
        let tolerance = 100 * Double.pow(Double.ulpOfOne, Double(p) / Double(p + 1))
        for (f, df, x) in [({ Double.exp($0) }, { Double.exp($0) }, 1.0),
                           ({ Double.sin($0) }, { Double.cos($0) }, 0.7),
                           ({ Double.log($0) }, { 1 / $0 }, 3.0)] as [((Double) -> Double, (Double) -> Double, Double)] {
            var calls = 0
            let d = try numericalDerivative(of: { calls += 1; return f($0) }, at: x, method: method)
            let exact = df(x)
            #expect(relativeError(d.value, exact) <= tolerance, "\(method) at \(x): \(d.value) vs \(exact)")
            #expect((d.value - exact).magnitude <= d.errorEstimate, "\(method) at \(x): estimate \(d.errorEstimate)")
            #expect(d.status == .converged)
            #expect(d.evaluations == calls)
            #expect(d.evaluations > 0)
        }
    }

    @Test("evaluation counts of the plain methods: D(h) and D(2h) share points")
    func plainEvaluationCounts() throws {
        let f = { (x: Double) in Double.exp(x) }
        #expect(try numericalDerivative(of: f, at: 1, method: .central()).evaluations == 4)
        #expect(try numericalDerivative(of: f, at: 1, method: .forward()).evaluations == 3)   // x, x+h, x+2h
        #expect(try numericalDerivative(of: f, at: 1, method: .backward()).evaluations == 3)
        #expect(try numericalDerivative(of: f, at: 1, method: .central(accuracy: 4)).evaluations == 6)  // ±h, ±2h, ±4h
    }

    @Test("invalid accuracy or order through DifferenceMethod throws invalidStencil")
    func invalidMethods() {
        let f = { (x: Double) in x * x }
        #expect(finiteDifferenceError { _ = try numericalDerivative(of: f, at: 1, method: .central(accuracy: 3)) }?.isInvalidStencil == true)
        #expect(finiteDifferenceError { _ = try numericalDerivative(of: f, at: 1, method: .forward(accuracy: 0)) }?.isInvalidStencil == true)
        #expect(finiteDifferenceError { _ = try numericalDerivative(of: f, at: 1, order: 0) }?.isInvalidStencil == true)
        #expect(finiteDifferenceError { _ = try numericalDerivative(of: f, at: 1, order: 7) }?.isInvalidStencil == true)
        #expect(finiteDifferenceError { _ = try numericalDerivative(of: f, at: 1, order: 6) } == nil)
    }

    @Test("method names")
    func names() {
        #expect(DifferenceMethod.adaptive.name == "adaptive")
        #expect(DifferenceMethod.forward().name == "forward")
        #expect(DifferenceMethod.backward(accuracy: 2).name == "backward")
        #expect(DifferenceMethod.central(step: 1e-4).name == "central")
    }
}
