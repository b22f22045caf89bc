import NablaRules
import NablaSymbolic
import PropertyBased
import Testing

/// Random formulas in the form the parser produces, so that printing and
/// parsing must give back the identical tree:
/// - a negation never applies directly to a constant (the parser folds
///   `-2` and `-(2)` into the constant -2),
/// - a real power never has an integer constant exponent of magnitude up to
///   10⁶ (the parser makes that an integer power),
/// - constants are finite, variable names are not function or constant names,
///   roots have a positive degree.
enum RandomFormula {
    static let variables = ["x", "y", "z", "x0", "w_2", "θ", "alpha", "_t"]
    static let binaries = BinaryOperation.allCases

    static func constant<R: RandomNumberGenerator>(_ rng: inout R, negativeAllowed: Bool) -> Double {
        let magnitude: Double
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: magnitude = Double(Int.random(in: 0...20, using: &rng))
        case 1: magnitude = Double(Int.random(in: 1...64, using: &rng)) / 8
        case 2: magnitude = Double.random(in: 0..<1000, using: &rng)
        case 3: magnitude = Double.random(in: 1..<10, using: &rng) * Double.pow(10, Int.random(in: -30...30, using: &rng))
        default: magnitude = [1e15, 1e16, 123456789012345, 0.1, 1e-5, Double.leastNonzeroMagnitude, Double.greatestFiniteMagnitude].randomElement(using: &rng)!
        }
        return negativeAllowed && Bool.random(using: &rng) && Int.random(in: 0..<3, using: &rng) == 0
            ? -magnitude : magnitude
    }

    static func leaf<R: RandomNumberGenerator>(_ rng: inout R, constantAllowed: Bool, negativeAllowed: Bool) -> Formula {
        switch Int.random(in: 0..<(constantAllowed ? 6 : 4), using: &rng) {
        case 0, 1, 2: return .variable(variables.randomElement(using: &rng)!)
        case 3: return .named(NamedConstant.allCases.randomElement(using: &rng)!)
        default: return .constant(constant(&rng, negativeAllowed: negativeAllowed))
        }
    }

    static let maximumDepth = 6

    static func formula<R: RandomNumberGenerator>(_ rng: inout R, depth: Int = maximumDepth,
                                                  underNegation: Bool = false) -> Formula {
        if depth == 0 || (depth < maximumDepth && Int.random(in: 0..<4, using: &rng) == 0) {
            return leaf(&rng, constantAllowed: !underNegation, negativeAllowed: true)
        }
        switch Int.random(in: 0..<10, using: &rng) {
        case 0, 1:
            return .unary(.negate, formula(&rng, depth: depth - 1, underNegation: true))
        case 2:
            return .unary(.power(Int.random(in: -3...6, using: &rng)), formula(&rng, depth: depth - 1))
        case 3:
            return .unary(.root(Int.random(in: 1...5, using: &rng)), formula(&rng, depth: depth - 1))
        case 4, 5:
            let op = UnaryOperation.namedFunctions.randomElement(using: &rng)!
            return .unary(op, formula(&rng, depth: depth - 1))
        default:
            let op = binaries.randomElement(using: &rng)!
            let a = formula(&rng, depth: depth - 1)
            var b = formula(&rng, depth: depth - 1)
            if op == .power, case .constant(let c) = b, c == c.rounded(), c.magnitude <= 1_000_000 {
                b = .constant(c + 0.5)
            }
            return .binary(op, a, b)
        }
    }

    static let generator = Generator<Formula, Shrink.None<Formula>> { rng in formula(&rng) }

    /// A printed random formula with one to three characters deleted,
    /// inserted or replaced: nearly valid text, which reaches the parser's
    /// error paths deep inside a formula.
    static let mutatedText = Generator<String, Shrink.None<String>> { rng in
        var chars = Array(formula(&rng).description)
        let alphabet = Array("0123456789.eE+-*/^(),  xπ_sin$")
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            let i = Int.random(in: 0...chars.count, using: &rng)
            switch Int.random(in: 0..<3, using: &rng) {
            case 0 where i < chars.count: chars.remove(at: i)
            case 1 where i < chars.count: chars[i] = alphabet.randomElement(using: &rng)!
            default: chars.insert(alphabet.randomElement(using: &rng)!, at: i)
            }
        }
        return String(chars)
    }
}

@Suite("Parser properties")
struct FormulaPropertyTests {
    /// Characters formulas are made of, with a few that are never valid.
    static let characters = Array("0123456789.eE+-*/^(),  xyzπθ_sincoexplqrtamh$×−·!=[")

    /// Tokens, so that function names, constants and exponents come up often.
    static let tokens = [
        "x", "y", "θ", "w_2", "2", "0.5", ".5", "5.", "1e-4", "1E+3", "1e", "1e+", "e", "pi", "π",
        "+", "-", "−", "*", "/", "^", "**", "(", ")", ",", " ", "sin", "atan2", "root", "pow", "ln", "max",
        "sqrt", "sigmoid", "foo", "$",
    ]

    static func check(_ text: String) {
        do {
            let formula = try Formula(parsing: text)
            // Whatever parses prints to text that parses back to the same tree.
            let printed = formula.description
            #expect(try Formula(parsing: printed) == formula, "\(text) printed as \(printed)")
        } catch let error as FormulaParseError {
            #expect((1...text.count + 1).contains(error.column), "column \(error.column) for \"\(text)\"")
            #expect(error.input == text)
            #expect(!error.message.isEmpty)
        } catch {
            Issue.record("unexpected error \(error) for \"\(text)\"")
        }
    }

    @Test func randomCharacterStringsNeverCrashTheParser() async {
        let character = Gen<Character?>.element(of: Self.characters).map { $0! }
        await propertyCheck(count: 1000, input: character.string(of: 0...30)) { text in
            Self.check(text)
        }
    }

    @Test func randomTokenStringsNeverCrashTheParser() async {
        let token = Gen<String?>.element(of: Self.tokens).map { $0! }
        await propertyCheck(count: 1000, input: token.array(of: 0...15).map { $0.joined(separator: " ") }) { text in
            Self.check(text)
        }
    }

    @Test func mutatedFormulasNeverCrashTheParser() async {
        await propertyCheck(count: 1000, input: RandomFormula.mutatedText) { text in
            Self.check(text)
        }
    }

    @Test func randomFormulasRoundTripThroughText() async throws {
        await propertyCheck(count: 500, input: RandomFormula.generator) { formula in
            let printed = formula.description
            let parsed = try Formula(parsing: printed)
            #expect(parsed == formula, "printed as \(printed), parsed back as \(parsed.description)")
            #expect(parsed.description == printed)
        }
    }

    /// The generator does produce every kind of node (the round-trip test
    /// would be weak otherwise).
    @Test func theGeneratorCoversTheTree() async {
        var kinds = Set<String>()
        func visit(_ f: Formula) {
            switch f {
            case .constant(let c): kinds.insert(c < 0 ? "negative constant" : "constant")
            case .named: kinds.insert("named")
            case .variable: kinds.insert("variable")
            case .unary(let op, let a):
                switch op {
                case .negate: kinds.insert("negate")
                case .power: kinds.insert("power")
                case .root: kinds.insert("root")
                default: kinds.insert("function")
                }
                visit(a)
            case .binary(let op, let a, let b):
                kinds.insert("\(op)")
                visit(a)
                visit(b)
            }
        }
        await propertyCheck(count: 300, input: RandomFormula.generator) { formula in visit(formula) }
        let nodes: Set<String> = ["constant", "negative constant", "named", "variable", "negate", "power", "root", "function"]
        let expected = nodes.union(BinaryOperation.allCases.map { "\($0)" })
        #expect(expected.isSubset(of: kinds), "missing: \(expected.subtracting(kinds))")
    }
}
