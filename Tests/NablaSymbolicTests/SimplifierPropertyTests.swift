import NablaNumerical
import NablaRules
import NablaSymbolic
import PropertyBased
import Testing

/// Random formulas for evaluating: a few variables, moderate constants (so
/// that Double evaluation means something), every operation of the table
/// or only the smooth ones (for derivatives). Trees are built directly, not
/// through the arithmetic of Formula, so the simplifier has work to do.
/// (Adapted from `RandomFormula` in FormulaPropertyTests.swift.)
enum EvaluableFormula {
    static let variables = ["x", "y", "z"]
    static let nonSmooth: Set<UnaryOperation> = [.abs, .relu, .sign, .step]
    static let smoothUnary = UnaryOperation.namedFunctions.filter { !nonSmooth.contains($0) }
    static let smoothBinary: [BinaryOperation] = [.add, .subtract, .multiply, .divide, .power, .atan2, .hypot]

    static func constant<R: RandomNumberGenerator>(_ rng: inout R) -> Double {
        let magnitude: Double
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: magnitude = Double(Int.random(in: 0...6, using: &rng))
        case 1: magnitude = Double(Int.random(in: 1...16, using: &rng)) / 4
        case 2: magnitude = [0.1, 0.3, 1.5, 2.75, 1e-3, 123.25].randomElement(using: &rng)!
        default: magnitude = Double.random(in: 0.1..<5, using: &rng)
        }
        return Int.random(in: 0..<4, using: &rng) == 0 ? -magnitude : magnitude
    }

    static func leaf<R: RandomNumberGenerator>(_ rng: inout R, variables: [String]) -> Formula {
        switch Int.random(in: 0..<8, using: &rng) {
        case 0...4: return .variable(variables.randomElement(using: &rng)!)
        case 5: return .named(NamedConstant.allCases.randomElement(using: &rng)!)
        default: return .constant(constant(&rng))
        }
    }

    static func formula<R: RandomNumberGenerator>(_ rng: inout R, depth: Int, maximumDepth: Int,
                                                  smooth: Bool, variables: [String] = variables) -> Formula {
        if depth == 0 || (depth < maximumDepth && Int.random(in: 0..<4, using: &rng) == 0) {
            return leaf(&rng, variables: variables)
        }
        func sub(_ rng: inout R) -> Formula {
            formula(&rng, depth: depth - 1, maximumDepth: maximumDepth, smooth: smooth, variables: variables)
        }
        switch Int.random(in: 0..<10, using: &rng) {
        case 0:
            return .unary(.negate, sub(&rng))
        case 1:
            return .unary(.power(Int.random(in: -3...4, using: &rng)), sub(&rng))
        case 2:
            return .unary(.root(Int.random(in: 2...3, using: &rng)), sub(&rng))
        case 3, 4:
            let op = (smooth ? smoothUnary : UnaryOperation.namedFunctions).randomElement(using: &rng)!
            return .unary(op, sub(&rng))
        default:
            let op = (smooth ? smoothBinary : BinaryOperation.allCases).randomElement(using: &rng)!
            // Often reuse a subtree, so that like terms and equal bases meet.
            let a = sub(&rng)
            let b = Int.random(in: 0..<4, using: &rng) == 0 ? a : sub(&rng)
            return .binary(op, a, b)
        }
    }

    /// Any operation, depth up to 5.
    static let any = Generator<Formula, Shrink.None<Formula>> { rng in
        formula(&rng, depth: 5, maximumDepth: 5, smooth: false)
    }

    /// Smooth operations of x and y, depth up to 4.
    static let smooth = Generator<Formula, Shrink.None<Formula>> { rng in
        formula(&rng, depth: 4, maximumDepth: 4, smooth: true, variables: ["x", "y"])
    }

    /// Points: half anywhere in [-3, 3]³, half in (0, 3]³ (the domain of
    /// logarithms, square roots and real powers).
    static let points = Generator<[[Double]], Shrink.None<[[Double]]>> { rng in
        (0..<4).map { k in
            (0..<3).map { _ in k < 2 ? Double.random(in: -3...3, using: &rng) : Double.random(in: 0.05...3, using: &rng) }
        }
    }

    /// Whether evaluating `f` in Double at `point` passes through a
    /// singularity: a NaN or infinite intermediate value, a division by zero,
    /// a real power of zero, or atan2 on its branch cut (y = ±0, x ≤ 0). There
    /// the original's value hangs on IEEE details (1/-0 = -∞, so
    /// atan(1/(0*x)) is -π/2 for x < 0; atan2(-0, -1) = -π) that a
    /// simplification is free to lose: 0*x is 0.
    static func passesThroughASingularity(_ f: Formula, at point: [Double]) -> Bool {
        var singular = false
        func value(_ f: Formula) -> Double {
            let v: Double
            switch f {
            case .constant(let c): v = c
            case .named(let c): v = c.value()
            case .variable(let name): v = point[variables.firstIndex(of: name)!]
            case .unary(let op, let a): v = op.value(value(a))
            case .binary(let op, let a, let b):
                let (x, y) = (value(a), value(b))
                switch op {
                case .divide where y == 0: singular = true
                case .power where x == 0: singular = true
                case .atan2 where x == 0 && y <= 0: singular = true  // atan2(y: x, x: y)
                default: break
                }
                v = op.value(x, y)
            }
            if !v.isFinite { singular = true }
            return v
        }
        _ = value(f)
        return singular
    }

    /// Whether a formula has a non-finite number in it (folding can overflow).
    static func hasNonFiniteConstant(_ f: Formula) -> Bool {
        switch f {
        case .constant(let c): return !c.isFinite
        case .named, .variable: return false
        case .unary(_, let a): return hasNonFiniteConstant(a)
        case .binary(_, let a, let b): return hasNonFiniteConstant(a) || hasNonFiniteConstant(b)
        }
    }
}

@Suite("Simplifier properties")
struct SimplifierPropertyTests {
    /// f.simplified() has f's value wherever f is finite (|f| < 1e12), to
    /// 1e-9 relative (1e-15 absolute near zero). A mismatch counts only where both Double evaluations
    /// agree with extended precision to 1e-11 (otherwise the evaluation, not
    /// the simplification, is at fault: cancellation, a near-pole).
    @Test func simplificationKeepsTheValue() async throws {
        var compared = 0, illConditioned = 0, singular = 0
        await propertyCheck(count: 600, input: EvaluableFormula.any, EvaluableFormula.points) { f, points in
            let s = f.simplified()
            let original = try f.compiled(variables: EvaluableFormula.variables)
            let simplified = try s.compiled(variables: EvaluableFormula.variables)
            for point in points {
                let a = original(point)
                guard a.isFinite, a.magnitude < 1e12 else { continue }
                if EvaluableFormula.passesThroughASingularity(f, at: point) { singular += 1; continue }
                let b = simplified(point)
                // An absolute floor of 1e-15: folding constants rounds (1.5^3·1.5^3/(1.5^3·1.5^3)
                // folds to 0.9999999999999999), and log of that is −1.1e-16, not 0.
                if agree(a, b, relative: 1e-9, scale: 1e-6) { compared += 1; continue }
                if !wellConditioned(original, point, value: a) || (b.isFinite && !wellConditioned(simplified, point, value: b)) {
                    illConditioned += 1
                    continue
                }
                compared += 1
                Issue.record("\(f) simplified to \(s): \(a) vs \(b) at \(point)")
            }
        }
        // The property was exercised: most formulas have finite values somewhere.
        #expect(compared > 600, "only \(compared) points compared (\(illConditioned) ill-conditioned, \(singular) singular)")
        #expect(illConditioned < compared / 20, "\(illConditioned) ill-conditioned of \(compared)")
    }

    /// Print, parse and simplify again: the same text (the canonical form is
    /// a fixed point, through text too); simplify without printing: the same
    /// tree; and the printed canonical form parses back to itself.
    @Test func simplificationIsStableThroughText() async throws {
        var skipped = 0
        await propertyCheck(count: 600, input: EvaluableFormula.any) { f in
            let s = f.simplified()
            // Folding can overflow to ±inf or NaN, which no text can say.
            if EvaluableFormula.hasNonFiniteConstant(s) { skipped += 1; return }
            let text = s.description
            #expect(s.simplified() == s, "\(f): simplified twice \(s.simplified()) vs \(s)")
            let parsed = try Formula(parsing: text)
            #expect(parsed.description == text, "\(f): printed \(text), reprinted \(parsed)")
            #expect(parsed.simplified().description == text, "\(f): \(text) resimplified to \(parsed.simplified())")
        }
        #expect(skipped < 60, "\(skipped) of 600 simplified to non-finite numbers")
    }

    /// The same for derivatives, which are built canonical.
    @Test func derivativesAreCanonical() async throws {
        await propertyCheck(count: 300, input: EvaluableFormula.smooth) { f in
            let d = f.derivative(withRespectTo: "x")
            if EvaluableFormula.hasNonFiniteConstant(d) { return }
            #expect(d.simplified() == d, "d/dx \(f) = \(d) simplifies to \(d.simplified())")
            let text = d.description
            let reparsed = try Formula(parsing: text)
            #expect(reparsed.simplified().description == text, "d/dx \(f) = \(text)")
        }
    }

    /// The symbolic derivative of a random smooth formula of x and y agrees
    /// with the adaptive finite difference at random points: to 1e-8 of the
    /// natural scale (max(|f'|, |f|/max(1, |x|))) plus 10 error estimates
    /// (estimates can be off by a few times where f varies steeply), where
    /// the difference converged, f's evaluation passes no singularity and
    /// the derivative evaluates stably (Double agrees with Float80 to 1e-10).
    /// Where they disagree, the complex-step derivative decides which is wrong.
    @Test func derivativeAgreesWithFiniteDifferences() async throws {
        var compared = 0, falseConvergence = 0
        await propertyCheck(count: 500, input: EvaluableFormula.smooth, EvaluableFormula.points) { f, points in
            let names = ["x", "y"]
            let program = try f.compiled(variables: names)
            let d = f.derivative(withRespectTo: "x")
            let derivative = try d.compiled(variables: names)
            for point in points {
                let (x, y) = (point[0], point[1])
                let value = program([x, y])
                guard value.isFinite, value.magnitude < 1e8,
                      !EvaluableFormula.passesThroughASingularity(f, at: point) else { continue }
                let numerical = try numericalDerivative(of: { program([$0, y]) }, at: x)
                guard numerical.status.isConverged else { continue }
                let symbolic = derivative([x, y])
                guard wellConditioned(derivative, [x, y], value: symbolic, tolerance: 1e-10) else { continue }
                let scale = Swift.max(numerical.value.magnitude, value.magnitude / Swift.max(1, x.magnitude))
                compared += 1
                if (symbolic - numerical.value).magnitude <= 1e-8 * scale + 10 * numerical.errorEstimate { continue }
                // The adaptive difference can report convergence wrongly
                // where f is NaN on one side near x and varies steeply
                // (root(x, 3)^hypot(x + 123.25, root(x, 3)) at x = 0.044: 10x
                // off). The complex step, exact to rounding, arbitrates.
                let exact = complexStepDerivative(of: { program([$0, ComplexStep(real: y, imaginary: 0)]) }, at: x)
                if agree(symbolic, exact.value, relative: 1e-9, scale: 1e-9 * scale) {
                    falseConvergence += 1
                    continue
                }
                Issue.record("d/dx \(f) = \(d) at (\(x), \(y)): symbolic \(symbolic), numerical \(numerical.value) ± \(numerical.errorEstimate), complex step \(exact.value)")
            }
        }
        #expect(compared > 500, "only \(compared) points compared")
        #expect(falseConvergence <= compared / 100, "finite differences wrong but 'converged' at \(falseConvergence) of \(compared) points")
    }

    /// The derivative of a simplified formula is the simplified derivative
    /// (same value): simplifying first does not change what d/dx gives.
    @Test func derivativeCommutesWithSimplification() async throws {
        await propertyCheck(count: 300, input: EvaluableFormula.smooth, EvaluableFormula.points) { f, points in
            let names = ["x", "y"]
            let a = try f.derivative(withRespectTo: "x").compiled(variables: names)
            let b = try f.simplified().derivative(withRespectTo: "x").compiled(variables: names)
            let program = try f.compiled(variables: names)
            for point in points {
                let p = [point[0], point[1]]
                guard program(p).isFinite, !EvaluableFormula.passesThroughASingularity(f, at: point) else { continue }
                let (u, v) = (a(p), b(p))
                guard u.isFinite, u.magnitude < 1e12 else { continue }
                // Relative to the natural scale |f|/max(1, |x|): folded Double
                // coefficients leave rounding where terms cancel (c*(1/c) - 1).
                let scale = program(p).magnitude / Swift.max(1, p[0].magnitude)
                if agree(u, v, relative: 1e-9, scale: scale) { continue }
                guard wellConditioned(a, p, value: u), v.isFinite, wellConditioned(b, p, value: v) else { continue }
                Issue.record("d/dx \(f): \(u) vs d/dx \(f.simplified()): \(v) at \(p)")
            }
        }
    }
}
