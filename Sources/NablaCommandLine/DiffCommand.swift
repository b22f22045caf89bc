import ArgumentParser
import Nabla

/// `nabla diff`: the derivative of a formula at a point.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "The derivative of a formula at a point, with an error estimate.",
        discussion: """
            Examples:
              nabla diff "0.01*x^2 + 0.1*x" --at x=5
              nabla diff "0.01*x^2 + 0.1*x" --at x=5 --method central --step 1e-4
              nabla diff "sin(x)*exp(x)" --at x=1 --method all
              nabla diff "2*x + 3*x*y + y^3" --at x=1,y=2 --wrt y
              nabla diff "log(x)" --at x=1e-8 --order 2
            """)

    @Argument(help: "The formula, e.g. \"0.01*x^2 + 0.1*x\" (see `nabla help diff`).")
    var expression: String

    @OptionGroup var options: MethodOptions

    @Option(help: "The variable to differentiate with respect to (default: the only one).")
    var wrt: String?

    @Option(help: "The derivative's order: 1 to 6 (adaptive); 1 to 8 with a stencil.")
    var order: Int = 1

    mutating func validate() throws {
        guard (1...8).contains(order) else { throw ValidationError("--order must be between 1 and 8, got \(order)") }
    }

    func run() throws { print(try output()) }

    func output() throws -> String {
        guard let at = options.at else { return try symbolicOutput(try parseFormula(expression)) }
        let problem = try Problem(expression: expression, at: at)
        let index = try problem.index(of: wrt)
        let variable = problem.names[index]
        let symbolic = problem.formula.derivative(withRespectTo: variable, order: order)
        let results = options.float
            ? try compute(problem, index, symbolic, as: Float.self) : try compute(problem, index, symbolic, as: Double.self)
        try requireFinite(results, at: problem)
        let what = order == 1 ? "d/d\(variable)" : "d^\(order)/d\(variable)^\(order)"
        if options.json {
            return jsonDocument(problem, options, results, extra: [
                ("wrt", .string(variable)), ("order", .integer(order)), ("symbolic", .string(symbolic.description)),
            ] + (options.latex ? [("latex", .string(symbolic.latex))] : []))
        }
        var lines = ["f = \(options.show(problem.formula))",
                     "\(derivativeName(variable, order: order, latex: options.latex)) = \(options.show(symbolic))", "",
                     "\(what) at \(problem.pointDescription), in \(options.precisionName)", ""]
        lines.append(resultTable(results, reference: referenceIndex(results)))
        return lines.joined(separator: "\n")
    }

    /// Without a point: the derivative as a formula.
    func symbolicOutput(_ formula: Formula) throws -> String {
        let variables = formula.variables
        let variable: String
        if let wrt {
            variable = wrt
        } else if variables.count <= 1 {
            variable = variables.first ?? "x"
        } else {
            throw CommandFailure("the formula has several variables (\(variables.joined(separator: ", "))): choose one with --wrt")
        }
        let symbolic = formula.derivative(withRespectTo: variable, order: order)
        if options.json {
            return JSON.object([
                ("expression", .string(formula.description)), ("wrt", .string(variable)), ("order", .integer(order)),
                ("symbolic", .string(symbolic.description)), ("method", .string("symbolic")),
            ] + (options.latex ? [("latex", .string(symbolic.latex))] : [])).text
        }
        return ["f = \(options.show(formula))", "\(derivativeName(variable, order: order, latex: options.latex)) = \(options.show(symbolic))"]
            .joined(separator: "\n")
    }

    func compute<T: CommandScalar>(_ problem: Problem, _ index: Int, _ symbolic: Formula, as _: T.Type) throws -> [MethodResult] {
        let f = problem.along(index, as: T.self)
        let x = T(problem.point[index])
        let methods = try options.methods(complexAllowed: order == 1, automaticAllowed: order <= 2)
        return try options.run(methods) { choice in
            if choice == .symbolic {
                let point = problem.point(as: T.self)
                let value: T = try symbolic.compiled(variables: problem.names)(point)
                return MethodResult(method: "symbolic", automaticEstimate(value, functionValue: problem.compiled(point), evaluations: 1))
            }
            if choice.isAutomatic {
                return MethodResult(method: choice.rawValue, automaticDerivative(problem, index, reverse: choice == .reverse, as: T.self))
            }
            if choice == .complex {
                var p = problem.point(as: T.self).map { ComplexStep(real: $0, imaginary: 0) }
                let g = problem.complexFunction(as: T.self)
                let d = complexStepDerivative(of: { z in p[index] = z; return g(p) }, at: x,
                                              step: options.step.map { T($0) })
                return MethodResult(method: "complex", d)
            }
            let d = try numericalDerivative(of: f, at: x, order: order, method: options.differenceMethod(choice))
            return MethodResult(method: choice.rawValue, d)
        }
    }
}

/// The most trustworthy result, to compare the others with: reverse mode
/// (exact to rounding), else the complex step, else the adaptive method.
func referenceIndex(_ results: [MethodResult]) -> Int? {
    guard results.count > 1 else { return nil }
    for name in ["reverse", "forward-mode", "complex", "adaptive"] {
        if let i = results.firstIndex(where: { $0.method == name && $0.failure == nil && $0.status.isConverged && !$0.hasNonFiniteValue }) {
            return i
        }
    }
    return nil
}

/// The table of `diff` and `grad`: one row per method (and per component).
func resultTable(_ results: [MethodResult], reference: Int?, componentNames: [String]? = nil) -> String {
    var header = ["method"]
    if componentNames != nil { header.append("component") }
    header += ["value", "error estimate", "evaluations", "status"]
    if let reference { header.append("difference from \(results[reference].method)") }
    var table = Table(header)
    for result in results {
        if let failure = result.failure {
            var row = [result.method]
            if componentNames != nil { row.append("") }
            row += ["-", "-", "0", "failed: \(failure)"]
            table.add(row)
            continue
        }
        for (k, value) in result.values.enumerated() {
            var row = [k == 0 ? result.method : ""]
            if let componentNames { row.append(componentNames[k]) }
            row += [result.texts[k], short(result.errors[k]), k == 0 ? String(result.evaluations) : "",
                    k == 0 ? result.status.description : ""]
            if let reference {
                row.append(short((value - results[reference].values[k]).magnitude))
            }
            table.add(row)
        }
    }
    return table.text
}

extension DiffCommand {
    /// The first or second derivative by forward mode (Dual, Dual of Dual) or
    /// reverse mode (the tape; forward over reverse for the second).
    func automaticDerivative<T: CommandScalar>(_ problem: Problem, _ index: Int, reverse: Bool, as _: T.Type) -> DerivativeEstimate<T> {
        let x = problem.point(as: T.self)
        let fx: T = problem.compiled(x)
        func seeded<S: DifferentiableScalar>(_ seed: S, _ lift: (T) -> S) -> [S] {
            var p = x.map(lift)
            p[index] = seed
            return p
        }
        let value: T
        switch (order, reverse) {
        case (1, false):
            value = derivative(of: { problem.compiled(seeded($0) { Dual(value: $0, tangent: 0) }) }, at: x[index])
        case (1, true):
            value = gradient(of: { problem.compiled(seeded($0) { TapeVariable(constant: $0) }) }, at: x[index])
        case (_, false):
            value = secondDerivative(of: { problem.compiled(seeded($0) { Dual(value: Dual(value: $0, tangent: 0), tangent: 0) }) },
                                     at: x[index])
        default:
            value = hessian(of: { v in problem.compiled(seeded(v[0]) { TapeVariable(constant: Dual(value: $0, tangent: 0)) }) },
                            at: [x[index]])[0][0]
        }
        return automaticEstimate(value, functionValue: fx, evaluations: 1)
    }
}
