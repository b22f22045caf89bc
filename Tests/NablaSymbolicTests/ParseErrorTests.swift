import NablaSymbolic
import Testing

/// A formula that must not parse, the column the error must name (1-based,
/// in characters; one past the end when the formula ends too early) and
/// fragments the message must contain (what was expected or found).
struct BadInput: Sendable, CustomTestStringConvertible {
    let input: String
    let column: Int
    let mentions: [String]
    let label: String?

    init(_ input: String, column: Int, _ mentions: String..., label: String? = nil) {
        self.input = input
        self.column = column
        self.mentions = mentions
        self.label = label
    }

    var testDescription: String { label ?? "\"\(input)\"" }
}

@Suite("Parse errors")
struct ParseErrorTests {
    static let nestedParentheses = String(repeating: "(", count: 500) + "x" + String(repeating: ")", count: 500)
    static let longSum = Array(repeating: "x", count: 5000).joined(separator: "+")
    static let manyMinusSigns = String(repeating: "-", count: 1000) + "x"

    static let cases: [BadInput] = [
        BadInput("", column: 1, "empty"),
        BadInput("   ", column: 1, "empty"),
        BadInput("2*", column: 3, "expected a number, a variable, a function call or '('", "after '*'", "ended"),
        BadInput("2*x*", column: 5, "expected a number, a variable, a function call or '('", "after '*'"),
        BadInput("2x", column: 2, "expected an operator between '2' and 'x'", "implicit multiplication", "2*x"),
        BadInput("(x)(y)", column: 4, "expected an operator between ')' and '('"),
        BadInput("(x+1", column: 5, "expected ')' to close the '(' at column 1", "found the end of the formula"),
        BadInput("((x+1)", column: 7, "expected ')' to close the '(' at column 1"),
        BadInput("x+1)", column: 4, "unmatched ')'"),
        BadInput("sin x", column: 5, "expected '(' after the function name 'sin'"),
        BadInput("ln x", column: 4, "expected '(' after the function name 'ln'"),
        BadInput("sin^2(x)", column: 4, "expected '(' after the function name 'sin'"),
        BadInput("foo(x)", column: 1, "unknown function 'foo'", "known:", "sqrt", "atan2", "root"),
        BadInput("atan2(x)", column: 1, "'atan2' takes 2 arguments, got 1"),
        BadInput("x + sin(x, y)", column: 5, "'sin' takes 1 argument, got 2"),
        BadInput("sin()", column: 1, "'sin' takes 1 argument, got 0"),
        BadInput("root(x)", column: 1, "'root' takes 2 arguments, got 1"),
        BadInput("1e", column: 2, "expected an operator between '1' and 'e'"),
        BadInput("1e+", column: 4, "expected digits after the exponent sign", "'1e+'"),
        BadInput("2.5E-x", column: 6, "expected digits after the exponent sign", "'2.5E-'"),
        BadInput("x $ y", column: 3, "unexpected character '$'"),
        BadInput("[x]", column: 1, "unexpected character '['", "use '('"),
        BadInput("x = 1", column: 3, "unexpected character '='", "not an equation"),
        BadInput("3!", column: 2, "unexpected character '!'", "factorials"),
        BadInput("x.", column: 2, "unexpected character '.'"),
        BadInput("pi(2)", column: 1, "'pi' is a constant, not a function"),
        BadInput("2 + e(x)", column: 5, "'e' is a constant, not a function"),
        BadInput("root(x, 2.5)", column: 1, "second argument of 'root' must be a positive integer constant"),
        BadInput("root(x, 0)", column: 1, "positive integer constant"),
        BadInput("root(x, y)", column: 1, "positive integer constant"),
        BadInput("()", column: 2, "expected a formula inside '()'"),
        BadInput("x^", column: 3, "expected a number, a variable, a function call or '('", "after '^'"),
        BadInput("2***3", column: 4, "expected a number, a variable, a function call or '('", "found '*'"),
        BadInput("x,y", column: 2, "expected an operator or the end of the formula", "found ','"),
        BadInput("min(x, y", column: 9, "expected ',' or ')' to close the call of 'min' opened at column 4",
                 "found the end of the formula"),
        BadInput("max(x y)", column: 7, "expected ',' or ')' to close the call of 'max'", "found 'y'"),
        BadInput("1e999", column: 1, "too large"),
        BadInput("θ + π(x)", column: 5, "'π' is a constant, not a function"),
        // Limits: the column is that of the opener (or operator) past the limit.
        BadInput(nestedParentheses, column: 101, "nested too deeply", "100", label: "500 nested parentheses"),
        BadInput(longSum, column: 2002, "too long", "1000", label: "x+x+...+x with 5000 terms"),
        BadInput(manyMinusSigns, column: 101, "nested too deeply", label: "1000 minus signs"),
        BadInput(String(repeating: "sin(", count: 200) + "x" + String(repeating: ")", count: 200), column: 404,
                 "nested too deeply", label: "200 nested calls"),
        BadInput(String(repeating: "x^", count: 200) + "x", column: 202, "nested too deeply", label: "200 powers"),
    ]

    @Test(arguments: cases)
    func badInput(_ bad: BadInput) throws {
        let error = try #require(throws: FormulaParseError.self) { try Formula(parsing: bad.input) }
        #expect(error.input == bad.input)
        #expect(error.column == bad.column, "message: \(error.message)")
        #expect((1...bad.input.count + 1).contains(error.column))
        for fragment in bad.mentions {
            #expect(error.message.contains(fragment), "message \"\(error.message)\" does not mention \"\(fragment)\"")
        }
        #expect(error.summary == "column \(error.column): \(error.message)")

        // The description: the summary, the formula, a caret under the column.
        let lines = error.description.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        try #require(lines.count == 3, "description: \(error.description)")
        #expect(lines[0] == error.summary)
        #expect(lines[1] == "  " + bad.input.replacing("\t", with: " "))
        #expect(lines[2] == String(repeating: " ", count: 2 + error.column - 1) + "^")
        // The caret sits under the offending character (or just past the end).
        let caret = lines[2].count - 1
        let formulaLine = Array(lines[1])
        if error.column <= bad.input.count {
            #expect(formulaLine[caret] == Array(bad.input)[error.column - 1])
        } else {
            #expect(caret == formulaLine.count)
        }
    }

    @Test func columnsCountCharactersNotBytes() throws {
        let error = try #require(throws: FormulaParseError.self) { try Formula(parsing: "θ·π + ∑") }
        #expect(error.column == 7)
        #expect(error.message.contains("unexpected character '∑'"))
    }

    @Test func tabsAndNewlinesAreShownAsSpacesSoTheCaretAligns() throws {
        let error = try #require(throws: FormulaParseError.self) { try Formula(parsing: "x +\t\ny $") }
        #expect(error.column == 8)
        let lines = error.description.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3)
        #expect(lines[1] == "  x +  y $")
        #expect(lines[2] == "         ^")
    }

    @Test func errorsAreValues() {
        let a = FormulaParseError(input: "2*", column: 3, message: "m")
        #expect(a == FormulaParseError(input: "2*", column: 3, message: "m"))
        #expect(a != FormulaParseError(input: "2*", column: 2, message: "m"))
        #expect(a.description == "column 3: m\n  2*\n    ^")
    }
}
