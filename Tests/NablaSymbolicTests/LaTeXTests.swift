import NablaRules
import NablaSymbolic
import Testing

@Suite("LaTeX")
struct LaTeXTests {
    /// The LaTeX of the parsed formula as written (not simplified).
    @Test(arguments: [
        // Fractions, powers, roots.
        ("x/y", "\\frac{x}{y}"), ("(x + 1)/(x - 1)", "\\frac{x + 1}{x - 1}"), ("x^2", "x^{2}"), ("x^10", "x^{10}"),
        ("x^-2", "x^{-2}"), ("x^(y + 1)", "x^{y + 1}"), ("2^x", "2^{x}"), ("e^x", "e^{x}"), ("(x + 1)^2", "\\left(x + 1\\right)^{2}"),
        ("(-2)^x", "\\left(-2\\right)^{x}"), ("sin(x)^2", "\\sin\\left(x\\right)^{2}"), ("x^(1/2)", "x^{\\frac{1}{2}}"),
        ("sqrt(x)", "\\sqrt{x}"), ("sqrt(x^2 + 1)", "\\sqrt{x^{2} + 1}"), ("root(x, 3)", "\\sqrt[3]{x}"),
        // Names: digits and underscores become subscripts; longer names are italic words.
        ("x0", "x_{0}"), ("x0 + x12", "x_{0} + x_{12}"), ("w_2", "w_{2}"), ("w_ij", "w_{ij}"), ("alpha", "\\mathit{alpha}"),
        ("pi", "\\pi"), ("π", "\\pi"), ("e", "e"),
        // Products: juxtaposition, \cdot between numbers, a space after a control word.
        ("3*x*y", "3xy"), ("2*x0", "2x_{0}"), ("2*3", "2 \\cdot 3"), ("x*2", "x \\cdot 2"), ("2*x^2", "2x^{2}"),
        ("3*2^x", "3 \\cdot 2^{x}"), ("2*pi", "2\\pi"), ("pi*x", "\\pi x"), ("2*exp(2*x)", "2\\exp\\left(2x\\right)"),
        ("(x + 1)*y", "\\left(x + 1\\right)y"), ("x*(y + 1)", "x\\left(y + 1\\right)"), ("x*(-y)", "x\\left(-y\\right)"),
        ("x*y^2", "xy^{2}"), ("-x*y", "-xy"),
        // Sums and signs.
        ("x - y", "x - y"), ("x - (y - z)", "x - \\left(y - z\\right)"), ("-x", "-x"), ("-(x + y)", "-\\left(x + y\\right)"),
        // Functions.
        ("sin(x)", "\\sin\\left(x\\right)"), ("log(x)", "\\log\\left(x\\right)"), ("asin(x)", "\\arcsin\\left(x\\right)"),
        ("acos(x)", "\\arccos\\left(x\\right)"), ("atan(x)", "\\arctan\\left(x\\right)"), ("tanh(x)", "\\tanh\\left(x\\right)"),
        ("sigmoid(x)", "\\operatorname{sigmoid}\\left(x\\right)"), ("abs(x)", "\\left|x\\right|"),
        ("atan2(y, x)", "\\operatorname{atan2}\\left(y, x\\right)"), ("max(x, y)", "\\max\\left(x, y\\right)"),
        ("min(x, 1)", "\\min\\left(x, 1\\right)"), ("hypot(x, y)", "\\operatorname{hypot}\\left(x, y\\right)"),
    ])
    func latex(text: String, expected: String) throws {
        #expect(try Formula(parsing: text).latex == expected, "\(text)")
    }

    /// LaTeX of simplified formulas and derivatives.
    @Test func latexOfSimplifiedFormulas() throws {
        #expect(try Formula(parsing: "1/2 + 1/3").simplified().latex == "\\frac{5}{6}")
        #expect(try Formula(parsing: "x^-2*y").simplified().latex == "\\frac{y}{x^{2}}")
        #expect(try Formula(parsing: "x*x*y*3").simplified().latex == "3x^{2}y")
        #expect(try Formula(parsing: "x + -3*y").simplified().latex == "x - 3y")
        let f = try Formula(parsing: "2*x + 3*x*y + y^3")
        #expect(f.latex == "2x + 3xy + y^{3}")
        #expect(f.derivative(withRespectTo: "x").latex == "2 + 3y")
        #expect(f.derivative(withRespectTo: "y").latex == "3x + 3y^{2}")
        #expect(try Formula(parsing: "sqrt(x)").derivative(withRespectTo: "x").latex == "\\frac{1}{2\\sqrt{x}}")
        #expect(try Formula(parsing: "sigmoid(x)").derivative(withRespectTo: "x").latex
            == "\\operatorname{sigmoid}\\left(x\\right)\\left(1 - \\operatorname{sigmoid}\\left(x\\right)\\right)")
        #expect(try Formula(parsing: "x0^2*x1").derivative(withRespectTo: "x0").latex == "2x_{0}x_{1}")
        #expect(try Formula(parsing: "erf(x)").derivative(withRespectTo: "x").latex
            == "\\frac{2\\exp\\left(-x^{2}\\right)}{\\sqrt{\\pi}}")
    }

    /// Braces and \left( \right) pairs balance in the LaTeX of every formula
    /// of a derivative table.
    @Test func delimitersBalance() throws {
        for text in ["exp(-x^2/2)/sqrt(2*pi)", "atan2(y, x)*hypot(x, y)^-3", "(x + 1)^(y - 1)*abs(x - y)/root(x, 5)",
                     "sigmoid(x)*(1 - tanh(x0))^2 - min(x, max(y, 1))"] {
            for f in [try Formula(parsing: text), try Formula(parsing: text).derivative(withRespectTo: "x")] {
                let latex = f.latex
                #expect(latex.filter { $0 == "{" }.count == latex.filter { $0 == "}" }.count, "\(latex)")
                #expect(latex.components(separatedBy: "\\left").count == latex.components(separatedBy: "\\right").count, "\(latex)")
            }
        }
    }
}
