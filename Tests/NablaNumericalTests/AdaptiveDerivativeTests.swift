import Testing
import RealModule
@testable import NablaNumerical

@Suite("Adaptive derivative (Richardson extrapolation) on smooth functions")
struct AdaptiveDerivativeTests {
    @Test("Double suite: error ≤ 1e-13, converged, honest estimates, median evaluations ≤ 20")
    func smoothSuiteDouble() throws {
        var evaluations: [Int] = []
        var worst = 0.0
        for c in SmoothCase.suite {
            for x in SmoothCase.points where c.domain(x) {
                var calls = 0
                var points: Set<Double> = []
                let d = try numericalDerivative(of: { (t: Double) in calls += 1; points.insert(t); return c.f(t) }, at: x)
                let exact = c.derivative(x)
                let error = score(d.value, exact: exact, functionValue: c.f(x))
                worst = Swift.max(worst, error)
                #expect(error <= 1e-13, "\(c) at \(x): \(d.value) vs \(exact)")
                #expect(d.status == .converged, "\(c) at \(x): \(d.status)")
                #expect((d.value - exact).magnitude <= d.errorEstimate, "\(c) at \(x): estimate \(d.errorEstimate) below the true error")
                #expect(d.errorEstimate > 0 && d.errorEstimate.isFinite)
                // Every evaluation is counted, and no point is evaluated twice.
                #expect(d.evaluations == calls)
                #expect(points.count == calls)
                evaluations.append(d.evaluations)
            }
        }
        #expect(evaluations.count == 89)
        #expect(median(evaluations) <= 20, "median evaluations \(median(evaluations))")
        #expect(evaluations.max()! <= 25)
        #expect(worst <= 1e-13)
    }

    @Test("the prototype's counts and statuses are reproduced")
    func matchesPrototype() throws {
        // (function, x, value from proto.py's derivative(), its evaluation count)
        let cases: [(String, (Double) -> Double, Double, Double, Int)] = [
            ("exp", { .exp($0) }, 1.0, 2.7182818284590655, 13),
            ("exp", { .exp($0) }, 10.0, 22026.465794806692, 17),
            ("0.01x^2+0.1x", { 0.01 * $0 * $0 + 0.1 * $0 }, 5.0, 0.19999999999999993, 7),
            ("0.01x^2+0.1x", { 0.01 * $0 * $0 + 0.1 * $0 }, 0.0, 0.1, 5),
            ("x^2", { $0 * $0 }, 3e8, 600000000.0, 7),
            ("log", { .log($0) }, 1e8, 1.0000000000003256e-08, 15),
            ("1/x", { 1 / $0 }, 1e-3, -999999.999999998, 35),
        ]
        for (name, f, x, value, evaluations) in cases {
            let d = try numericalDerivative(of: f, at: x)
            #expect(relativeError(d.value, value) <= 1e-14, "\(name) at \(x): \(d.value), prototype \(value)")
            #expect(d.evaluations == evaluations, "\(name) at \(x): \(d.evaluations) evaluations, prototype \(evaluations)")
            #expect(d.status == .converged)
        }
    }

    @Test("Float suite: relative error ≤ 2e-5, honest estimates")
    func smoothSuiteFloat() throws {
        var evaluations: [Int] = []
        for c in SmoothCase.suite {
            for x in SmoothCase.points where c.domain(x) {
                // exp(-x²)' at 10 is -8e-43, a Float subnormal: not a sensible target.
                if c.name == "exp(-x^2)" && x == 10 { continue }
                let xf = Float(x)
                // f rounded to Float from Double: a correctly rounded Float function.
                let d = try numericalDerivative(of: { (t: Float) in Float(c.f(Double(t))) }, at: xf)
                let exact = c.derivative(Double(xf))
                let error = score(Double(d.value), exact: exact, functionValue: c.f(Double(xf)))
                #expect(error <= 2e-5, "\(c) at \(x): \(d.value) vs \(exact)")
                #expect(Double(d.value) - exact <= Double(d.errorEstimate) && exact - Double(d.value) <= Double(d.errorEstimate),
                        "\(c) at \(x): estimate \(d.errorEstimate), true error \(Double(d.value) - exact)")
                #expect(d.status == .converged, "\(c) at \(x): \(d.status)")
                evaluations.append(d.evaluations)
            }
        }
        #expect(median(evaluations) <= 15)
    }

    @Test("Float with Float's own elementary functions")
    func nativeFloat() throws {
        let cases: [((Float) -> Float, (Double) -> Double, Float)] = [
            ({ .exp($0) }, { .exp($0) }, 1), ({ .sin($0) }, { .cos($0) }, 0.7), ({ .log($0) }, { 1 / $0 }, 3),
            ({ $0 * $0 * $0 }, { 3 * $0 * $0 }, -2), ({ .atan($0) }, { 1 / (1 + $0 * $0) }, 0.5),
        ]
        for (f, df, x) in cases {
            let d = try numericalDerivative(of: f, at: x)
            let exact = df(Double(x))
            #expect(relativeError(Double(d.value), exact) <= 2e-5, "at \(x): \(d.value) vs \(exact)")
            #expect((Double(d.value) - exact).magnitude <= Double(d.errorEstimate))
            #expect(d.status == .converged)
        }
    }

    // Order-dependent tolerances for sin and exp on the grid (measured worst:
    // 9e-13, 3.5e-11 and 2.3e-8 for m = 2, 3, 4).
    static let higherOrderTolerance: [Int: Double] = [2: 1e-11, 3: 1e-9, 4: 1e-7]

    @Test("higher orders m = 2, 3, 4 on sin and exp", arguments: [2, 3, 4])
    func higherOrders(m: Int) throws {
        let tolerance = try #require(Self.higherOrderTolerance[m])
        let sinDerivative: (Int, Double) -> Double = { k, x in
            [Double.sin(x), Double.cos(x), -Double.sin(x), -Double.cos(x)][k % 4]
        }
        for x in SmoothCase.points {
            for (name, f, exact) in [("sin", { Double.sin($0) }, sinDerivative(m, x)), ("exp", { Double.exp($0) }, Double.exp(x))]
                    as [(String, (Double) -> Double, Double)] {
                let d = try numericalDerivative(of: f, at: x, order: m)
                let error = score(d.value, exact: exact, functionValue: f(x))
                #expect(error <= tolerance, "\(name)^(\(m)) at \(x): \(d.value) vs \(exact)")
                #expect((d.value - exact).magnitude <= d.errorEstimate, "\(name)^(\(m)) at \(x): dishonest estimate")
                if name == "sin" && m == 4 && x == -3 {
                    // A known false alarm shared with the prototype: a one-sided
                    // fourth-derivative estimate with an optimistic error bar
                    // disagrees with the central one, so the kink test fires.
                    // The value is still right (checked above).
                    #expect(d.status == .notConverged(.nonSmooth))
                } else {
                    #expect(d.status == .converged, "\(name)^(\(m)) at \(x): \(d.status)")
                }
            }
        }
    }

    @Test("orders 5 and 6 work on exp with loose tolerances")
    func ordersFiveAndSix() throws {
        for m in [5, 6] {
            let d = try numericalDerivative(of: { Double.exp($0) }, at: 0.5, order: m)
            #expect(relativeError(d.value, Double.exp(0.5)) <= 1e-4, "m = \(m): \(d.value)")
            #expect((d.value - Double.exp(0.5)).magnitude <= d.errorEstimate)
        }
    }

    @Test("the default tolerance is eps^(5/8) ≈ 1.6e-10 for m = 1")
    func defaultTolerance() {
        let t: Double = AdaptiveLineDerivative<Double>.defaultRelativeTolerance(order: 1)
        #expect(t > 1.5e-10 && t < 1.7e-10)
        #expect(AdaptiveLineDerivative<Double>.defaultRelativeTolerance(order: 3) == Double.ulpOfOne.squareRoot())
    }

    @Test("an unreachable tolerance is reported, an absolute tolerance accepted")
    func tolerances() throws {
        let f = { (x: Double) in Double.exp(x) }
        let strict = try numericalDerivative(of: f, at: 1, relativeTolerance: 1e-18)
        #expect(!strict.status.isConverged)
        #expect(strict.status == .notConverged(.toleranceNotReached))
        #expect(relativeError(strict.value, Double.exp(1)) <= 1e-13)  // the value is still the best found
        #expect((strict.value - Double.exp(1)).magnitude <= strict.errorEstimate)

        let loose = try numericalDerivative(of: f, at: 1, relativeTolerance: 0, absoluteTolerance: 1e-6)
        #expect(loose.status == .converged)
        let impossible = try numericalDerivative(of: f, at: 1, relativeTolerance: 0, absoluteTolerance: 0)
        #expect(!impossible.status.isConverged)
    }

    @Test("the one-sided fallback and the central estimate agree on smooth functions")
    func derivativeOfConstantAndLinear() throws {
        let constant = try numericalDerivative(of: { (_: Double) in 3.0 }, at: 2)
        #expect(constant.value == 0)
        #expect(constant.status == .converged)
        let linear = try numericalDerivative(of: { (x: Double) in 4 * x - 1 }, at: -7)
        #expect((linear.value - 4).magnitude <= 1e-14)
        #expect(linear.status == .converged)
        #expect(linear.evaluations <= 7)
    }

    @Test("status helpers")
    func statusHelpers() {
        #expect(DerivativeStatus.converged.isConverged)
        #expect(!DerivativeStatus.notConverged(.nonSmooth).isConverged)
        #expect(DerivativeStatus.worst(.converged, .notConverged(.nonSmooth)) == .notConverged(.nonSmooth))
        #expect(DerivativeStatus.worst(.notConverged(.stepUnderflow), .converged) == .notConverged(.stepUnderflow))
        #expect(DerivativeStatus.worst(.converged, .converged) == .converged)
        let reasons: [NonConvergence] = [.toleranceNotReached, .stepLimitReached, .stepUnderflow, .nonFiniteAtPoint,
                                         .nonFiniteValues, .nonFiniteResult, .nonSmooth]
        #expect(Set(reasons.map(\.description)).count == reasons.count)
        #expect(DerivativeStatus.notConverged(.nonSmooth).description.contains("kink"))
        #expect(DerivativeStatus.converged.description == "converged")
        #expect(FiniteDifferenceError.invalidStep("x").description == "invalid step: x")
    }
}
