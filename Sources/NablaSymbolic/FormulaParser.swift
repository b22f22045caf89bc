import RealModule
import NablaRules

/// A formula that could not be parsed: where, and what was expected there.
///
/// Its description shows the formula with a caret under the offending column:
///
/// ```text
/// column 5: expected a number, a variable, a function call or '(' after '*', but the formula ended
///   2*x*
///       ^
/// ```
public struct FormulaParseError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The text that was parsed.
    public let input: String
    /// The 1-based column (in characters) where the problem is; one past the
    /// end when the formula ended too early.
    public let column: Int
    /// What is wrong and what was expected.
    public let message: String

    public init(input: String, column: Int, message: String) {
        self.input = input
        self.column = column
        self.message = message
    }

    /// One line: `column N: message`.
    public var summary: String { "column \(column): \(message)" }

    public var description: String {
        let shown = String(input.map { $0 == "\t" || $0 == "\n" || $0 == "\r" ? " " : $0 })
        return "\(summary)\n  \(shown)\n  \(String(repeating: " ", count: max(0, column - 1)))^"
    }
}

extension Formula {
    /// The deepest nesting of parentheses, calls and unary signs the parser
    /// accepts (deeper input would risk the stack; no real formula needs it).
    public static let maximumNesting = 100

    /// The most operations a path from the root of a parsed formula to a leaf
    /// may have (`x+x+...+x` with more terms is refused): evaluation and
    /// printing recurse along such paths.
    public static let maximumHeight = 1_000

    /// Parses a formula: numbers (`3`, `0.5`, `.5`, `1e-4`), variables
    /// (`x`, `y`, `x0`, `w_2`, `θ`), `+ - * /`, `^` (or `**`) for powers
    /// (right-associative, binding tighter than unary minus: `-x^2` is
    /// `-(x^2)`), parentheses, the constants `pi` (or `π`) and `e`, and calls
    /// of the rule table's functions (`sin(x)`, `atan2(y, x)`, `root(x, 3)`,
    /// `pow(x, y)`, `ln` as another name for `log`). There is no implicit
    /// multiplication: write `2*x`, not `2x`.
    ///
    /// An integer constant exponent (`x^3`, `x^-2`, `pow(x, 2)`) becomes the
    /// integer power, defined for negative x; any other exponent is the real
    /// power x^y.
    ///
    /// - Throws: ``FormulaParseError`` naming the column and what was expected.
    public init(parsing text: String) throws {
        var parser = try FormulaParser(text)
        self = try parser.parseWhole()
    }
}

/// A recursive-descent parser over a token list, with the grammar
///
///     sum     := product (('+' | '-') product)*
///     product := unary (('*' | '/') unary)*
///     unary   := ('-' | '+') unary | power
///     power   := primary (('^' | '**') unary)?
///     primary := number | name | name '(' sum (',' sum)* ')' | '(' sum ')'
struct FormulaParser {
    enum Kind: Equatable {
        case number(Double)
        case name(String)
        case symbol(String)  // + - * / ^ ( ) ,
        case end
    }

    struct Token {
        let kind: Kind
        let text: String
        let column: Int
    }

    let input: String
    var tokens: [Token] = []
    var position = 0
    var depth = 0

    init(_ input: String) throws {
        self.input = input
        tokens = try Self.tokenize(input)
    }

    func error(_ column: Int, _ message: String) -> FormulaParseError {
        FormulaParseError(input: input, column: column, message: message)
    }

    static func tokenize(_ input: String) throws -> [Token] {
        let chars = Array(input)
        var tokens: [Token] = []
        var i = 0
        func isDigit(_ c: Character) -> Bool { c.isASCII && c.isNumber }
        func isNameStart(_ c: Character) -> Bool { c == "_" || (c.isLetter && c != "π") }
        func isNamePart(_ c: Character) -> Bool { isNameStart(c) || isDigit(c) }
        func fail(_ column: Int, _ message: String) -> FormulaParseError {
            FormulaParseError(input: input, column: column, message: message)
        }
        while i < chars.count {
            let c = chars[i]
            let column = i + 1
            if c.isWhitespace {
                i += 1
            } else if isDigit(c) || (c == "." && i + 1 < chars.count && isDigit(chars[i + 1])) {
                var j = i
                while j < chars.count && isDigit(chars[j]) { j += 1 }
                if j < chars.count && chars[j] == "." {
                    j += 1
                    while j < chars.count && isDigit(chars[j]) { j += 1 }
                }
                if j < chars.count && (chars[j] == "e" || chars[j] == "E") {
                    // An exponent only if digits follow (so `2e` is 2 then the name e).
                    var k = j + 1
                    if k < chars.count && (chars[k] == "+" || chars[k] == "-") { k += 1 }
                    if k < chars.count && isDigit(chars[k]) {
                        while k < chars.count && isDigit(chars[k]) { k += 1 }
                        j = k
                    } else if k > j + 1 {
                        throw fail(k + 1, "expected digits after the exponent sign in '\(String(chars[i..<k]))'")
                    }
                }
                let text = String(chars[i..<j])
                guard let value = Double(text) else {
                    throw fail(column, "'\(text)' is not a number")
                }
                guard value.isFinite else {
                    throw fail(column, "the number '\(text)' is too large for a Double")
                }
                tokens.append(Token(kind: .number(value), text: text, column: column))
                i = j
            } else if c == "π" {
                tokens.append(Token(kind: .name("pi"), text: "π", column: column))
                i += 1
            } else if isNameStart(c) {
                var j = i
                while j < chars.count && isNamePart(chars[j]) { j += 1 }
                let text = String(chars[i..<j])
                tokens.append(Token(kind: .name(text), text: text, column: column))
                i = j
            } else if c == "*" && i + 1 < chars.count && chars[i + 1] == "*" {
                tokens.append(Token(kind: .symbol("^"), text: "**", column: column))
                i += 2
            } else if "+-*/^(),".contains(c) {
                tokens.append(Token(kind: .symbol(String(c)), text: String(c), column: column))
                i += 1
            } else if c == "−" {  // U+2212 MINUS SIGN, as pasted from typeset text
                tokens.append(Token(kind: .symbol("-"), text: "−", column: column))
                i += 1
            } else if c == "×" || c == "·" {
                tokens.append(Token(kind: .symbol("*"), text: String(c), column: column))
                i += 1
            } else {
                let hint: String
                switch c {
                case "[", "{": hint = "; use '(' for grouping"
                case "]", "}": hint = "; use ')' for grouping"
                case "=": hint = "; give a formula, not an equation"
                case "!": hint = "; factorials are not supported"
                default: hint = ""
                }
                throw fail(column, "unexpected character '\(c)'\(hint)")
            }
        }
        tokens.append(Token(kind: .end, text: "", column: chars.count + 1))
        return tokens
    }

    var current: Token { tokens[position] }

    mutating func advance() { position += 1 }

    func describe(_ token: Token) -> String {
        token.kind == .end ? "the end of the formula" : "'\(token.text)'"
    }

    mutating func parseWhole() throws -> Formula {
        guard current.kind != .end else {
            throw error(1, "the formula is empty")
        }
        let result = try parseSum()
        switch current.kind {
        case .end:
            return result.formula
        case .symbol(")"):
            throw error(current.column, "unmatched ')'")
        case .number, .name, .symbol("("):
            let previous = tokens[position - 1]
            throw error(current.column,
                        "expected an operator between '\(previous.text)' and '\(current.text)' (there is no implicit multiplication: write \(previous.text)*\(current.text))")
        default:
            throw error(current.column, "expected an operator or the end of the formula, found \(describe(current))")
        }
    }

    /// A parsed subformula and its height (operations on its longest path).
    typealias Parsed = (formula: Formula, height: Int)

    func combine(_ op: BinaryOperation, _ a: Parsed, _ b: Parsed, at column: Int) throws -> Parsed {
        let height = max(a.height, b.height) + 1
        guard height <= Formula.maximumHeight else {
            throw error(column, "the formula is too long to evaluate safely (more than \(Formula.maximumHeight) chained operations); split it")
        }
        return (.binary(op, a.formula, b.formula), height)
    }

    mutating func parseSum() throws -> Parsed {
        var left = try parseProduct()
        while case .symbol(let s) = current.kind, s == "+" || s == "-" {
            let column = current.column
            advance()
            let right = try parseProduct()
            left = try combine(s == "+" ? .add : .subtract, left, right, at: column)
        }
        return left
    }

    mutating func parseProduct() throws -> Parsed {
        var left = try parseUnary()
        while case .symbol(let s) = current.kind, s == "*" || s == "/" {
            let column = current.column
            advance()
            let right = try parseUnary()
            left = try combine(s == "*" ? .multiply : .divide, left, right, at: column)
        }
        return left
    }

    /// Enters one more level of nesting, opened by the token at `column`
    /// (a sign, '^', '(' or a call's '('): the error points at the opener
    /// that goes past the limit.
    mutating func nest(at column: Int) throws {
        depth += 1
        if depth > Formula.maximumNesting {
            throw error(column, "the formula is nested too deeply (more than \(Formula.maximumNesting) levels)")
        }
    }

    mutating func parseUnary() throws -> Parsed {
        if case .symbol(let s) = current.kind, s == "-" || s == "+" {
            let column = current.column
            advance()
            try nest(at: column)
            defer { depth -= 1 }
            let operand = try parseUnary()
            if s == "+" { return operand }
            // Fold the sign into a literal so `-2` is the number -2.
            if case .constant(let c) = operand.formula { return (.constant(-c), operand.height) }
            return (.unary(.negate, operand.formula), operand.height + 1)
        }
        return try parsePower()
    }

    mutating func parsePower() throws -> Parsed {
        let base = try parsePrimary()
        guard case .symbol("^") = current.kind else { return base }
        let column = current.column
        advance()
        try nest(at: column)
        defer { depth -= 1 }
        let exponent = try parseUnary()
        return try power(base, exponent, at: column)
    }

    /// xⁿ for an integer constant n, else the real power.
    func power(_ base: Parsed, _ exponent: Parsed, at column: Int) throws -> Parsed {
        if case .constant(let c) = exponent.formula, c == c.rounded(), Swift.abs(c) <= 1_000_000 {
            return (.unary(.power(Int(c)), base.formula), base.height + 1)
        }
        return try combine(.power, base, exponent, at: column)
    }

    mutating func parsePrimary() throws -> Parsed {
        let token = current
        switch token.kind {
        case .number(let value):
            advance()
            return (.constant(value), 0)
        case .name(let name):
            advance()
            if case .symbol("(") = current.kind {
                return try parseCall(name, at: token)
            }
            if let constant = NamedConstant(rawValue: name) {
                return (.named(constant), 0)
            }
            if Self.isFunctionName(name) {
                throw error(current.column, "expected '(' after the function name '\(name)'")
            }
            return (.variable(name), 0)
        case .symbol("("):
            advance()
            try nest(at: token.column)
            defer { depth -= 1 }
            if case .symbol(")") = current.kind {
                throw error(current.column, "expected a formula inside '()'")
            }
            let inner = try parseSum()
            guard case .symbol(")") = current.kind else {
                throw error(current.column, "expected ')' to close the '(' at column \(token.column), found \(describe(current))")
            }
            advance()
            return inner
        case .end:
            let after = position > 0 ? " after '\(tokens[position - 1].text)'" : ""
            throw error(token.column, "expected a number, a variable, a function call or '('\(after), but the formula ended")
        case .symbol(let s):
            throw error(token.column, "expected a number, a variable, a function call or '(', found '\(s)'")
        }
    }

    static let aliases: [String: String] = ["ln": "log"]
    static let integerArgumentFunctions = ["root"]

    static func isFunctionName(_ name: String) -> Bool {
        let name = aliases[name] ?? name
        return UnaryOperation(named: name) != nil || BinaryOperation(named: name) != nil
            || integerArgumentFunctions.contains(name)
    }

    static var knownFunctions: String {
        (UnaryOperation.namedFunctions.map(\.name) + BinaryOperation.namedFunctions.map(\.name)
            + integerArgumentFunctions).joined(separator: ", ")
    }

    mutating func parseCall(_ written: String, at nameToken: Token) throws -> Parsed {
        let name = Self.aliases[written] ?? written
        let open = current
        advance()  // '('
        try nest(at: open.column)
        defer { depth -= 1 }
        if NamedConstant(rawValue: written) != nil {
            throw error(nameToken.column, "'\(nameToken.text)' is a constant, not a function")  // π as typed
        }
        guard Self.isFunctionName(name) else {
            throw error(nameToken.column, "unknown function '\(written)' (known: \(Self.knownFunctions))")
        }
        var arguments: [Parsed] = []
        if case .symbol(")") = current.kind {
            // no arguments; arity is checked below
        } else {
            arguments.append(try parseSum())
            while case .symbol(",") = current.kind {
                advance()
                arguments.append(try parseSum())
            }
        }
        guard case .symbol(")") = current.kind else {
            throw error(current.column,
                        "expected ',' or ')' to close the call of '\(written)' opened at column \(open.column), found \(describe(current))")
        }
        advance()
        func arity(_ n: Int) throws {
            guard arguments.count == n else {
                throw error(nameToken.column,
                            "'\(written)' takes \(n) argument\(n == 1 ? "" : "s"), got \(arguments.count)")
            }
        }
        if let op = UnaryOperation(named: name) {
            try arity(1)
            return (.unary(op, arguments[0].formula), arguments[0].height + 1)
        }
        if let op = BinaryOperation(named: name) {
            try arity(2)
            return op == .power
                ? try power(arguments[0], arguments[1], at: nameToken.column)
                : try combine(op, arguments[0], arguments[1], at: nameToken.column)
        }
        // root(x, n)
        try arity(2)
        guard case .constant(let n) = arguments[1].formula, n == n.rounded(), n >= 1, n <= 1_000_000 else {
            throw error(nameToken.column, "the second argument of 'root' must be a positive integer constant")
        }
        return (.unary(.root(Int(n)), arguments[0].formula), arguments[0].height + 1)
    }
}
