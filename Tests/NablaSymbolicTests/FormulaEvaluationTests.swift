import NablaNumerical
import NablaRules
import NablaSymbolic
import Testing

@Suite("Formula evaluation")
struct FormulaEvaluationTests {
    static let seed = "2*x + 3*x*y + y^3"

    @Test func compiledInDoubleAndFloat() throws {
        let f = try Formula(parsing: Self.seed).compiled(variables: ["x", "y"])
        #expect(f.arity == 2)
        #expect(f([1.0, 2.0]) == 16)
        #expect(f([Float(1), 2]) == 16)
        let other: Double = 2 * -1.5 + 3 * -1.5 * 0.5 + 0.125
        #expect(f([-1.5, 0.5]) == other)
        // The order of `variables` is the order of the values.
        let g = try Formula(parsing: Self.seed).compiled(variables: ["y", "x"])
        #expect(g([2.0, 1.0]) == 16)
        let swapped: Double = 2 * 2 + 3 * 2 * 1 + 1  // x = 2, y = 1
        #expect(g([1.0, 2.0]) == swapped)
        // Variables the formula does not use are allowed.
        let h = try Formula(parsing: Self.seed).compiled(variables: ["t", "x", "y", "z"])
        #expect(h.arity == 4)
        #expect(h([100.0, 1, 2, -100]) == 16)
        // A formula without variables.
        let k = try Formula(parsing: "2^10 - 24").compiled(variables: [])
        #expect(k.arity == 0)
        #expect(k([Double]()) == 1000)
    }

    @Test func floatAndDoubleAgree() throws {
        let text = "exp(-x^2/2)/sqrt(2*pi) + atan2(y, x)*hypot(x, y) - log1p(x*x) + sigmoid(y)*tanh(x) + root(y, 3) + x^-2"
        let f = try Formula(parsing: text).compiled(variables: ["x", "y"])
        for (a, b) in [(0.5, 1.5), (-1.25, 2.0), (2.0, -0.75)] {
            let d: Double = f([a, b])
            let s: Float = f([Float(a), Float(b)])
            // 1e-5 relative: a dozen Float roundings.
            #expect((Double(s) - d).magnitude <= 1e-5 * Swift.max(1, d.magnitude), "at (\(a), \(b)): \(s) vs \(d)")
        }
    }

    @Test func unboundVariable() throws {
        let f = try Formula(parsing: "x + z*y")
        let error = try #require(throws: UnboundVariableError.self) { try f.compiled(variables: ["x", "y"]) }
        #expect(error == UnboundVariableError(name: "z", known: ["x", "y"]))
        #expect(error.description == "the formula uses variable 'z' but no value was given for it (given: x, y)")
        let none = try #require(throws: UnboundVariableError.self) { try f.compiled(variables: []) }
        #expect(none.name == "x", "the first variable met is reported")
        #expect(none.description == "the formula uses variable 'x' but no value was given for it (none were given)")
        let viaEvaluate = try #require(throws: UnboundVariableError.self) {
            try f.evaluate(["y": 1.0, "x": 2.0])
        }
        #expect(viaEvaluate.name == "z")
        #expect(viaEvaluate.known == ["x", "y"], "the known names are listed sorted")
    }

    @Test func evaluateWithBindings() throws {
        let f = try Formula(parsing: Self.seed)
        #expect(try f.evaluate(["x": 1.0, "y": 2.0]) == 16)
        #expect(try f.evaluate(["y": Float(2), "x": 1, "unused": 7]) == 16)
        #expect(try Formula(parsing: "pi").evaluate([String: Double]()) == Double.pi)
        #expect(try Formula(parsing: "π").evaluate([String: Float]()) == Float.pi)
        #expect(try Formula(parsing: "e").evaluate([String: Double]()) == Double.exp(1))
        #expect(try Formula(parsing: "θ*2").evaluate(["θ": 0.25]) == 0.5)
    }

    /// Each function name reaches the rule table's own function.
    @Test(arguments: UnaryOperation.namedFunctions)
    func everyNamedFunctionEvaluates(op: UnaryOperation) throws {
        let x = op == .acosh ? 1.75 : 0.75
        let f = try Formula(parsing: "\(op.name)(x)")
        #expect(try f.evaluate(["x": x]) == op.value(x))
        #expect(try f.evaluate(["x": Float(x)]) == op.value(Float(x)))
    }

    @Test func binaryFunctionsAndPowers() throws {
        func value(_ text: String, _ x: Double = 0) throws -> Double {
            try Formula(parsing: text).evaluate(["x": x])
        }
        #expect(try value("atan2(1, 0)") == Double.pi / 2, "atan2(y, x): y first")
        #expect(try value("atan2(0, -1)") == Double.pi)
        #expect(try value("hypot(3, 4)") == 5)
        #expect(try value("min(3, -4)") == -4)
        #expect(try value("max(3, -4)") == 3)
        #expect(try value("min(x, 1)", .nan).isNaN)
        #expect(try value("pow(2, 0.5)") == Double.squareRoot(2)())
        #expect(try value("ln(e)") == 1)
        #expect((try value("root(27, 3)") - 3).magnitude < 1e-15)
        #expect((try value("root(x, 3)", -8) + 2).magnitude < 1e-15, "odd roots of negative numbers")
        // Integer powers are defined for negative x; real powers are not.
        #expect(try value("x^-2", -2) == 0.25)
        #expect(try value("x^3", -2) == -8)
        #expect(try value("pow(x, 3)", -2) == -8)
        #expect(try value("x^2.5", -2).isNaN)
        #expect(try value("x^(1/3)", -8).isNaN)
        #expect(try value("x^0", 0) == 1)
    }

    /// The same formula run with the complex-step number gives its derivative.
    @Test func complexStepThroughAFormula() throws {
        let f = try Formula(parsing: "x^3*sin(x) + exp(-x^2)/(1 + x^2) + atan2(x, 2) + sigmoid(x) - sqrt(x)")
        let program = try f.compiled(variables: ["x"])
        func exact(_ x: Double) -> Double {
            let s = Double.sigmoid(x)
            let q = 1 + x * x
            return 3 * x * x * Double.sin(x) + x * x * x * Double.cos(x)
                + (-2 * x * Double.exp(-x * x) * q - Double.exp(-x * x) * 2 * x) / (q * q)
                + 2 / (4 + x * x) + s * (1 - s) - 0.5 / Double.sqrt(x)
        }
        for x in [0.25, 0.7, 1.5, 3.0] {
            let d = complexStepDerivative(of: { program([$0]) }, at: x)
            #expect((d.value - exact(x)).magnitude <= 1e-14 * Swift.max(1, exact(x).magnitude),
                    "at \(x): \(d.value) vs \(exact(x))")
            // Formula.evaluate with ComplexStep bindings, too.
            let h = Double.leastNormalMagnitude.squareRoot()
            let z: ComplexStep<Double> = try f.evaluate(["x": ComplexStep(real: x, imaginary: h)])
            #expect(z.imaginary / h == d.value)
            #expect((z.real - (try f.evaluate(["x": x]))).magnitude <= 1e-15 * Swift.max(1, z.real.magnitude))
            // and finite differences agree
            let n = try numericalDerivative(of: { program([$0]) }, at: x)
            #expect((n.value - d.value).magnitude <= 1e-9 * Swift.max(1, d.value.magnitude))
        }
    }

    @Test func complexStepGradientOfTheSeed() throws {
        let program = try Formula(parsing: Self.seed).compiled(variables: ["x", "y"])
        let g = complexStepGradient(of: { program($0) }, at: [1.0, 2.0])
        #expect(g.value == [8, 15])
    }

    @Test func compiledFormulasAreValues() throws {
        let a = try Formula(parsing: Self.seed).compiled(variables: ["x", "y"])
        let b = try Formula(parsing: "2*x+3*x*y+y**3").compiled(variables: ["x", "y"])
        let c = try Formula(parsing: Self.seed).compiled(variables: ["y", "x"])
        #expect(a == b)
        #expect(a != c)
    }
}
