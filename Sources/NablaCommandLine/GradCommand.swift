import ArgumentParser
import Nabla

/// `nabla grad`: every partial derivative of a formula at a point.
struct GradCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grad",
        abstract: "The gradient (all partial derivatives) of a formula at a point.",
        discussion: """
            Components come in the order of --at. Example (the textbook's f(x, y) = 2x + 3xy + y^3, \
            whose partials are 2 + 3y and 3x + 3y^2):
              nabla grad "2*x + 3*x*y + y^3"                  # df/dx = 2 + 3*y, df/dy = 3*x + 3*y^2
              nabla grad "2*x + 3*x*y + y^3" --at x=1,y=2
              nabla grad "x0^2 + x1^2" --at x0=3,x1=4 --method all
            """)

    @Argument(help: "The formula, e.g. \"2*x + 3*x*y + y^3\".")
    var expression: String

    @OptionGroup var options: MethodOptions

    func run() throws { print(try output()) }

    func output() throws -> String {
        guard let at = options.at else {
            let formula = try parseFormula(expression)
            return symbolicOutput(formula, variables: formula.variables, gradient: formula.gradient(variables: formula.variables))
        }
        let problem = try Problem(expression: expression, at: at)
        let symbolic = problem.formula.gradient(variables: problem.names)
        let results = options.float
            ? try compute(problem, symbolic, as: Float.self) : try compute(problem, symbolic, as: Double.self)
        try requireFinite(results, at: problem)
        if options.json {
            return jsonDocument(problem, options, results, extra: [
                ("variables", .array(problem.names.map { .string($0) })),
                ("symbolic", .array(symbolic.map { .string($0.description) })),
            ] + (options.latex ? [("latex", .array(symbolic.map { .string($0.latex) }))] : []))
        }
        let names = problem.names.map { "df/d\($0)" }
        return [symbolicOutput(problem.formula, variables: problem.names, gradient: symbolic), "",
                "gradient at \(problem.pointDescription), in \(options.precisionName)", "",
                resultTable(results, reference: referenceIndex(results), componentNames: names)].joined(separator: "\n")
    }

    /// Every partial derivative as a formula.
    func symbolicOutput(_ formula: Formula, variables: [String], gradient: [Formula]) -> String {
        if options.json {
            return JSON.object([
                ("expression", .string(formula.description)), ("variables", .array(variables.map { .string($0) })),
                ("symbolic", .array(gradient.map { .string($0.description) })), ("method", .string("symbolic")),
            ] + (options.latex ? [("latex", .array(gradient.map { .string($0.latex) }))] : [])).text
        }
        return (["f = \(options.show(formula))"] + zip(variables, gradient).map {
            "\(derivativeName($0, order: 1, latex: options.latex)) = \(options.show($1))"
        }).joined(separator: "\n")
    }

    func compute<T: CommandScalar>(_ problem: Problem, _ symbolic: [Formula], as _: T.Type) throws -> [MethodResult] {
        let x = problem.point(as: T.self)
        let fx: T = problem.compiled(x)
        return try options.run(try options.methods(complexAllowed: true)) { choice in
            if choice == .symbolic {
                let values: [T] = try symbolic.map { try $0.compiled(variables: problem.names)(x) }
                return MethodResult(method: "symbolic", automaticEstimate(values, functionValue: fx, evaluations: 1))
            }
            if choice == .forwardMode {
                let g = forwardGradient(of: { problem.compiled($0) }, at: x)
                return MethodResult(method: choice.rawValue, automaticEstimate(g, functionValue: fx, evaluations: x.count))
            }
            if choice == .reverse {
                let g = gradient(of: { problem.compiled($0) }, at: x)
                return MethodResult(method: choice.rawValue, automaticEstimate(g, functionValue: fx, evaluations: 1))
            }
            if choice == .complex {
                let d = complexStepGradient(of: problem.complexFunction(as: T.self), at: x, step: options.step.map { T($0) })
                return MethodResult(method: "complex", d)
            }
            let d = try numericalGradient(of: problem.function(as: T.self), at: x, method: options.differenceMethod(choice))
            return MethodResult(method: choice.rawValue, d)
        }
    }
}
