import Nabla

/// A failure the user can fix, reported as one line (and, for a formula that
/// does not parse, the formula with a caret under the column).
public struct CommandFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ message: String) { description = message }
}

/// A formula and the point it is evaluated at, as given on the command line:
/// `nabla diff "2*x + 3*x*y + y^3" --at x=1,y=2`.
struct Problem {
    let formula: Formula
    /// Variable names in the order of `--at`.
    let names: [String]
    /// Their values.
    let point: [Double]
    let compiled: CompiledFormula

    /// `option` names the flag the point came from in messages (`--at`, or
    /// `--from` for `nabla descend`).
    init(expression: String, at: String, option: String = "--at") throws {
        formula = try parseFormula(expression)
        let bindings = try Self.parseBindings(at, option: option)
        names = bindings.map(\.name)
        point = bindings.map(\.value)
        for variable in formula.variables where !names.contains(variable) {
            let example = formula.variables.map { "\($0)=1" }.joined(separator: ",")
            throw CommandFailure("no value for variable '\(variable)': give every variable in \(option) (for example \(option) \(example))")
        }
        compiled = try formula.compiled(variables: names)
    }

    /// Parses `x=1,y=2` (values may be constant formulas: `x=pi/4`, `y=-1e-3`).
    static func parseBindings(_ text: String, option: String = "--at") throws -> [(name: String, value: Double)] {
        var parts: [String] = []
        var depth = 0
        var current = ""
        for c in text {
            if c == "(" { depth += 1 }
            if c == ")" { depth -= 1 }
            if c == "," && depth == 0 {
                parts.append(current)
                current = ""
            } else {
                current.append(c)
            }
        }
        parts.append(current)
        var result: [(name: String, value: Double)] = []
        for part in parts {
            let pieces = part.split(separator: "=", maxSplits: 1).map { String($0).trimmingSpaces() }
            guard pieces.count == 2, !pieces[0].isEmpty, !pieces[1].isEmpty else {
                throw CommandFailure("\(option) expects name=value pairs separated by commas (x=1,y=2), got '\(part)'")
            }
            let name = pieces[0]
            guard case .variable(let parsedName)? = try? Formula(parsing: name), parsedName == name else {
                throw CommandFailure("\(option): '\(name)' is not a variable name")
            }
            guard !result.contains(where: { $0.name == name }) else {
                throw CommandFailure("\(option) gives variable '\(name)' twice")
            }
            let value: Double
            do {
                let constant = try Formula(parsing: pieces[1])
                guard constant.variables.isEmpty else {
                    throw CommandFailure("\(option) \(name)=\(pieces[1]): a value cannot use variables")
                }
                value = try constant.evaluate([String: Double]())
            } catch let error as FormulaParseError {
                throw CommandFailure("\(option) \(name)=\(pieces[1]): \(error.summary)")
            }
            guard value.isFinite else {
                throw CommandFailure("\(option) \(name)=\(pieces[1]) is not a finite number")
            }
            result.append((name, value))
        }
        return result
    }

    func index(of name: String?) throws -> Int {
        if let name {
            guard let i = names.firstIndex(of: name) else {
                throw CommandFailure("--wrt \(name): no such variable in --at (have \(names.joined(separator: ", ")))")
            }
            return i
        }
        let used = formula.variables
        if names.count == 1 { return 0 }
        if used.count == 1, let i = names.firstIndex(of: used[0]) { return i }
        throw CommandFailure("the formula has several variables (\(names.joined(separator: ", "))): choose one with --wrt")
    }

    var pointDescription: String {
        zip(names, point).map { "\($0) = \(compact($1))" }.joined(separator: ", ")
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first?.isWhitespace == true { s.removeFirst() }
        while s.last?.isWhitespace == true { s.removeLast() }
        return String(s)
    }
}

/// A point coordinate as a person writes it: `5`, not `5.0`.
func compact(_ x: Double) -> String {
    if x == x.rounded(), x.magnitude < 1e15 { return String(Int64(x)) }
    return format(x)
}
