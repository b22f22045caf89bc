import ArgumentParser
import Foundation
import Nabla

/// `nabla gradcheck`: the book's check of backprop against numerical
/// gradients, per parameter tensor.
struct GradcheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gradcheck",
        abstract: "Compare backprop with numerical gradients on a fresh network, per parameter (the book's gradient check).",
        discussion: """
            Takes the first --samples training samples, a freshly initialised network in Double, \
            and prints for each parameter tensor the mean absolute difference between the \
            backprop gradient and the central-difference gradient (the book reports about \
            1e-10 to 1e-13 on MNIST), the largest difference and the relative error. It also \
            times both: backprop is one forward and one backward pass; the numerical gradient \
            is two forward passes per parameter.
              nabla gradcheck --data mnist:DIR --hidden 50 --activation sigmoid --init book
            """)

    @OptionGroup var network: NetworkOptions

    @Option(help: "How many training samples form the batch.")
    var samples = 3

    @Option(help: "The central-difference step h.")
    var step = 1e-4

    @Flag(help: "Print one JSON document instead of a table.")
    var json = false

    func run() throws {
        let (text, passes) = try report()
        print(text)
        if !passes { throw ExitCode(1) }
    }

    /// The output and whether backprop passed.
    func report() throws -> (text: String, passes: Bool) {
        var lines: [String] = []
        func print(_ line: String = "") { lines.append(line) }
        guard samples > 0 else { throw CommandFailure("--samples must be positive") }
        let split = try network.source().load(as: Double.self, seed: network.seed)
        let specification = try network.specification(
            inputSize: split.train.featureCount, classes: max(split.train.classCount, split.test.classCount))
        let net = specification.makeNetwork(Double.self)
        let n = min(samples, split.train.count)
        var x = Tensor<Double>.zeros(shape: [0, split.train.featureCount])
        var labels: [Int] = []
        split.train.gather(Array(0..<n)[...], features: &x, labels: &labels)

        let clock = ContinuousClock()
        let backpropTime = clock.measure { _ = try? net.gradient(x, labels: labels) }
        var report: GradientCheckReport?
        let numericalTime = try clock.measure { report = try net.gradientCheck(x, labels: labels, step: step) }
        guard let report else { return ("", false) }
        let numericalSeconds = numericalTime.inSeconds - backpropTime.inSeconds
        if json {
            let rows = report.rows.map { row in
                JSON.object([
                    ("name", .string(row.name)), ("shape", .array(row.shape.map { .integer($0) })),
                    ("meanAbsoluteDifference", .number(row.meanAbsoluteDifference)),
                    ("maxAbsoluteDifference", .number(row.maxAbsoluteDifference)),
                    ("relativeError", .number(row.relativeError)),
                ])
            }
            print(JSON.object([
                ("data", .string(split.train.name)), ("network", .string(specification.description)),
                ("samples", .integer(n)), ("step", .number(step)), ("loss", .number(report.loss)),
                ("parameters", .array(rows)), ("passes", .bool(report.passes())),
                ("backpropSeconds", .number(backpropTime.inSeconds)), ("numericalSeconds", .number(numericalSeconds)),
            ]).text)
            return (lines.joined(separator: "\n"), report.passes())
        }
        print("gradient check: \(specification) on the first \(n) samples of \(split.train.name), Double, h = \(step)")
        print("loss \(readable(report.loss))\n")
        var table = Table(["parameter", "shape", "mean |diff|", "max |diff|", "relative error"], rightAligned: [2, 3, 4])
        for row in report.rows {
            table.add([row.name, row.shape.map(String.init).joined(separator: "×"),
                       short(row.meanAbsoluteDifference), short(row.maxAbsoluteDifference), short(row.relativeError)])
        }
        print(table.text)
        print()
        print(String(format: "backprop   %.3g ms (one forward + one backward)", backpropTime.inSeconds * 1e3))
        print(String(format: "numerical  %.3g ms (%d forward passes), %.0f× slower",
                     numericalSeconds * 1e3, 2 * net.parameterCount, numericalSeconds / max(backpropTime.inSeconds, 1e-9)))
        print(report.passes() ? "backprop agrees with the numerical gradient" : "MISMATCH: backprop and numerical gradients disagree")
        return (lines.joined(separator: "\n"), report.passes())
    }
}
