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
        let rows = float ? table(problem, index, reference.value, as: Float.self) : table(problem, index, reference.value, as: Double.self)
        let bestForward = rows.indices.filter { rows[$0].forwardError.isFinite }.min { rows[$0].forwardError < rows[$1].forwardError }
        let bestCentral = rows.indices.filter { rows[$0].centralError.isFinite }.min { rows[$0].centralError < rows[$1].centralError }
        let precision = float ? "Float" : "Double"
        if json {
            let rowObjects: [JSON] = rows.map { r in
                .object([("h", .number(r.h)), ("forward", .number(r.forward)), ("forwardError", .number(r.forwardError)),
                         ("central", .number(r.central)), ("centralError", .number(r.centralError)),
                         ("note", r.note.isEmpty ? .null : .string(r.note))])
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
            ]).text
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
        return lines.joined(separator: "\n")
    }

    func table<T: CommandScalar>(_ problem: Problem, _ index: Int, _ exact: Double, as _: T.Type) -> [Row] {
        let f = problem.along(index, as: T.self)
        let x = T(problem.point[index])
        return Self.steps.map { requested in
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
