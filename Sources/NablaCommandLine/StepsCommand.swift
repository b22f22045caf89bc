import ArgumentParser
import Nabla

/// `nabla steps`: the textbook's lesson on step sizes, as a table.
struct StepsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "steps",
        abstract: "How the error of forward and central differences depends on the step h.",
        discussion: """
            For h from 1e-1 down to 1e-16, and the textbook's h = 1e-50, prints the forward and \
            central differences and their errors against an exact reference (the complex step), \
            marks the best h of each, and where truncation error gives way to rounding error. \
            With --float, h = 1e-50 underflows to 0 before it is even used.
              nabla steps "0.01*x^2 + 0.1*x" --at x=5
              nabla steps "exp(x)" --at x=1 --float
              nabla steps "0.01*x^2 + 0.1*x" --at x=5 --plot steps.svg
            With --plot, also draws the errors against h on log-log axes for h from 1e-16 to 1e-1 \
            (20 steps per decade): the V of each difference, with its best h marked.
            """)

    @Argument(help: "The formula, e.g. \"0.01*x^2 + 0.1*x\".")
    var expression: String

    @Option(help: "The point, as name=value pairs: x=5.")
    var at: String

    @Option(help: "The variable to differentiate with respect to (default: the only one).")
    var wrt: String?

    @Flag(help: "Compute the differences in Float instead of Double.")
    var float = false

    @Flag(help: "Print one JSON document instead of a table.")
    var json = false

    @Option(help: ArgumentHelp("Draw |error| against h (log-log, 20 steps per decade) into this SVG file (or HTML page, for a name ending in .html).",
                               valueName: "file"))
    var plot: String?

    /// The steps of the table: 1e-1 … 1e-16, then 1e-50.
    static let steps: [Double] = (1...16).map { Double("1e-\($0)")! } + [1e-50]

    func run() throws { print(try output()) }

    struct Row {
        var h: Double
        var forward: Double
        var central: Double
        var forwardError: Double
        var centralError: Double
        var note: String
    }

    func output() throws -> String {
        let problem = try Problem(expression: expression, at: at)
        let index = try problem.index(of: wrt)
        // The reference: the complex step in Double (machine precision), or
        // the adaptive method where the complex step cannot be used.
        let x = problem.point[index]
        var complexPoint = problem.point.map { ComplexStep<Double>(real: $0, imaginary: 0) }
        let g = problem.complexFunction(as: Double.self)
        var reference = complexStepDerivative(of: { z in complexPoint[index] = z; return g(complexPoint) }, at: x)
        var referenceMethod = "complex step"
        if !reference.status.isConverged {
            reference = try numericalDerivative(of: problem.along(index, as: Double.self), at: x)
            referenceMethod = "adaptive"
        }
        guard reference.value.isFinite else {
            throw CommandFailure("no finite derivative at \(problem.pointDescription) to compare with (\(reference.status))")
        }
        let rows = float ? table(problem, index, reference.value, steps: Self.steps, as: Float.self)
            : table(problem, index, reference.value, steps: Self.steps, as: Double.self)
        let chart = plot.map { _ in errorChart(problem, index, reference.value, referenceMethod) }
        let bestForward = rows.indices.filter { rows[$0].forwardError.isFinite }.min { rows[$0].forwardError < rows[$1].forwardError }
        let bestCentral = rows.indices.filter { rows[$0].centralError.isFinite }.min { rows[$0].centralError < rows[$1].centralError }
        let precision = float ? "Float" : "Double"
        if json {
            let rowObjects: [JSON] = rows.map { r in
                .object([("h", .number(r.h)), ("forward", .number(r.forward)), ("forwardError", .number(r.forwardError)),
                         ("central", .number(r.central)), ("centralError", .number(r.centralError)),
                         ("note", r.note.isEmpty ? .null : .string(r.note))])
            }
            if let plot, let chart {
                try PlotFile.write(chart, width: 720, height: 480, to: plot, title: "Step sizes for \(problem.formula)")
            }
            return JSON.object([
                ("expression", .string(problem.formula.description)),
                ("at", .object(zip(problem.names, problem.point).map { ($0, .number($1)) })),
                ("precision", .string(precision)),
                ("value", .number(reference.value)), ("errorEstimate", .number(reference.errorEstimate)),
                ("evaluations", .integer(reference.evaluations)),
                ("status", .string(reference.status.isConverged ? "converged" : "notConverged")),
                ("method", .string(referenceMethod)),
                ("bestForwardStep", bestForward.map { .number(rows[$0].h) } ?? .null),
                ("bestCentralStep", bestCentral.map { .number(rows[$0].h) } ?? .null),
                ("rows", .array(rowObjects)),
            ] + (plot.map { [("plot", JSON.string($0))] } ?? [])).text
        }
        var table = Table(["h", "forward", "error", "central", "error", ""], rightAligned: [2, 4])
        for (i, r) in rows.enumerated() {
            var notes: [String] = []
            if i == bestForward { notes.append("best forward") }
            if i == bestCentral { notes.append("best central") }
            if r.h == 1e-4 { notes.append("the textbook's h") }
            if !r.note.isEmpty { notes.append(r.note) }
            table.add([short(r.h), r.forward.isNaN ? "NaN" : format(r.forward), short(r.forwardError),
                       r.central.isNaN ? "NaN" : format(r.central), short(r.centralError),
                       notes.isEmpty ? "" : "<- " + notes.joined(separator: "; ")])
        }
        let variable = problem.names[index]
        var lines = [
            "f = \(problem.formula)",
            "d/d\(variable) at \(problem.pointDescription), differences in \(precision)",
            "exact (\(referenceMethod)): \(format(reference.value))", "",
            table.text, "",
        ]
        if let bestForward, let bestCentral {
            lines.append("Forward differences: truncation error (O(h)) dominates for h above \(short(rows[bestForward].h)), rounding error (O(eps/h)) below.")
            lines.append("Central differences: truncation error (O(h^2)) dominates for h above \(short(rows[bestCentral].h)), rounding error below.")
        }
        let eps = float ? Double(Float.ulpOfOne) : Double.ulpOfOne
        let scale = Swift.max(1, x.magnitude)
        lines.append("Theory for \(precision) (eps = \(short(eps))): best forward h ~ sqrt(eps)*max(1,|x|) = \(short(eps.squareRoot() * scale)), "
                     + "best central h ~ eps^(1/3)*max(1,|x|) = \(short(Double.pow(eps, 1.0 / 3) * scale)).")
        lines.append("Richardson extrapolation (nabla diff, the default method) and the complex step do better than any single h.")
        if let plot, let chart {
            try PlotFile.write(chart, width: 720, height: 480, to: plot, title: "Step sizes for \(problem.formula)",
                               text: lines.joined(separator: "\n"))
            lines += ["", PlotFile.confirmation(plot)]
        }
        return lines.joined(separator: "\n")
    }

    /// The steps of the plot: 1e-16 … 1e-1, 20 per decade.
    static let plotSteps: [Double] = (0...300).map { Double.pow(10, -16 + Double($0) / 20) }

    /// |error| against h for both differences on log-log axes, the best h of
    /// each marked and annotated, and the textbook's h = 1e-4 as a dotted line.
    func errorChart(_ problem: Problem, _ index: Int, _ exact: Double, _ referenceMethod: String) -> Chart {
        let rows = float ? table(problem, index, exact, steps: Self.plotSteps, as: Float.self)
            : table(problem, index, exact, steps: Self.plotSteps, as: Double.self)
        let variable = problem.names[index]
        var chart = Chart(title: "Error of d/d\(variable) of \(problem.formula) at \(problem.pointDescription) (\(float ? "Float" : "Double"))",
                          x: Axis("step h", scale: .logarithmic),
                          y: Axis("|difference − exact (\(referenceMethod))|", scale: .logarithmic))
        // An error of exactly 0 cannot sit on a log axis: it is drawn at a
        // floor below the smallest nonzero error (and the floor is named).
        let nonzero = rows.flatMap { [$0.forwardError, $0.centralError] }.filter { $0.isFinite && $0 > 0 }
        let floor = (nonzero.min() ?? Swift.max(exact.magnitude, 1) * 1e-16) / 10
        let hasZero = rows.contains { $0.forwardError == 0 || $0.centralError == 0 }
        func drawn(_ e: Double) -> Double { e == 0 ? floor : e }
        let hs = rows.map(\.h)
        chart.line(x: hs, y: rows.map { drawn($0.forwardError) }, label: "forward (f(x+h) − f(x))/h", color: .blue)
        chart.line(x: hs, y: rows.map { drawn($0.centralError) }, label: "central (f(x+h) − f(x−h))/2h", color: .vermillion)
        if hasZero {
            chart.line(x: [hs[0], hs[hs.count - 1]], y: [floor, floor], label: "error exactly 0 (drawn here)", color: .gray, dash: .dotted, width: 1)
        }
        let textbook = float ? table(problem, index, exact, steps: [1e-4], as: Float.self)[0]
            : table(problem, index, exact, steps: [1e-4], as: Double.self)[0]
        chart.scatter(x: [1e-4, 1e-4], y: [drawn(textbook.forwardError), drawn(textbook.centralError)],
                      label: "the textbook's h = 1e-4", color: .black, radius: 4)
        for (error, color) in [(\Row.forwardError, PlotColor.blue), (\Row.centralError, PlotColor.vermillion)] {
            let candidates = rows.filter { $0[keyPath: error].isFinite }
            guard let best = candidates.min(by: { $0[keyPath: error] < $1[keyPath: error] }) else { continue }
            let e = best[keyPath: error]
            chart.annotate("best h = \(tidyScientific(best.h)), error \(tidyScientific(e))", at: PlotPoint(best.h, drawn(e)), color: color)
        }
        return chart
    }

    func table<T: CommandScalar>(_ problem: Problem, _ index: Int, _ exact: Double, steps: [Double], as _: T.Type) -> [Row] {
        let f = problem.along(index, as: T.self)
        let x = T(problem.point[index])
        return steps.map { requested in
            // The raw textbook formulas, deliberately without step checks:
            // this table is where their failures are shown.
            let h = T(requested)
            let forward = Double((f(x + h) - f(x)) / h)
            let central = Double((f(x + h) - f(x - h)) / (2 * h))
            var note = ""
            if h == 0 {
                note = "h underflows to 0 in \(T.self): the quotient is 0/0"
            } else if x + h == x {
                note = "x + h == x: rounding swallows the step"
            }
            return Row(h: requested, forward: forward, central: central,
                       forwardError: (forward - exact).magnitude, centralError: (central - exact).magnitude, note: note)
        }
    }
}
