import ArgumentParser
import Foundation
import Nabla

/// `nabla descend`: gradient descent on a formula, step by step.
struct DescendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "descend",
        abstract: "Gradient descent on a formula: where it goes, and whether it converges, diverges or barely moves.",
        discussion: """
            Runs an optimiser (the update rules of NablaNetwork, the textbook's chapter 6) on f from \
            --from for --steps steps, with the exact gradient (reverse mode) or the textbook's \
            numerical one (central differences, h = 1e-4). Prints the start, some iterates, the end, \
            f at the end and the status: converged (the gradient is tiny), diverged (a coordinate \
            became NaN, infinite or larger than 1e10; the step is named), barely moved (it travelled \
            less than 1e-6 of the start's size) or not converged.
            The textbook's example; then a divergence; then the path over contours:
              nabla descend "x0^2 + x1^2" --from x0=-3,x1=4 --lr 0.1 --steps 100
              nabla descend "x0^2 + x1^2" --from x0=-3,x1=4 --lr 10
              nabla descend "x0^2 + x1^2" --from x0=-3,x1=4 --plot descent.svg
              nabla descend "x^2/20 + y^2" --from x=-7,y=2 --optimizer adam --lr 0.3
              nabla descend --compare-optimizers --plot optimizers.svg
            --compare-optimizers runs SGD (lr 0.95), Momentum (0.1), AdaGrad (1.5) and Adam (0.3) \
            for 30 steps on x^2/20 + y^2 from (-7, 2), as the textbook does; a formula, --from, \
            --lr and --steps replace those settings.
            """)

    @Argument(help: "The formula to minimise, e.g. \"x0^2 + x1^2\" (optional with --compare-optimizers).")
    var expression: String?

    @Option(help: ArgumentHelp("The start, as name=value pairs: x0=-3,x1=4 (every variable of the formula).", valueName: "point"))
    var from: String?

    @Option(parsing: .unconditional, help: "The learning rate η (default 0.1; with --compare-optimizers, the textbook's rate for each).")
    var lr: Double?

    @Option(parsing: .unconditional, help: "The number of steps (default 100; 30 with --compare-optimizers).")
    var steps: Int?

    @Option(help: ArgumentHelp("The update rule: \(OptimizerKind.names.joined(separator: ", ")) (momentum 0.9, RMSprop decay 0.99, Adam β 0.9/0.999).",
                               valueName: "name"))
    var optimizer: String = "sgd"

    @Option(help: "exact (reverse-mode automatic differentiation) or numerical (central differences, h = 1e-4, as in the textbook).")
    var gradient: GradientChoice = .exact

    @Option(help: ArgumentHelp("Draw the path over contour lines of f into this SVG file (or HTML page, for a name ending in .html); two variables only.",
                               valueName: "file"))
    var plot: String?

    @Option(parsing: .unconditional,
            help: ArgumentHelp("The plot's rectangle: a:b for both variables, or a:b,c:d (default: around the path).", valueName: "range"))
    var range: String?

    @Flag(help: "Run SGD, Momentum, AdaGrad and Adam side by side (the textbook's figure 6-8).")
    var compareOptimizers = false

    @Flag(help: "Print one JSON document instead of text.")
    var json = false

    enum GradientChoice: String, ExpressibleByArgument, CaseIterable {
        case exact, numerical
    }

    /// The textbook's comparison (chapter 6): f, start, steps, and each optimiser's learning rate.
    static let comparisonFormula = "x^2/20 + y^2"
    static let comparisonStart = "x=-7,y=2"
    static let comparisonSteps = 30
    static let comparisonRates: [(name: String, lr: Double)] = [("sgd", 0.95), ("momentum", 0.1), ("adagrad", 1.5), ("adam", 0.3)]

    mutating func validate() throws {
        if let lr, !(lr > 0 && lr.isFinite) { throw ValidationError("--lr must be a positive number, got \(lr)") }
        if let steps, !(1...10_000_000).contains(steps) { throw ValidationError("--steps must be between 1 and 10000000, got \(steps)") }
        if OptimizerKind(parsing: optimizer) == nil {
            throw ValidationError("--optimizer must be one of \(OptimizerKind.names.joined(separator: ", ")), got '\(optimizer)'")
        }
        if range != nil && plot == nil { throw ValidationError("--range sets the range of --plot; give --plot FILE too") }
        if compareOptimizers {
            if optimizer != "sgd" {
                throw ValidationError("--compare-optimizers runs sgd, momentum, adagrad and adam; leave out --optimizer")
            }
            if (expression == nil) != (from == nil) {
                throw ValidationError("--compare-optimizers: give both a formula and --from, or neither (for the textbook's x^2/20 + y^2 from x=-7,y=2)")
            }
        } else {
            if expression == nil { throw ValidationError("give the formula to minimise, e.g. nabla descend \"x0^2 + x1^2\" --from x0=-3,x1=4") }
            if from == nil { throw ValidationError("give the start with --from, e.g. --from x0=-3,x1=4") }
        }
    }

    func run() throws { print(try output()) }

    func output() throws -> String {
        compareOptimizers ? try comparisonOutput() : try singleOutput()
    }

    // MARK: One optimiser

    func singleOutput() throws -> String {
        let problem = try Problem(expression: expression!, at: from!, option: "--from")
        let kind = OptimizerKind(parsing: optimizer)!
        let rate = lr ?? 0.1
        if plot != nil && problem.names.count != 2 {
            throw plotVariablesFailure(problem.names)
        }
        let descent = try Descent.run(problem, kind: kind, learningRate: rate, steps: steps ?? 100, gradient: gradient,
                                  keepsPath: plot != nil)
        let chart = try plot.map { _ in
            try pathChart(problem, [descent], title: "\(Self.displayName(kind)) (lr \(plotLabel(rate))) on f = \(problem.formula)")
        }
        if json {
            if let plot, let chart { try writeSingle(chart, to: plot, problem, text: nil) }
            var fields: [(String, JSON)] = documentFields(problem)
            fields += descent.fields
            if let plot { fields.append(("plot", JSON.string(plot))) }
            return JSON.object(fields).text
        }
        var lines = ["f = \(problem.formula)",
                     "gradient descent: \(kind.description), learning rate \(plotLabel(rate)), \(descent.stepsAsked) steps, "
                        + "\(self.gradient == .exact ? "exact gradient (reverse mode)" : "numerical gradient (central differences, h = 1e-4)")", "",
                     "start: " + zip(problem.names, descent.start).map { "\($0) = \(format($1))" }.joined(separator: ", ")
                        + " (f = \(readable(descent.shown[0].value)))", "",
                     descent.table(names: problem.names), ""]
        lines.append("end: " + zip(problem.names, descent.end).map { "\($0) = \(format($1))" }.joined(separator: ", "))
        lines.append("f at the end: \(format(descent.endValue))")
        lines.append("status: \(descent.status.description)")
        if let plot, let chart {
            try writeSingle(chart, to: plot, problem, text: lines.joined(separator: "\n"))
            lines += ["", PlotFile.confirmation(plot)]
        }
        return lines.joined(separator: "\n")
    }

    private func writeSingle(_ chart: Chart, to path: String, _ problem: Problem, text: String?) throws {
        let size = equalAspectSize(x: chart.x.range!, y: chart.y.range!)
        try PlotFile.write(chart, width: size.width, height: size.height, to: path, title: "Gradient descent on \(problem.formula)", text: text)
    }

    private func documentFields(_ problem: Problem) -> [(String, JSON)] {
        [("expression", .string(problem.formula.description)),
         ("variables", .array(problem.names.map { .string($0) })),
         ("from", .object(zip(problem.names, problem.point).map { ($0, .number($1)) })),
         ("gradient", .string(gradient.rawValue))]
    }

    private func plotVariablesFailure(_ names: [String]) -> CommandFailure {
        CommandFailure("--plot draws paths of two variables; this formula has \(names.count) (\(names.joined(separator: ", "))): leave out --plot")
    }

    // MARK: Comparison

    func comparisonOutput() throws -> String {
        let isTextbook = expression == nil
        let problem = try Problem(expression: expression ?? Self.comparisonFormula, at: from ?? Self.comparisonStart, option: "--from")
        if plot != nil && problem.names.count != 2 { throw plotVariablesFailure(problem.names) }
        let stepCount = steps ?? Self.comparisonSteps
        let runs = try Self.comparisonRates.map { entry in
            try Descent.run(problem, kind: OptimizerKind(parsing: entry.name)!, learningRate: lr ?? entry.lr, steps: stepCount,
                            gradient: self.gradient, keepsPath: plot != nil)
        }
        var figure: Figure?
        if plot != nil {
            // The textbook draws x in [-10, 10]; y in [-5, 5] shows its paths larger.
            let fixed: [ClosedRange<Double>]? = try range.map { try parseRanges($0, axes: 2) } ?? (isTextbook ? [-10...10, -5...5] : nil)
            let box = fixed ?? {
                let (x, y) = descentBox(runs.map(\.path))
                return [x, y]
            }()
            let charts = try runs.map { run in
                try pathChart(problem, [run], title: "\(Self.displayName(run.kind)) (lr \(plotLabel(run.learningRate)))", box: box, labelsPath: false)
            }
            figure = Figure(title: "Optimisers on f = \(problem.formula) from \(pointLabel(problem.point)), \(stepCount) steps",
                            columns: 2, charts: charts)
        }
        if json {
            if let plot, let figure { try writeComparison(figure, to: plot, problem, text: nil) }
            var fields: [(String, JSON)] = documentFields(problem)
            fields.append(("steps", JSON.integer(stepCount)))
            let optimizers: [JSON] = runs.map { JSON.object($0.fields) }
            fields.append(("optimizers", JSON.array(optimizers)))
            if let plot { fields.append(("plot", JSON.string(plot))) }
            return JSON.object(fields).text
        }
        var table = Table(["optimizer", "lr"] + problem.names + ["f", "|gradient|", "status"],
                          rightAligned: Set(1...(problem.names.count + 3)))
        for run in runs {
            table.add([Self.displayName(run.kind), plotLabel(run.learningRate)] + run.end.map(readable)
                      + [readable(run.endValue), gradientText(run.endGradientNorm), run.status.brief])
        }
        var lines = ["f = \(problem.formula), from \(problem.pointDescription), \(stepCount) steps, "
                        + "\(self.gradient == .exact ? "exact gradient (reverse mode)" : "numerical gradient (h = 1e-4)")", "",
                     table.text]
        if let plot, let figure {
            try writeComparison(figure, to: plot, problem, text: lines.joined(separator: "\n"))
            lines += ["", PlotFile.confirmation(plot)]
        }
        return lines.joined(separator: "\n")
    }

    private func writeComparison(_ figure: Figure, to path: String, _ problem: Problem, text: String?) throws {
        try PlotFile.write(figure, width: 960, height: 760, to: path, title: "Optimisers on \(problem.formula)", text: text)
    }

    static func displayName(_ kind: OptimizerKind) -> String {
        switch kind {
        case .sgd: return "SGD"
        case .momentum: return "Momentum"
        case .nesterov: return "Nesterov"
        case .adagrad: return "AdaGrad"
        case .rmsprop: return "RMSprop"
        case .adam: return "Adam"
        }
    }

    // MARK: Plot

    /// The paths over contour lines of f, in `box` (default: `--range`, or
    /// around the paths).
    func pathChart(_ problem: Problem, _ runs: [Descent], title: String, box: [ClosedRange<Double>]? = nil,
                   labelsPath: Bool = true) throws -> Chart {
        let ranges = try box ?? range.map { try parseRanges($0, axes: 2) } ?? {
            let (x, y) = descentBox(runs.map(\.path))
            return [x, y]
        }()
        let compiled = problem.compiled
        var chart = contourChart(title: title, names: problem.names, x: ranges[0], y: ranges[1]) { x, y in compiled([x, y]) }
        for run in runs {
            let points = run.path.map { PlotPoint($0[0], $0[1]) }
            chart.path(points, label: labelsPath ? "\(run.stepsTaken) steps: \(run.status.brief)" : nil, color: .vermillion)
        }
        return chart
    }
}

/// A gradient norm to three digits (`10`, `0.64`, `2.04e-09`); `-` when unknown.
func gradientText(_ x: Double) -> String {
    x.isNaN ? "-" : String(format: "%.3g", x)
}

/// One run of an optimiser on a formula.
struct Descent {
    enum Status: CustomStringConvertible {
        case converged(gradientNorm: Double)
        /// `step`: the update after which a coordinate or f stopped being finite or exceeded 1e10.
        case diverged(step: Int, reason: String)
        case barelyMoved(distance: Double)
        case notConverged(gradientNorm: Double)

        var description: String {
            switch self {
            case .converged(let g): return "converged (gradient norm \(short(g)))"
            case .diverged(let step, let reason): return "diverged at step \(step): \(reason)"
            case .barelyMoved(let d): return "barely moved (travelled \(short(d)); try a larger --lr)"
            case .notConverged(let g): return "not converged (gradient norm \(short(g)); try more --steps or another --lr)"
            }
        }

        /// For a legend.
        var brief: String {
            switch self {
            case .converged: return "converged"
            case .diverged(let step, _): return "diverged at step \(step)"
            case .barelyMoved: return "barely moved"
            case .notConverged: return "not converged"
            }
        }

        var name: String {
            switch self {
            case .converged: return "converged"
            case .diverged: return "diverged"
            case .barelyMoved: return "barelyMoved"
            case .notConverged: return "notConverged"
            }
        }
    }

    /// An iterate shown in the table.
    struct Iterate {
        var step: Int
        var x: [Double]
        var value: Double
        var gradientNorm: Double
    }

    var kind: OptimizerKind
    var learningRate: Double
    var stepsAsked: Int
    /// Updates made (fewer than asked when it diverged).
    var stepsTaken: Int
    var start: [Double]
    var end: [Double]
    var endValue: Double
    var endGradientNorm: Double
    var status: Status
    /// Steps 0, 1, 2, 3, 5, 10, 20, 50, 100, … and the last.
    var shown: [Iterate]
    /// Every iterate (at most about 5000, evenly thinned) when asked to keep the path.
    var path: [[Double]]

    /// A coordinate beyond this is divergence.
    static let limit = 1e10

    /// Runs `steps` updates of `kind` from the problem's point.
    ///
    /// The update rules are ``Optimizer``'s (NablaNetwork); this only supplies
    /// the gradient and watches the iterates. The status is checked in this
    /// order: diverged (stops at once), converged (‖∇f‖ ≤ 1e-6·max(1, ‖∇f(start)‖)
    /// at the end), barely moved (‖end − start‖ < 1e-6·max(‖start‖, 1e-300)), not converged.
    static func run(_ problem: Problem, kind: OptimizerKind, learningRate: Double, steps: Int,
                    gradient: DescendCommand.GradientChoice, keepsPath: Bool) throws -> Descent {
        let compiled = problem.compiled
        func evaluate(_ x: [Double]) -> (value: Double, gradient: [Double]) {
            switch gradient {
            case .exact:
                return valueAndGradient(of: { compiled($0) }, at: x)
            case .numerical:
                return (compiled(x), numericalGradientTextbook(x, compiled))
            }
        }
        let start = problem.point
        var (value, g) = evaluate(start)
        guard value.isFinite, g.allSatisfy(\.isFinite) else {
            throw CommandFailure("f or its gradient is not finite at the start \(problem.pointDescription)")
        }
        let startNorm = norm(g)
        let parameter = Parameter<Double>(name: "x", value: Tensor(start))
        let updater = Optimizer<Double>(kind, learningRate: learningRate)
        var x = start
        var shown = [Iterate(step: 0, x: x, value: value, gradientNorm: startNorm)]
        let stride = Swift.max(1, (steps + 4999) / 5000)
        var path = keepsPath ? [start] : []
        var status: Status?
        var taken = 0
        let marks = Set(shownSteps(upTo: steps))
        for step in 1...steps {
            parameter.gradient = Tensor(g)
            do {
                try updater.update([parameter])
            } catch {
                status = .diverged(step: step, reason: "the gradient is not finite")
                break
            }
            taken = step
            x = parameter.value.scalars
            if let i = x.indices.first(where: { !x[$0].isFinite || x[$0].magnitude > limit }) {
                status = .diverged(step: step, reason: x[i].isFinite
                    ? "|\(problem.names[i])| = \(short(x[i].magnitude)) > 1e10" : "\(problem.names[i]) = \(format(x[i]))")
            } else {
                (value, g) = evaluate(x)
                if !value.isFinite || !g.allSatisfy(\.isFinite) {
                    status = .diverged(step: step, reason: value.isFinite ? "the gradient is not finite" : "f = \(format(value))")
                }
            }
            if keepsPath, x.allSatisfy(\.isFinite), step % stride == 0 || step == steps || status != nil { path.append(x) }
            if status != nil {
                value = x.allSatisfy(\.isFinite) ? compiled(x) : .nan
                shown.append(Iterate(step: step, x: x, value: value, gradientNorm: .nan))
                break
            }
            if marks.contains(step) { shown.append(Iterate(step: step, x: x, value: value, gradientNorm: norm(g))) }
        }
        let endNorm = status == nil ? norm(g) : .nan
        if status == nil {
            let travelled = norm(zip(x, start).map { $0 - $1 })
            if endNorm <= 1e-6 * Swift.max(1, startNorm) {
                status = .converged(gradientNorm: endNorm)
            } else if travelled < 1e-6 * Swift.max(norm(start), 1e-300) {
                status = .barelyMoved(distance: travelled)
            } else {
                status = .notConverged(gradientNorm: endNorm)
            }
        }
        return Descent(kind: kind, learningRate: learningRate, stepsAsked: steps, stepsTaken: taken, start: start, end: x,
                       endValue: value, endGradientNorm: endNorm, status: status!, shown: shown, path: path)
    }

    /// The textbook's `numerical_gradient`: central differences with h = 1e-4,
    /// one coordinate at a time.
    static func numericalGradientTextbook(_ x: [Double], _ f: CompiledFormula) -> [Double] {
        let h = 1e-4
        var p = x
        return x.indices.map { i in
            let saved = p[i]
            p[i] = saved + h
            let up: Double = f(p)
            p[i] = saved - h
            let down: Double = f(p)
            p[i] = saved
            return (up - down) / (2 * h)
        }
    }

    static func norm(_ v: [Double]) -> Double {
        let scale = v.map(\.magnitude).max() ?? 0
        guard scale > 0, scale.isFinite else { return scale }
        return scale * v.map { ($0 / scale) * ($0 / scale) }.reduce(0, +).squareRoot()
    }

    /// 0, 1, 2, 3, 5, then 1-2-5 × 10^k, up to `steps` (and `steps` itself).
    static func shownSteps(upTo steps: Int) -> [Int] {
        var out = [1, 2, 3, 5]
        var decade = 10
        while decade <= steps {
            out += [decade, 2 * decade, 5 * decade]
            decade *= 10
        }
        return out.filter { $0 <= steps } + [steps]
    }

    /// The iterates as a table: step, the coordinates (up to six), f, ‖∇f‖.
    func table(names: [String]) -> String {
        let columns = names.count <= 6 ? names : ["x (first three)"]
        var table = Table(["step"] + columns + ["f", "|gradient|"], rightAligned: Set(0..<(columns.count + 3)))
        for it in shown {
            let coordinates = names.count <= 6
                ? it.x.map(readable)
                : ["[" + it.x.prefix(3).map(readable).joined(separator: ", ") + ", …]"]
            table.add([String(it.step)] + coordinates + [readable(it.value), gradientText(it.gradientNorm)])
        }
        return table.text
    }

    /// The JSON fields of a run.
    var fields: [(String, JSON)] {
        var out: [(String, JSON)] = [
            ("optimizer", .string(kind.description)), ("learningRate", .number(learningRate)),
            ("steps", .integer(stepsAsked)), ("stepsTaken", .integer(stepsTaken)),
            ("end", .numbers(end)), ("value", .number(endValue)), ("gradientNorm", .number(endGradientNorm)),
            ("status", .string(status.name)), ("reason", .string(status.description)),
        ]
        if case .diverged(let step, _) = status { out.append(("divergedAtStep", .integer(step))) }
        let iterates: [JSON] = shown.map { it in
            JSON.object([("step", JSON.integer(it.step)), ("x", JSON.numbers(it.x)), ("value", JSON.number(it.value))])
        }
        out.append(("iterates", JSON.array(iterates)))
        return out
    }
}
