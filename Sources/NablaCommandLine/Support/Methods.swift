import ArgumentParser
import Nabla

/// `--method`: which way to differentiate.
///
/// `forward` is the forward *difference* (as in numerical analysis); forward
/// *mode* automatic differentiation is `forward-mode` (alias `dual`), reverse
/// mode is `reverse` (alias `reverse-mode`, `backprop`).
enum MethodChoice: String, ExpressibleByArgument, CaseIterable {
    case adaptive, central, forward, backward, complex
    case forwardMode = "forward-mode"
    case reverse
    case symbolic
    case all

    init?(argument: String) {
        switch argument {
        case "dual": self = .forwardMode
        case "reverse-mode", "backprop": self = .reverse
        default: self.init(rawValue: argument)
        }
    }

    static var help: ArgumentHelp {
        """
        adaptive (Richardson extrapolation with an error estimate, the default), \
        central, forward or backward (one finite-difference stencil, automatic or --step h), \
        complex (complex step: machine precision, first derivatives), \
        forward-mode (dual numbers) or reverse (backpropagation on a tape): automatic \
        differentiation, exact to rounding; symbolic (the derivative's formula, evaluated); \
        or all (every method side by side).
        """
    }

    /// Whether this is exact to rounding: automatic or symbolic differentiation.
    var isAutomatic: Bool { self == .forwardMode || self == .reverse || self == .symbolic }
}

/// The options `diff`, `grad` and `hessian` share.
struct MethodOptions: ParsableArguments {
    @Option(help: "The point, as name=value pairs: x=1,y=2 (values may be constant formulas: x=pi/4). Without it, diff and grad print the symbolic derivative only.")
    var at: String?

    @Flag(help: "Print formulas in LaTeX.")
    var latex = false

    @Option(help: MethodChoice.help)
    var method: MethodChoice = .adaptive

    @Option(help: "The step h for central, forward, backward and complex (default: chosen from x).")
    var step: Double?

    @Option(help: "The stencil's accuracy order: 2, 4, 6 or 8 for central; 1 to 8 for forward and backward.")
    var accuracy: Int?

    @Flag(help: "Compute in Float instead of Double.")
    var float = false

    @Flag(help: "Print one JSON document instead of a table.")
    var json = false

    mutating func validate() throws {
        if step != nil && (method == .adaptive || method.isAutomatic) {
            throw ValidationError("--step applies to central, forward, backward and complex; \(method.rawValue) uses no step")
        }
        if let step, !(step > 0 && step.isFinite) {
            throw ValidationError("--step must be a positive number, got \(step)")
        }
    }

    /// The methods to run, in table order.
    func methods(complexAllowed: Bool, automaticAllowed: Bool = true) throws -> [MethodChoice] {
        switch method {
        case .all:
            return [.adaptive, .central, .forward, .backward] + (complexAllowed ? [.complex] : [])
                + (automaticAllowed ? [.forwardMode, .reverse] : []) + [.symbolic]
        case .complex where !complexAllowed:
            throw CommandFailure("the complex step gives first derivatives only; use --method adaptive, central or reverse")
        case .forwardMode where !automaticAllowed, .reverse where !automaticAllowed:
            // (the symbolic method handles any order)
            throw CommandFailure("automatic differentiation here gives derivatives of order 1 and 2; use --method adaptive")
        default: return [method]
        }
    }

    /// The finite-difference method for a choice (not `complex` or `all`).
    func differenceMethod(_ choice: MethodChoice) -> DifferenceMethod {
        switch choice {
        case .central: return .central(accuracy: accuracy ?? 2, step: step)
        case .forward: return .forward(accuracy: accuracy ?? 1, step: step)
        case .backward: return .backward(accuracy: accuracy ?? 1, step: step)
        default: return .adaptive
        }
    }

    var precisionName: String { float ? "Float" : "Double" }
}

extension MethodOptions {
    /// Runs each method; a failure of one method (an invalid step, say) stops
    /// everything when it was the only one asked for, and is reported in
    /// its row otherwise.
    func run(_ methods: [MethodChoice], _ body: (MethodChoice) throws -> MethodResult) throws -> [MethodResult] {
        var results: [MethodResult] = []
        for m in methods {
            do {
                results.append(try body(m))
            } catch let error as FiniteDifferenceError where methods.count > 1 {
                results.append(MethodResult(failed: m.rawValue, reason: error.description))
            } catch let error as FiniteDifferenceError {
                throw CommandFailure(error.description)
            }
        }
        return results
    }
}

extension MethodResult {
    /// A method that could not run (shown in `--method all`).
    init(failed method: String, reason: String) {
        self.init(method: method, DerivativeEstimate<Double>(value: .nan, errorEstimate: .infinity, evaluations: 0,
                                                             status: .notConverged(.nonFiniteResult)))
        failure = reason
    }
}

/// The point in Float or Double, and the complex-step point.
extension Problem {
    func point<T: CommandScalar>(as _: T.Type) -> [T] { point.map { T($0) } }

    /// The formula as a function of one variable in T, the others held fixed.
    func along<T: CommandScalar>(_ index: Int, as _: T.Type) -> (T) -> T {
        var p = point(as: T.self)
        let compiled = compiled
        return { t in p[index] = t; return compiled(p) }
    }

    /// The formula as a function of the whole point in T.
    func function<T: CommandScalar>(as _: T.Type) -> ([T]) -> T {
        let compiled = compiled
        return { compiled($0) }
    }

    /// The formula on complex-step numbers.
    func complexFunction<T: CommandScalar>(as _: T.Type) -> ([ComplexStep<T>]) -> ComplexStep<T> {
        let compiled = compiled
        return { compiled($0) }
    }
}

/// Fails with a one-line message when the method asked for gave NaN or
/// infinity (with `--method all`, when every method did).
func requireFinite(_ results: [MethodResult], at problem: Problem) throws {
    if results.allSatisfy({ $0.hasNonFiniteValue || $0.failure != nil }) {
        let first = results[0]
        let why = first.failure ?? first.status.description
        throw CommandFailure("no finite derivative at \(problem.pointDescription) (\(first.method): \(why))")
    }
}

/// The `--json` document of `diff`, `grad` and `hessian`: what was asked,
/// then the first method's result fields at the top level, and with
/// `--method all` every method's in `results`.
func jsonDocument(_ problem: Problem, _ options: MethodOptions, _ results: [MethodResult],
                  extra: [(String, JSON)]) -> String {
    var fields: [(String, JSON)] = [
        ("expression", .string(problem.formula.description)),
        ("at", .object(zip(problem.names, problem.point).map { ($0, .number($1)) })),
    ]
    fields += extra
    fields.append(("precision", .string(options.precisionName)))
    fields += results[0].fields
    if options.method == .all { fields.append(("results", .array(results.map { .object($0.fields) }))) }
    return JSON.object(fields).text
}

/// An automatic-differentiation result: exact to rounding, so its error
/// estimate is a rounding model (4 ulps of the largest magnitude involved),
/// and it costs one evaluation (plus a backward sweep) or one per sweep.
func automaticEstimate<T: CommandScalar>(_ value: T, functionValue: T, evaluations: Int) -> DerivativeEstimate<T> {
    automaticEstimate([value], functionValue: functionValue, evaluations: evaluations).map { $0[0] }
}

func automaticEstimate<T: CommandScalar>(_ values: [T], functionValue: T, evaluations: Int) -> DerivativeEstimate<[T]> {
    let errors = values.map { 4 * T.ulpOfOne * Swift.max($0.magnitude, functionValue.magnitude) }
    let finite = values.allSatisfy(\.isFinite)
    return DerivativeEstimate(value: values, errorEstimate: errors, evaluations: evaluations,
                              status: finite ? .converged : .notConverged(.nonFiniteResult))
}

extension DerivativeEstimate {
    func map<U>(_ transform: (Value) -> U) -> DerivativeEstimate<U> {
        DerivativeEstimate<U>(value: transform(value), errorEstimate: transform(errorEstimate),
                              evaluations: evaluations, status: status)
    }
}

extension MethodOptions {
    /// The point, which every numerical method needs.
    func requirePoint() throws -> String {
        guard let at else {
            throw CommandFailure("give the point with --at (for example --at x=1,y=2)")
        }
        return at
    }

    /// A formula as the output shows it: plain text or LaTeX.
    func show(_ f: Formula) -> String { latex ? f.latex : f.description }
}

/// Parses the formula argument, with the caret message on failure.
func parseFormula(_ expression: String) throws -> Formula {
    do {
        return try Formula(parsing: expression)
    } catch let error as FormulaParseError {
        // One line, with a caret (‸) inserted where the problem is.
        var marked = Array(error.input)
        marked.insert("‸", at: Swift.min(Swift.max(error.column - 1, 0), marked.count))
        throw CommandFailure("cannot parse the formula: \(error.summary): \(String(marked))")
    }
}

/// d/dx, d^2/dx^2, in text or LaTeX (for a formula named f).
func derivativeName(_ variable: String, order: Int, latex: Bool) -> String {
    if latex {
        let v = Formula.variable(variable).latex
        return order == 1 ? "\\frac{\\partial f}{\\partial \(v)}" : "\\frac{\\partial^{\(order)} f}{\\partial \(v)^{\(order)}}"
    }
    return order == 1 ? "df/d\(variable)" : "d^\(order)f/d\(variable)^\(order)"
}
