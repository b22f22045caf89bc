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
              nabla grad "x0^2 + x1^2" --plot field.svg
              nabla grad "x0^2 + x1^2" --at x0=1,x1=1.5 --plot field.svg --range -2:2,-1:3
            With --plot (two variables), also draws the contour lines of f and the negative \
            gradient (the direction of steepest descent) as arrows on a 15 x 15 grid, computed \
            by reverse mode, on [-2, 2] x [-2, 2] (the textbook's picture; widened to hold the \
            point, or set with --range); with --at, the point and its own arrow too.
            """)

    @Argument(help: "The formula, e.g. \"2*x + 3*x*y + y^3\".")
    var expression: String

    @OptionGroup var options: MethodOptions

    @Option(help: ArgumentHelp("Draw contour lines of f and arrows of the negative gradient into this SVG file (or HTML page, for a name ending in .html); two variables only.",
                               valueName: "file"))
    var plot: String?

    @Option(parsing: .unconditional,
            help: ArgumentHelp("The plot's rectangle: a:b for both variables, or a:b,c:d (default: -2:2, widened to hold the point).",
                               valueName: "range"))
    var range: String?

    mutating func validate() throws {
        if range != nil && plot == nil { throw ValidationError("--range sets the range of --plot; give --plot FILE too") }
    }

    func run() throws { print(try output()) }

    func output() throws -> String {
        guard let at = options.at else {
            let formula = try parseFormula(expression)
            let chart = try plot.map { _ in try fieldChart(formula, names: formula.variables.sorted(), point: nil) }
            let size = chart.map { equalAspectSize(x: $0.x.range!, y: $0.y.range!) } ?? (width: 640, height: 560)
            var text = symbolicOutput(formula, variables: formula.variables, gradient: formula.gradient(variables: formula.variables),
                                      plot: plot)
            if let plot, let chart {
                try PlotFile.write(chart, width: size.width, height: size.height, to: plot, title: "Gradient of \(formula)", text: options.json ? nil : text)
                if !options.json { text += "\n\n" + PlotFile.confirmation(plot) }
            }
            return text
        }
        let problem = try Problem(expression: expression, at: at)
        let chart = try plot.map { _ in try fieldChart(problem.formula, names: problem.names, point: problem.point) }
        let size = chart.map { equalAspectSize(x: $0.x.range!, y: $0.y.range!) } ?? (width: 640, height: 560)
        let symbolic = problem.formula.gradient(variables: problem.names)
        let results = options.float
            ? try compute(problem, symbolic, as: Float.self) : try compute(problem, symbolic, as: Double.self)
        try requireFinite(results, at: problem)
        if options.json {
            if let plot, let chart {
                try PlotFile.write(chart, width: size.width, height: size.height, to: plot, title: "Gradient of \(problem.formula)")
            }
            return jsonDocument(problem, options, results, extra: [
                ("variables", .array(problem.names.map { .string($0) })),
                ("symbolic", .array(symbolic.map { .string($0.description) })),
            ] + (options.latex ? [("latex", .array(symbolic.map { .string($0.latex) }))] : [])
              + (plot.map { [("plot", JSON.string($0))] } ?? []))
        }
        let names = problem.names.map { "df/d\($0)" }
        var lines = [symbolicOutput(problem.formula, variables: problem.names, gradient: symbolic), "",
                     "gradient at \(problem.pointDescription), in \(options.precisionName)", "",
                     resultTable(results, reference: referenceIndex(results), componentNames: names)]
        if let plot, let chart {
            try PlotFile.write(chart, width: size.width, height: size.height, to: plot, title: "Gradient of \(problem.formula)",
                               text: lines.joined(separator: "\n"))
            lines += ["", PlotFile.confirmation(plot)]
        }
        return lines.joined(separator: "\n")
    }

    /// Contour lines of f and the field of −∇f (reverse mode) over the
    /// rectangle of `--range` (default [−2, 2] on each axis, widened to
    /// hold the point); with a point, the point and its own −∇f arrow.
    func fieldChart(_ formula: Formula, names: [String], point: [Double]?) throws -> Chart {
        guard names.count == 2 else {
            throw CommandFailure("--plot draws functions of two variables; this one has \(names.count) (\(names.joined(separator: ", ")))"
                                 + (names.count == 1 ? ": use nabla diff --plot for one variable" : ""))
        }
        let compiled = try formula.compiled(variables: names)
        let ranges = try range.map { try parseRanges($0, axes: 2) } ?? (0..<2).map { k in
            let half = Swift.max(2, 1.25 * (point?[k].magnitude ?? 0))
            return -half...half
        }
        var chart = contourChart(title: "f = \(formula) and −∇f", names: names, x: ranges[0], y: ranges[1]) { x, y in
            compiled([x, y])
        }
        func descent(_ x: Double, _ y: Double) -> (Double, Double) {
            let g = gradient(of: { compiled($0) }, at: [x, y])
            return (-g[0], -g[1])
        }
        chart.quiver(x: ranges[0], y: ranges[1], count: 15, label: "−∇f (steepest descent)", field: descent)
        if let point {
            let (dx, dy) = descent(point[0], point[1])
            // Twice as long as the field's longest arrow, so that it stands out.
            let cell = Swift.min(ranges[0].upperBound - ranges[0].lowerBound, ranges[1].upperBound - ranges[1].lowerBound) / 7.5
            chart.quiver([Chart.Arrow(x: point[0], y: point[1], dx: dx, dy: dy)], cellSize: (cell, cell),
                         label: "−∇f at \(pointLabel(point)) = \(pointLabel([dx, dy]))", color: .vermillion)
            chart.scatter([PlotPoint(point[0], point[1])], color: .vermillion, radius: 4.5)
        }
        return chart
    }

    /// Every partial derivative as a formula.
    func symbolicOutput(_ formula: Formula, variables: [String], gradient: [Formula], plot: String? = nil) -> String {
        if options.json {
            return JSON.object([
                ("expression", .string(formula.description)), ("variables", .array(variables.map { .string($0) })),
                ("symbolic", .array(gradient.map { .string($0.description) })), ("method", .string("symbolic")),
            ] + (options.latex ? [("latex", .array(gradient.map { .string($0.latex) }))] : [])
              + (plot.map { [("plot", JSON.string($0))] } ?? [])).text
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
