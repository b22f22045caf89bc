import NablaRules
import NablaSymbolic
import Testing

@Suite("Simplifier")
struct SimplifierTests {
    @Test(arguments: [
        // Constant folding, exact fractions.
        ("2*3 + 1", "7"), ("1/2 + 1/3", "5/6"), ("2 - 5", "-3"), ("1/3*3", "1"), ("2^10 - 24", "1000"),
        ("(1/2)^2", "1/4"), ("-(1/2)", "-1/2"), ("6/4", "3/2"), ("0.5 + 0.25", "0.75"), ("2*0.5", "1"),
        ("1/2 + 0.5", "1"), ("(2/3)^-2", "9/4"),
        // Neutral and absorbing elements.
        ("x*1", "x"), ("1*x", "x"), ("x + 0", "x"), ("0 + x", "x"), ("x - 0", "x"), ("x^1", "x"), ("x^0", "1"),
        ("0*x", "0"), ("x*0", "0"), ("0/x", "0"), ("x/1", "x"), ("1^x", "1"), ("pow(x, 1)", "x"), ("--x", "x"),
        ("-(-x)", "x"), ("-1*x", "-x"),
        // Like terms and equal bases.
        ("3*x + 2*x", "5*x"), ("x + x", "2*x"), ("x*x", "x^2"), ("x^2*x", "x^3"), ("x/x", "1"), ("x - x", "0"),
        ("x^2/x^3", "1/x"), ("x*y/x", "y"), ("x*y - y*x", "0"), ("2*x*3", "6*x"), ("x^2*y + y*x^2", "2*x^2*y"),
        ("a + b + a*b + b*a", "a + b + 2*a*b"), ("1/x + 1/x", "2/x"), ("1/(x + 1) + 1/(1 + x)", "2/(1 + x)"),
        ("(x + y) - (y + x)", "0"), ("(x + 1)*(x + 1)", "(1 + x)^2"), ("0.5*x + 0.5*x", "x"),
        ("sin(x) + sin(x)", "2*sin(x)"), ("sin(x)*sin(x)", "sin(x)^2"), ("exp(x)/exp(x)", "1"),
        ("(2*x)^2", "4*x^2"), ("(x*y)^-1", "1/(x*y)"), ("(x^2)^3", "x^6"), ("x^-2*y", "y/x^2"),
        // Like terms whose factors come in another order.
        ("sin(x)*cos(x) - cos(x)*sin(x)", "0"), ("sin(x)*cos(x) + cos(x)*sin(x)", "2*sin(x)*cos(x)"),
        ("exp(y)*log(x)*x - x*log(x)*exp(y)", "0"),
        // Order: the constant, then polynomial terms by degree and name, then the rest.
        ("x^2 + 1 + x", "1 + x + x^2"), ("x^3 - x^2 + x - 1", "-1 + x - x^2 + x^3"), ("y + x", "x + y"),
        ("y^2 + x^2", "x^2 + y^2"), ("z*y*x", "x*y*z"), ("sin(x) + x + 2", "2 + x + sin(x)"), ("x - 5", "-5 + x"),
        ("sin(x)*y*2 + x", "x + 2*y*sin(x)"),
        // Signs: `-` rather than `+ -`, the sign on the leading factor.
        ("x + -3*y", "x - 3*y"), ("x + (-3)*y", "x - 3*y"), ("x*(-y)", "-x*y"), ("-(x*y)", "-x*y"),
        ("-(x - y)", "-x + y"), ("-x/2", "-x/2"), ("x - 1/2", "-1/2 + x"), ("-1/x", "-1/x"), ("3 - x^2", "3 - x^2"),
        // A negative term led by a sum: negation distributes over a lone sum,
        // and otherwise the whole term is negated (so that it reads back alike).
        ("-1*(1 + x)", "-1 - x"), ("-(1 + x)*(2 + x)", "(-1 - x)*(2 + x)"), ("-(x + 1)/y", "(-1 - x)/y"),
        ("(1 + x)*(2 + x)*-1", "-((1 + x)*(2 + x))"), ("-((1 + x)*(2 + x))", "-((1 + x)*(2 + x))"),
        ("(x + 1)/-y", "-((1 + x)/y)"),
        ("-(1 + x)^2", "-(1 + x)^2"), ("(-y + e)*(y - e)/x", "(-y + e)*(y - e)/x"),
        // No needless parentheses.
        ("((x))", "x"), ("(x) + (y*z)", "x + y*z"), ("(x*y) + (z)", "z + x*y"), ("(x*y)*z", "x*y*z"), ("x*(y*z)", "x*y*z"), ("(x/y)/z", "x/(y*z)"),
        ("x/(y/z)", "x*z/y"), ("x/(2*y)", "x/(2*y)"), ("(x^2)", "x^2"),
        // Sums are not multiplied out.
        ("(x + 1)*(x - 1)", "(1 + x)*(-1 + x)"), ("2*(x + y)", "2*(x + y)"), ("(x + 1)^2", "(1 + x)^2"),
        ("(x + y)/(x + y)", "1"),
        // Functions of constants: folded only when exact.
        ("exp(0)", "1"), ("sqrt(4)", "2"), ("sqrt(2)", "sqrt(2)"), ("log(1)", "0"), ("sin(0)", "0"), ("cos(0)", "1"),
        ("abs(-2)", "2"), ("relu(-3)", "0"), ("step(2)", "1"), ("sign(-5)", "-1"), ("root(8, 3)", "2"),
        ("root(-8, 3)", "-2"), ("hypot(3, 4)", "5"), ("atan2(0, 1)", "0"), ("min(3, -4)", "-4"), ("max(3, -4)", "3"),
        ("min(x, x)", "x"), ("max(sin(x), sin(x))", "sin(x)"), ("exp(1)", "exp(1)"), ("sigmoid(0)", "0.5"),
        ("pow(x, 4/2)", "x^2"), ("pow(x, 2 - 1/2)", "x^(3/2)"),
    ])
    func simplifiesTo(input: String, expected: String) throws {
        #expect(try simplifiedText(input) == expected, "\(input)")
    }

    /// The canonical form is a product where it should stay one: the
    /// simplifier does not expand (x + 1)*(x - 1).
    @Test func productsOfSumsStayProducts() throws {
        let s = try Formula(parsing: "(x+1)*(x-1)").simplified()
        guard case .binary(.multiply, let a, let b) = s else {
            Issue.record("not a product: \(s)")
            return
        }
        #expect(a.description == "1 + x")
        #expect(b.description == "-1 + x")
    }

    /// `1/2 + 1/3` is the exact fraction 5/6, evaluated as 5.0/6.
    @Test func fractionsAreExact() throws {
        let s = try Formula(parsing: "1/2 + 1/3").simplified()
        #expect(s == .binary(.divide, .constant(5), .constant(6)))
        #expect(try s.evaluate([String: Double]()) == 5.0 / 6)
        // Beyond 2^53 (or when one number is not an integer) the coefficient is a Double.
        #expect(try simplifiedText("0.1*x + 0.2*x") == "\(0.1 + 0.2)*x")
        #expect(try simplifiedText("x/3 + x/3 + x/3") == "x")
    }

    /// Canonical construction: the arithmetic of Formula (what generic code
    /// and the derivative use) keeps the canonical form as it builds.
    @Test func arithmeticBuildsCanonicalForms() {
        let x = Formula.variable("x"), y = Formula.variable("y")
        #expect((x + x).description == "2*x")
        #expect((x * x * x).description == "x^3")
        #expect((x * 0).description == "0")
        #expect((x * 1 + 0).description == "x")
        #expect((x - x).description == "0")
        #expect((x / x).description == "1")
        #expect((y * x + x * y).description == "2*x*y")
        #expect((3 * x + 2 * x).description == "5*x")
        #expect((-(-x)).description == "x")
        #expect((x - 3 * y).description == "x - 3*y")
        #expect(Formula.pow(x, 0).description == "1")
        #expect(Formula.pow(x, 1) == x)
        #expect(Formula.pow(x * x, 3).description == "x^6")
        #expect(Formula.sqrt(4).description == "2")
        #expect(Formula.exp(0).description == "1")
        #expect(Formula.log(1).description == "0")
        #expect((Formula(1) / 2 + Formula(1) / 3).description == "5/6")
        // Equal when built by arithmetic in either order.
        #expect(x + y == y + x)
        #expect(x * y == y * x)
        #expect(Formula.sin(x) * Formula.cos(x) - Formula.cos(x) * Formula.sin(x) == 0)
    }

    /// Simplifying a simplified formula changes nothing.
    @Test(arguments: [
        "2*x + 3*x*y + y^3", "sin(x)*(1 - sigmoid(x))/(x^2 + 1)", "-x*y + 1/(x + y)^3 - 2*sqrt(x)",
        "exp(-x^2/2)/sqrt(2*pi)", "atan2(y, x)*hypot(x, y) - min(x, 1)", "cos(x)/sin(x) + 1/sin(x)*cos(x)",
        "-(1 + x)*(2 + x)", "-(y - min(e, 3.75))/(z/pi)^(z/pi)", "-(-y + e)*(y - e)/x", "-1*(1 + x) + z",
    ])
    func simplificationIsIdempotent(text: String) throws {
        let once = try Formula(parsing: text).simplified()
        #expect(once.simplified() == once)
        #expect(try Formula(parsing: once.description).simplified() == once)
    }

    /// The value is kept: x/x is 1 (also at x = 0, where the original is
    /// undefined), and numbers fold to what Double computes.
    @Test func valuesAreKept() throws {
        for text in ["x/x*3 + x*2 - x", "(x + 1)*(x - 1)", "exp(x)*exp(x)/exp(x)", "x^3*x^-2 + 1/2 + 1/3"] {
            let f = try Formula(parsing: text)
            let a = try f.compiled(variables: ["x"]), b = try f.simplified().compiled(variables: ["x"])
            for x in [-2.5, -0.3, 0.7, 1.9] {
                #expect(agree(a([x]), b([x]), relative: 1e-14), "\(text) at \(x)")
            }
        }
        // Undefined where the original is: the zero in a denominator stays.
        #expect(try simplifiedText("x/0") == "x/0")
        #expect(try Formula(parsing: "0^-1").simplified().evaluate([String: Double]()) == .infinity)
    }

    /// -0 is 0 once simplified, wherever it occurs (the memo of simplified()
    /// compares numbers with ==, for which -0 and 0 are equal: both must
    /// simplify alike for the printed result to be stable).
    @Test func negativeZeroIsZero() throws {
        #expect(try simplifiedText("x + -0") == "x")
        #expect(try simplifiedText("min(-0, y)*min(0, y)") == "min(0, y)^2")
        #expect(try simplifiedText("min(0, y)*min(-0, y)") == "min(0, y)^2")
        #expect(try simplifiedText("(-0)^z + 0^z") == "2*0^z")
        #expect(try simplifiedText("1/-0") == "1/0")
        let d = try Formula(parsing: "min(-0, x) + min(0, x)").derivative(withRespectTo: "x")
        #expect(d.description == "1 + sign(-x)", "d/dx min(0, x) = (1 + sign(0 - x))/2, twice")
    }

    /// Compiling keeps -0 and 0 apart (common-subexpression elimination
    /// must not merge them: 1/-0 is -∞, atan2(-0, -1) is -π).
    @Test func compilingKeepsTheSignOfZero() throws {
        let f = try Formula(parsing: "1/-0 + 1/0")
        #expect(try f.evaluate([String: Double]()).isNaN)
        let g = try Formula(parsing: "atan2(-0, -1) - atan2(0, -1)")
        #expect(try g.evaluate([String: Double]()) == -2 * Double.pi)
        let h = try Formula(parsing: "atan2(0, -1) - atan2(-0, -1)")
        #expect(try h.evaluate([String: Double]()) == 2 * Double.pi)
    }

    /// Numbers beyond the range of Int do not trap (Int.min has no
    /// magnitude, exponents beyond Int overflow).
    @Test func extremeIntegersDoNotCrash() throws {
        let twoTo63 = Double(sign: .plus, exponent: 63, significand: 1)
        #expect(try Formula(parsing: "-9007199254740992*1024").simplified() == .constant(-twoTo63))
        #expect(try Formula(parsing: "(-2)^63*x").simplified().evaluate(["x": 1.0]) == -twoTo63)
        #expect(try Formula(parsing: "1/(-9007199254740992*1024)").simplified().evaluate([String: Double]()) == -1 / twoTo63)
        #expect(try Formula(parsing: "-4611686018427387904*2 + 1").simplified().evaluate([String: Double]()) == 1 - twoTo63)
        // x^(10^24): kept as a power of a power.
        let huge = try Formula(parsing: "((((x^1000000)^1000000)^1000000)^1000000)").simplified()
        #expect(try huge.evaluate(["x": 1.0]) == 1)
        #expect(try huge.evaluate(["x": -1.0]) == 1)
        #expect(try huge.evaluate(["x": 0.5]) == 0)
        #expect(huge.simplified() == huge)
        #expect(try Formula(parsing: huge.description).simplified().description == huge.description)
        // x^(2^62) * x^(2^62): the sum of the exponents is beyond Int.
        let big = try Formula(parsing: "(x^2097152)^1000000")  // 2^21·10^6
        let product = Formula.binary(.multiply, Formula.unary(.power(1 << 62), .variable("x")),
                                     Formula.unary(.power(1 << 62), .variable("x"))).simplified()
        #expect(try product.evaluate(["x": -1.0]) == 1)
        #expect(try big.simplified().evaluate(["x": 1.0]) == 1)
        #expect(product.simplified() == product)
    }
}
