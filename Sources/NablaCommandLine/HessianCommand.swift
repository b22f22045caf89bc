import ArgumentParser
import Nabla

/// `nabla hessian`: the matrix of second partial derivatives.
struct HessianCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hessian",
        abstract: "The Hessian (all second partial derivatives) of a formula at a point.",
        discussion: """
            Rows and columns come in the order of --at. Example:
              nabla hessian "2*x + 3*x*y + y^3" --at x=1,y=2      # [[0, 3], [3, 12]]
            """)

    @Argument(help: "The formula, e.g. \"x^2*y + exp(x*y)\".")
    var expression: String

    @OptionGroup var options: MethodOptions

    func run() throws { print(try output()) }

    func output() throws -> String {
        let problem = try Problem(expression: expression, at: try options.requirePoint())
        let results = options.float ? try compute(problem, as: Float.self) : try compute(problem, as: Double.self)
        try requireFinite(results, at: problem)
        if options.json {
            return jsonDocument(problem, options, results, extra: [("variables", .array(problem.names.map { .string($0) }))])
        }
        var lines = ["f = \(problem.formula)", "Hessian at \(problem.pointDescription), in \(options.precisionName)"]
        let n = problem.names.count
        let reference = referenceIndex(results).map { results[$0] } ?? results.first { $0.failure == nil && !$0.hasNonFiniteValue }
        for result in results {
            lines.append("")
            if let failure = result.failure {
                lines.append("\(result.method): failed: \(failure)")
                continue
            }
            var summary = "\(result.method): \(result.evaluations) evaluations, \(result.status)"
            if results.count > 1, let reference, reference.method != result.method {
                let gap = zip(result.values, reference.values).map { ($0 - $1).magnitude }.max() ?? 0
                summary += ", largest difference from \(reference.method) \(short(gap))"
            }
            lines.append(summary)
            var table = Table([""] + problem.names + ["", "largest error estimate"])
            for i in 0..<n {
                let row = (0..<n).map { result.texts[i * n + $0] }
                let worst = (0..<n).map { result.errors[i * n + $0] }.max() ?? 0
                table.add([problem.names[i]] + row + ["", short(worst)])
            }
            lines.append(table.text)
        }
        return lines.joined(separator: "\n")
    }

    func compute<T: CommandScalar>(_ problem: Problem, as _: T.Type) throws -> [MethodResult] {
        let x = problem.point(as: T.self)
        let fx: T = problem.compiled(x)
        return try options.run(try options.methods(complexAllowed: false)) { choice in
            if choice == .symbolic {
                let h = problem.formula.hessian(variables: problem.names)
                let n = x.count
                let values: [T] = try h.joined().map { try $0.compiled(variables: problem.names)(x) }
                let flat = automaticEstimate(values, functionValue: fx, evaluations: 1)
                return MethodResult(method: "symbolic", flat.map { v in (0..<n).map { Array(v[($0 * n)..<($0 * n + n)]) } })
            }
            if choice == .forwardMode {
                // Forward over forward: one Dual<Dual> evaluation per entry of the upper triangle.
                let n = x.count
                var h = [[T]](repeating: [T](repeating: 0, count: n), count: n)
                for i in 0..<n {
                    for j in i..<n {
                        let p = x.indices.map { k in
                            Dual(value: Dual(value: x[k], tangent: k == i ? 1 : 0), tangent: Dual(value: k == j ? 1 : 0, tangent: 0))
                        }
                        let y: Dual<Dual<T>> = problem.compiled(p)
                        h[i][j] = y.tangent.tangent
                        h[j][i] = h[i][j]
                    }
                }
                let flat = automaticEstimate(Array(h.joined()), functionValue: fx, evaluations: n * (n + 1) / 2)
                return MethodResult(method: choice.rawValue, flat.map { v in (0..<n).map { Array(v[($0 * n)..<($0 * n + n)]) } })
            }
            if choice == .reverse {
                let n = x.count
                let h = hessian(of: { problem.compiled($0) }, at: x)
                let flat = automaticEstimate(Array(h.joined()), functionValue: fx, evaluations: n)
                return MethodResult(method: choice.rawValue, flat.map { v in (0..<n).map { Array(v[($0 * n)..<($0 * n + n)]) } })
            }
            let d = try numericalHessian(of: problem.function(as: T.self), at: x, method: options.differenceMethod(choice))
            return MethodResult(method: choice.rawValue, d)
        }
    }
}
