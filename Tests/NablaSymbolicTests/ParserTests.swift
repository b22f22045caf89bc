import NablaRules
import NablaSymbolic
import Testing

// Shorthands for expected trees.
private let x = Formula.variable("x")
private let y = Formula.variable("y")
private let z = Formula.variable("z")
private func c(_ value: Double) -> Formula { .constant(value) }
private func neg(_ a: Formula) -> Formula { .unary(.negate, a) }
private func pow(_ a: Formula, _ n: Int) -> Formula { .unary(.power(n), a) }
private func bin(_ op: BinaryOperation, _ a: Formula, _ b: Formula) -> Formula { .binary(op, a, b) }

private func parse(_ text: String) throws -> Formula { try Formula(parsing: text) }

@Suite("Parser")
struct ParserTests {
    // MARK: Numbers and names

    @Test(arguments: [
        ("1e-4", 1e-4), (".5", 0.5), ("5.", 5), ("1E+3", 1000), ("0", 0), ("007", 7), ("1.5e3", 1500),
        ("2.5E-3", 0.0025), ("0.1", 0.1), ("123456789012", 123456789012), ("1e308", 1e308),
        ("4.9406564584124654e-324", Double.leastNonzeroMagnitude), ("1e-400", 0), ("  42  ", 42),
    ])
    func numbers(text: String, value: Double) throws {
        #expect(try parse(text) == .constant(value))
    }

    @Test func signsFoldIntoLiterals() throws {
        #expect(try parse("-2") == c(-2))
        #expect(try parse("-(2)") == c(-2))
        #expect(try parse("--2") == c(2))
        #expect(try parse("+2") == c(2))
        #expect(try parse("+x") == x)
        #expect(try parse("-x") == neg(x))
        #expect(try parse("--x") == neg(neg(x)))
        guard case .constant(let zero) = try parse("-0") else { Issue.record("-0 is not a constant"); return }
        #expect(zero == 0 && zero.sign == .minus, "-0 keeps its sign")
    }

    @Test(arguments: ["x", "y", "x0", "x1", "w_2", "θ", "_t", "alpha", "Δt", "x_1y", "sinx", "pie", "e2", "exp1"])
    func variables(name: String) throws {
        #expect(try parse(name) == .variable(name))
        #expect(try parse(name).variables == [name])
    }

    @Test func namedConstants() throws {
        #expect(try parse("π") == .named(.pi))
        #expect(try parse("pi") == .named(.pi))
        #expect(try parse("e") == .named(.e))
        #expect(try parse("2*π") == bin(.multiply, c(2), .named(.pi)))
        #expect(try parse("e^x") == bin(.power, .named(.e), x))
        #expect(try parse("e^2") == pow(.named(.e), 2))
        #expect(try parse("pi").variables.isEmpty)
    }

    @Test func typesetOperatorsAndWhitespace() throws {
        #expect(try parse("2×x") == parse("2*x"))
        #expect(try parse("2·x") == parse("2*x"))
        #expect(try parse("x−1") == parse("x-1"))  // U+2212 MINUS SIGN
        #expect(try parse(" \t2 *x\n") == parse("2*x"))
        #expect(try parse("x**2") == parse("x^2"))
        #expect(try parse("x ** -1") == pow(x, -1))
    }

    // MARK: Precedence and associativity

    @Test func precedence() throws {
        #expect(try parse("-x^2") == neg(pow(x, 2)), "-x^2 is -(x^2)")
        #expect(try parse("-x^2") == parse("-(x^2)"))
        #expect(try parse("(-x)^2") == pow(neg(x), 2))
        #expect(try parse("2^3^2") == bin(.power, c(2), pow(c(3), 2)), "^ is right-associative")
        #expect(try parse("x^y^z") == bin(.power, x, bin(.power, y, z)))
        #expect(try parse("x - y - z") == bin(.subtract, bin(.subtract, x, y), z), "- is left-associative")
        #expect(try parse("x / y / z") == bin(.divide, bin(.divide, x, y), z))
        #expect(try parse("x + y * z") == bin(.add, x, bin(.multiply, y, z)))
        #expect(try parse("(x + y) * z") == bin(.multiply, bin(.add, x, y), z))
        #expect(try parse("x*-y") == bin(.multiply, x, neg(y)))
        #expect(try parse("-x*y") == bin(.multiply, neg(x), y))
        #expect(try parse("x^-y^2") == bin(.power, x, neg(pow(y, 2))))
        #expect(try parse("-2^2") == neg(pow(c(2), 2)))
        #expect(try parse("2*x + 3*x*y + y^3") == bin(
            .add, bin(.add, bin(.multiply, c(2), x), bin(.multiply, bin(.multiply, c(3), x), y)), pow(y, 3)))
    }

    @Test(arguments: [
        ("2^3^2", 512.0), ("2**3**2", 512), ("-2^2", -4), ("(-2)^2", 4), ("2^-1", 0.5), ("1 - 2 - 3", -4),
        ("8 / 4 / 2", 1), ("2 + 3 * 4", 14), ("(2 + 3) * 4", 20), ("2*3^2", 18), ("-3^2 + 10", 1),
        ("2^-2^2", 0.0625), ("10 - -2", 12), ("6/-2*3", -9),
    ])
    func arithmeticValues(text: String, value: Double) throws {
        #expect(try parse(text).evaluate([String: Double]()) == value)
    }

    @Test func theSeedPolynomial() throws {
        let f = try parse("2*x + 3*x*y + y^3")
        #expect(try f.evaluate(["x": 1.0, "y": 2.0]) == 16)
        #expect(f.variables == ["x", "y"])
    }

    // MARK: Functions and powers

    @Test(arguments: UnaryOperation.namedFunctions)
    func everyNamedFunction(op: UnaryOperation) throws {
        #expect(try parse("\(op.name)(x)") == .unary(op, x))
        #expect(try parse(" \(op.name) ( x + 1 ) ") == .unary(op, bin(.add, x, c(1))))
    }

    @Test func binaryAndIntegerArgumentFunctions() throws {
        #expect(try parse("ln(x)") == .unary(.log, x))
        #expect(try parse("atan2(y, x)") == bin(.atan2, y, x), "atan2's first argument is y")
        #expect(try parse("hypot(x, y)") == bin(.hypot, x, y))
        #expect(try parse("min(x, y)") == bin(.min, x, y))
        #expect(try parse("max(x,y)") == bin(.max, x, y))
        #expect(try parse("pow(x, y)") == bin(.power, x, y))
        #expect(try parse("pow(x, 2)") == pow(x, 2))
        #expect(try parse("pow(x, -2)") == pow(x, -2))
        #expect(try parse("pow(x, 2.5)") == bin(.power, x, c(2.5)))
        #expect(try parse("root(x, 3)") == .unary(.root(3), x))
        #expect(try parse("root(x, 2)") == .unary(.root(2), x))
        #expect(try parse("root(x, 3.0)") == .unary(.root(3), x))
        #expect(try parse("max(min(x, y), atan2(z, 1))") == bin(.max, bin(.min, x, y), bin(.atan2, z, c(1))))
        #expect(try parse("sin(cos(x))") == .unary(.sin, .unary(.cos, x)))
        #expect(try parse("sin(x)^2") == pow(.unary(.sin, x), 2))
    }

    @Test func integerExponentsBecomeIntegerPowers() throws {
        #expect(try parse("x^2") == pow(x, 2))
        #expect(try parse("x^-2") == pow(x, -2))
        #expect(try parse("x^(-3)") == pow(x, -3))
        #expect(try parse("x^2.0") == pow(x, 2))
        #expect(try parse("x^(2)") == pow(x, 2))
        #expect(try parse("x^0") == pow(x, 0))
        #expect(try parse("x^1e6") == pow(x, 1_000_000))
        // Any other exponent is the real power.
        #expect(try parse("x^1e7") == bin(.power, x, c(1e7)))
        #expect(try parse("x^0.5") == bin(.power, x, c(0.5)))
        #expect(try parse("x^-0.5") == bin(.power, x, c(-0.5)))
        #expect(try parse("x^y") == bin(.power, x, y))
        #expect(try parse("x^(1/2)") == bin(.power, x, bin(.divide, c(1), c(2))))
        #expect(try parse("x^pi") == bin(.power, x, .named(.pi)))
    }

    @Test func variablesInOrderOfFirstAppearance() throws {
        #expect(try parse("y*x + sin(y) + z - x").variables == ["y", "x", "z"])
        #expect(try parse("2 + pi").variables == [])
    }

    // MARK: Printing

    @Test(arguments: [
        ("2*x + 3*x*y + y^3", "2*x + 3*x*y + y^3"), ("-(x^2)", "-x^2"), ("(-x)^2", "(-x)^2"),
        ("a - (b - c)", "a - (b - c)"), ("(a - b) - c", "a - b - c"), ("a - (b + c)", "a - (b + c)"),
        ("a/(b*c)", "a/(b*c)"), ("(a/b)*c", "a/b*c"), ("x^(y^z)", "x^y^z"), ("(x^y)^z", "(x^y)^z"),
        ("--x", "-(-x)"), ("-(x*y)", "-(x*y)"), ("pow(x, 2)", "x^2"), ("ln(x)", "log(x)"), ("root(x,3)", "root(x, 3)"),
        ("π", "pi"), ("1/-0", "1/-0"), ("1e20", "1e+20"), ("0.1", "0.1"), ("x^-2", "x^-2"), ("x^-2.5", "x^-2.5"),
        ("atan2(y,x)", "atan2(y, x)"), ("2**x", "2^x"), ("((x))", "x"), ("x * -2", "x*-2"), ("x - -2", "x - -2"),
        ("(-2)^x", "(-2)^x"), ("sin(x + y)", "sin(x + y)"), ("2.50", "2.5"), ("1e16", "1e+16"),
        ("999999999999999", "999999999999999"),
    ])
    func printing(text: String, printed: String) throws {
        #expect(try parse(text).description == printed)
    }

    static let roundTripSamples = [
        "2*x + 3*x*y + y^3", "-x^2", "(-x)^2", "2^3^2", "(2^3)^2", "x^y^z", "(x^y)^z", "x - (y - z)", "x - y - z",
        "x/(y/z)", "x/y/z", "x*(y*z)", "-(-x)", "--x", "-(x + y)", "-x*y", "x*-y", "x^-y", "x^-y^2", "x^(-y)^2",
        "sin(x)^2 + cos(x)^2", "exp(-x^2/2)/sqrt(2*pi)", "atan2(y, x) + hypot(x, y)", "min(x, max(y, z))",
        "pow(x, y) + pow(x, 3) + pow(x, -1)", "root(x, 3) + root(x + 1, 2)", "ln(1 + x) - log1p(x)",
        "sigmoid(x)*(1 - sigmoid(x))", "softplus(-x) + relu(x) + abs(x) + sign(x) + step(x)",
        "tanh(θ) + w_2*x0 - x1", "1e-4*x + .5 - 5. + 1E+3", "0.1 + 0.2", "-2 + -3*-x", "2*-2^2", "(-2)^-2",
        "e^(-x) + e", "x^0.5 + x^1e7 + x^1000000", "1/-0", "-0 - 0", "erf(x/sqrt(2))", "asinh(x) + acosh(x + 2) + atanh(x/2)",
        "((((x))))", "-(-(-(x)))", "x^2^-1", "1e300*1e-300", "1e15 + 999999999999999 + 1e16 + 2^53 + 12345678901234567890", "123456.789e3", "x − y × z · w",
    ]

    @Test(arguments: roundTripSamples)
    func printedFormulasParseBackIdentically(text: String) throws {
        let formula = try parse(text)
        let printed = formula.description
        let reparsed = try parse(printed)
        #expect(reparsed == formula, "\(text) printed as \(printed) parsed back as \(reparsed)")
        #expect(reparsed.description == printed, "printing is stable")
    }

    // MARK: Limits

    @Test func nestingUpToTheLimitIsAccepted() throws {
        let n = Formula.maximumNesting
        let parens = String(repeating: "(", count: n) + "x" + String(repeating: ")", count: n)
        #expect(try parse(parens) == x)
        let signs = String(repeating: "-", count: n) + "x"
        var expected = x
        for _ in 0..<n { expected = neg(expected) }
        #expect(try parse(signs) == expected)
        let calls = String(repeating: "sin(", count: n) + "x" + String(repeating: ")", count: n)
        #expect(try parse(calls).variables == ["x"])
    }

    @Test func chainsUpToTheLimitAreAccepted() throws {
        let terms = Array(repeating: "x", count: Formula.maximumHeight + 1).joined(separator: "+")
        let f = try parse(terms)
        #expect(try f.evaluate(["x": 1.0]) == Double(Formula.maximumHeight + 1))
    }
}
