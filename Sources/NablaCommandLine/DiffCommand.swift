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
              nabla diff "0.01*x^2 + 0.1*x" --at x=5 --plot tangent.svg
            With --plot, also draws f and its tangent line at the point (the slope is the \
            derivative the method computed; with --method all, the most exact one) into an \
            SVG file, or an HTML page when the name ends in .html.
            """)

    @Argument(help: "The formula, e.g. \"0.01*x^2 + 0.1*x\" (see `nabla help diff`).")
    var expression: String

    @OptionGroup var options: MethodOptions

    @Option(help: "The variable to differentiate with respect to (default: the only one).")
    var wrt: String?

    @Option(help: "The derivative's order: 1 to 6 (adaptive); 1 to 8 with a stencil.")
    var order: Int = 1

    @Option(help: ArgumentHelp("Draw f and its tangent at the point into this SVG file (or HTML page, for a name ending in .html).",
                               valueName: "file"))
    var plot: String?

    @Option(parsing: .unconditional,
            help: ArgumentHelp("The plot's range of the variable, lower:upper (default: around the point, 0:20 for x=5).",
                               valueName: "a:b"))
    var range: String?

    mutating func validate() throws {
        guard (1...8).contains(order) else { throw ValidationError("--order must be between 1 and 8, got \(order)") }
        if range != nil && plot == nil { throw ValidationError("--range sets the range of --plot; give --plot FILE too") }
    }

    func run() throws { print(try output()) }

    func output() throws -> String {
        guard let at = options.at else {
            if plot != nil { throw CommandFailure("--plot draws the tangent at a point: give the point with --at (for example --at x=5)") }
            return try symbolicOutput(try parseFormula(expression))
        }
        if plot != nil && order != 1 {
            throw CommandFailure("--plot draws the tangent line, which needs the first derivative; drop --order \(order) or --plot")
        }
        let problem = try Problem(expression: expression, at: at)
        let index = try problem.index(of: wrt)
        let variable = problem.names[index]
        let symbolic = problem.formula.derivative(withRespectTo: variable, order: order)
        let results = options.float
            ? try compute(problem, index, symbolic, as: Float.self) : try compute(problem, index, symbolic, as: Double.self)
        try requireFinite(results, at: problem)
        let what = order == 1 ? "d/d\(variable)" : "d^\(order)/d\(variable)^\(order)"
        let chart = try plot.map { _ in try tangentChart(problem, index, slope: slope(results)) }
        if options.json {
            if let plot, let chart {
                try PlotFile.write(chart, width: 640, height: 420, to: plot, title: "Tangent of \(problem.formula)")
            }
            return jsonDocument(problem, options, results, extra: [
                ("wrt", .string(variable)), ("order", .integer(order)), ("symbolic", .string(symbolic.description)),
            ] + (options.latex ? [("latex", .string(symbolic.latex))] : []) + (plot.map { [("plot", JSON.string($0))] } ?? []))
        }
        var lines = ["f = \(options.show(problem.formula))",
                     "\(derivativeName(variable, order: order, latex: options.latex)) = \(options.show(symbolic))", "",
                     "\(what) at \(problem.pointDescription), in \(options.precisionName)", ""]
        lines.append(resultTable(results, reference: referenceIndex(results)))
        if let plot, let chart {
            try PlotFile.write(chart, width: 640, height: 420, to: plot, title: "Tangent of \(problem.formula)",
                               text: lines.joined(separator: "\n"))
            lines += ["", PlotFile.confirmation(plot)]
        }
        return lines.joined(separator: "\n")
    }

    /// The slope the tangent gets: the most exact method's (the only one's,
    /// without --method all) finite value.
    func slope(_ results: [MethodResult]) -> Double {
        if let r = referenceIndex(results) { return results[r].values[0] }
        return results.first { $0.failure == nil && !$0.hasNonFiniteValue }?.values[0] ?? .nan
    }

    /// The default x range of the tangent plot: from the point towards zero
    /// by max(5, |x|), away from zero by max(5, 3|x|), so that 0 is at the
    /// edge (the textbook's 0…20 for x = 5) and the curve's bend shows.
    static func defaultRange(around x: Double) -> ClosedRange<Double> {
        let toward = Swift.max(5, x.magnitude), away = Swift.max(5, 3 * x.magnitude)
        return x >= 0 ? (x - toward)...(x + away) : (x - away)...(x + toward)
    }

    /// f along the variable (the others held at the point), its tangent line
    /// at the point, and the point marked.
    func tangentChart(_ problem: Problem, _ index: Int, slope: Double) throws -> Chart {
        let variable = problem.names[index]
        let x0 = problem.point[index]
        let f = problem.along(index, as: Double.self)
        let y0 = f(x0)
        guard y0.isFinite, slope.isFinite else {
            throw CommandFailure("cannot draw the tangent at \(problem.pointDescription): f or its derivative is not finite there")
        }
        let xRange = try range.map { try parseRanges($0, axes: 1)[0] } ?? Self.defaultRange(around: x0)
        let n = 401
        let xs = (0..<n).map { xRange.lowerBound + (xRange.upperBound - xRange.lowerBound) * Double($0) / Double(n - 1) }
        let ys = xs.map(f)
        let others = problem.names.indices.filter { $0 != index }
        var title = "f(\(variable)) = \(problem.formula)"
        if !others.isEmpty {
            title = "f = \(problem.formula) along \(variable) ("
                + others.map { "\(problem.names[$0]) = \(compact(problem.point[$0]))" }.joined(separator: ", ") + ")"
        }
        var chart = Chart(title: title, x: Axis(variable, range: xRange), y: Axis("f", range: Self.robustRange(ys, including: y0)))
        chart.line(x: xs, y: ys, label: "f")
        chart.tangent(at: x0, y: y0, slope: slope, label: "tangent at \(variable)=\(compact(x0)) (slope \(plotLabel(slope)))")
        chart.annotate("(\(plotLabel(x0)), \(plotLabel(y0)))", at: PlotPoint(x0, y0))
        return chart
    }

    /// A y range for sampled values that keeps a pole (1/x near 0) from
    /// squashing the rest: values farther than the 5–95 % spread beyond
    /// those quantiles are cut off. Nil (automatic) when nothing is cut.
    static func robustRange(_ ys: [Double], including y0: Double) -> ClosedRange<Double>? {
        let finite = ys.filter(\.isFinite).sorted()
        guard finite.count >= 10, let lo = finite.first, let hi = finite.last else { return nil }
        let q05 = finite[finite.count / 20], q95 = finite[finite.count - 1 - finite.count / 20]
        let spread = q95 - q05
        guard spread > 0 else { return nil }
        let low = Swift.min(Swift.max(lo, q05 - spread), y0), high = Swift.max(Swift.min(hi, q95 + spread), y0)
        guard low > lo || high < hi else { return nil }
        let pad = (high - low) * 0.05
        return (low - pad)...(high + pad)
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
