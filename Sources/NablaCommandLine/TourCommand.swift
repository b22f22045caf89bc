import ArgumentParser
import Foundation
import Nabla

/// `nabla tour`: the textbook lesson end to end, with real numbers.
struct TourCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tour",
        abstract: "The lesson end to end: slopes, finite differences and their pitfalls, partial derivatives, gradient descent, backpropagation, training.",
        discussion: """
            Every number is computed as the tour runs (about a second in release). With \
            --report DIR it also writes an HTML page with the pictures: the tangent line, \
            the error against the step size, the gradient field with a descent path, and \
            the training curves.
            """)

    @Option(help: "Write the tour with its pictures as an HTML report into this directory.")
    var report: String?

    func run() throws {
        try execute { print($0); fflush(nil) }
    }

    func output() throws -> String {
        final class Lines { var all: [String] = [] }
        let lines = Lines()
        try execute { lines.all.append($0) }
        return lines.all.joined(separator: "\n")
    }

    func execute(write: @escaping (String) -> Void) throws {
        var html = HTMLReport(title: "Nabla: a tour of derivatives for deep learning")
        func heading(_ text: String) {
            write("")
            write(text)
            write(String(repeating: "─", count: text.count))
            html.section(text)
        }
        func say(_ text: String) {
            write(text)
            html.paragraph(text)
        }
        func show(_ text: String) {
            write(text)
            html.preformatted(text)
        }

        // 1. Slope
        let f = { (x: Double) in 0.01 * x * x + 0.1 * x }
        heading("1. A derivative is a slope")
        say("f(x) = 0.01x² + 0.1x. The derivative is the slope of the tangent: f′(x) = 0.02x + 0.1.")
        var slopeTable = Table(["x", "central difference (h = 1e-4)", "exact", "error"], rightAligned: [1, 2, 3])
        var tangentChart = Chart(title: "f(x) = 0.01x² + 0.1x and its tangents", x: Axis("x"), y: Axis("f(x)"))
        tangentChart.line(function: f, from: 0, to: 20, label: "f(x)")
        for x in [5.0, 10.0] {
            let d = try centralDifference(of: f, at: x, step: 1e-4)
            let exact = 0.02 * x + 0.1
            slopeTable.add([readable(x), format(d), readable(exact), short(abs(d - exact))])
            tangentChart.tangent(at: x, y: f(x), slope: d, label: "tangent at x = \(Int(x)) (slope \(readable(exact)))")
        }
        show(slopeTable.text)
        html.figure(tangentChart, caption: "The tangent lines at x = 5 and x = 10: their slopes are the derivatives.")
        say("The tiny error (about 1e-12) is rounding: the central difference of a quadratic has no truncation error.")

        // 2. Forward versus central
        heading("2. Forward versus central difference")
        let x0 = 5.0, h = 1e-4
        let forward = try forwardDifference(of: f, at: x0, step: h)
        let central = try centralDifference(of: f, at: x0, step: h)
        var fc = Table(["method", "formula", "value at x = 5", "error"], rightAligned: [2, 3])
        fc.add(["forward", "(f(x+h) − f(x)) / h", format(forward), short(abs(forward - 0.2))])
        fc.add(["central", "(f(x+h) − f(x−h)) / 2h", format(central), short(abs(central - 0.2))])
        show(fc.text)
        say("The forward difference is biased by h·f″(x)/2 = 1e-6; the central difference cancels that term, "
            + "leaving an error of order h².")

        // 3. The step size
        heading("3. Too small a step: rounding wins")
        let tiny = Float(1e-50)
        let fFloat = { (x: Float) in Float(0.01) * x * x + Float(0.1) * x }
        let naive = (fFloat(5 + tiny) - fFloat(5)) / tiny
        say("In Float, h = 1e-50 becomes \(tiny): the forward difference is (f(5) − f(5)) / 0 = \(naive). "
            + "In Double, 5 + 1e-50 == 5, so it is 0 — no slope at all.")
        do {
            _ = try forwardDifference(of: f, at: 5.0, step: 1e-50)
        } catch {
            say("Nabla refuses such a step: \(error)")
        }
        let g = { (x: Double) in Double.exp(x) }
        let steps = (1...16).map { Double.pow(10, -Double($0)) }
        var forwardErrors: [Double] = [], centralErrors: [Double] = []
        for s in steps {
            forwardErrors.append(abs((g(1 + s) - g(1)) / s - Double.exp(1)))
            centralErrors.append(abs((g(1 + s) - g(1 - s)) / (2 * s) - Double.exp(1)))
        }
        var errorTable = Table(["h", "forward error", "central error"], rightAligned: [0, 1, 2])
        for (k, s) in steps.enumerated() where k % 2 == 1 || k == 4 || k == 7 {
            errorTable.add([short(s), short(forwardErrors[k]), short(centralErrors[k])])
        }
        say("For exp at x = 1 the error first falls with h (truncation), then rises again (rounding, about ε/h):")
        show(errorTable.text)
        let bestForward = steps[forwardErrors.indices.min { forwardErrors[$0] < forwardErrors[$1] }!]
        let bestCentral = steps[centralErrors.indices.min { centralErrors[$0] < centralErrors[$1] }!]
        let adaptive = try numericalDerivative(of: g, at: 1.0)
        say("Best h: about \(short(bestForward)) for the forward difference (√ε), \(short(bestCentral)) for the central one (∛ε). "
            + "Nabla's adaptive method needs no h: \(format(adaptive.value)) with an error estimate of "
            + "\(short(adaptive.errorEstimate)) in \(adaptive.evaluations) evaluations (true error "
            + "\(short(abs(adaptive.value - Double.exp(1))))).")
        var errorChart = Chart(title: "Error of exp′(1) against the step h", x: Axis("h", scale: .logarithmic),
                               y: Axis("|error|", scale: .logarithmic))
        errorChart.line(x: steps, y: forwardErrors, label: "forward")
        errorChart.line(x: steps, y: centralErrors, label: "central", dash: .dashed)
        html.figure(errorChart, caption: "Truncation error falls with h, rounding error grows as h shrinks: the V shape.")

        // 4. Partial derivatives
        heading("4. Partial derivatives")
        let p = try Formula(parsing: "2*x + 3*x*y + y^3")
        let partials = p.gradient(variables: ["x", "y"])
        say("f(x, y) = 2x + 3xy + y³. Each partial derivative holds the other variable constant:")
        show("  ∂f/∂x = \(partials[0])\n  ∂f/∂y = \(partials[1])")
        let compiled = try p.compiled(variables: ["x", "y"])
        let numeric = try numericalGradient(of: { (v: [Double]) in compiled(v) }, at: [1.0, 2.0])
        let exact = gradient(of: { (v: [TapeVariable<Double>]) in 2 * v[0] + 3 * v[0] * v[1] + v[1] * v[1] * v[1] },
                             at: [1.0, 2.0])
        show("  at (1, 2): numerical (\(format(numeric.value[0])), \(format(numeric.value[1]))), "
             + "reverse mode (\(format(exact[0])), \(format(exact[1])))")

        // 5. Gradient descent
        heading("5. The gradient points uphill; gradient descent walks down")
        let bowl = { (v: [Double]) in v[0] * v[0] + v[1] * v[1] }
        var gradientTable = Table(["point", "gradient of x0² + x1²"], rightAligned: [])
        for point in [[3.0, 4.0], [0.0, 2.0], [3.0, 0.0]] {
            let gv = try numericalGradient(of: bowl, at: point).value
            gradientTable.add(["(\(readable(point[0])), \(readable(point[1])))", "(\(readable(gv[0])), \(readable(gv[1])))"])
        }
        show(gradientTable.text)
        // The same descent as `nabla descend` (Optimizer's SGD, exact gradients).
        let problem = try Problem(expression: "x0^2 + x1^2", at: "x0=-3,x1=4")
        func descend(rate: Double) throws -> Descent {
            try Descent.run(problem, kind: .sgd, learningRate: rate, steps: 100, gradient: .exact, keepsPath: true)
        }
        var descentTable = Table(["learning rate", "end point (100 steps from (−3, 4))", "f", "status"], rightAligned: [0, 2])
        for rate in [0.1, 10, 1e-10] {
            let run = try descend(rate: rate)
            descentTable.add([short(rate), "(\(short(run.end[0])), \(short(run.end[1])))", short(run.endValue),
                              run.status.brief])
        }
        show(descentTable.text)
        say("A learning rate of 0.1 reaches the minimum (0, 0); 10 overshoots further each step and diverges; "
            + "1e-10 barely moves.")
        var field = Chart(title: "−∇f for f = x0² + x1², and gradient descent (lr 0.1)", x: Axis("x0"), y: Axis("x1"))
        field.contour(x: -4...4, y: -4...4) { x, y in x * x + y * y }
        field.quiver(x: -4...4, y: -4...4, count: 13, label: "−∇f") { x, y in (-2 * x, -2 * y) }
        field.path(try descend(rate: 0.1).path.prefix(30).map { PlotPoint($0[0], $0[1]) }, label: "descent from (−3, 4)")
        html.figure(field, caption: "The negative gradient points to the minimum; each step follows it.", width: 600, height: 560)

        // 6. Backprop versus numerical
        heading("6. Backpropagation versus the numerical gradient")
        let digits = try DataSource.digits.load(as: Double.self, seed: 42)
        let net = Sequential<Double>.twoLayerNet(inputSize: 64, hiddenSize: 50, outputSize: 10, seed: 42)
        var batch = Tensor<Double>.zeros(shape: [0, 64])
        var labels: [Int] = []
        digits.train.gather(Array(0..<20)[...], features: &batch, labels: &labels)
        let clock = ContinuousClock()
        var backpropGradients: [Tensor<Double>] = []
        let backpropTime = try clock.measure {
            _ = try net.gradient(batch, labels: labels)
            backpropGradients = net.parameters.map(\.gradient)
        }
        var numericalGradients: [Tensor<Double>] = []
        let numericalTime = try clock.measure { numericalGradients = try net.numericalGradient(batch, labels: labels) }
        var largest = 0.0, total = 0.0, count = 0
        for (a, b) in zip(backpropGradients, numericalGradients) {
            for (u, v) in zip(a.scalars, b.scalars) {
                largest = max(largest, abs(u - v))
                total += abs(u - v)
                count += 1
            }
        }
        say("The book's TwoLayerNet 64-50-10 (sigmoid) on a batch of 20 digits, \(net.parameterCount) parameters, Double:")
        var speed = Table(["gradient", "time", "forward passes"], rightAligned: [1, 2])
        speed.add(["backprop", String(format: "%.3f ms", backpropTime.inSeconds * 1e3), "1 (+ 1 backward)"])
        speed.add(["numerical (central)", String(format: "%.1f ms", numericalTime.inSeconds * 1e3), String(2 * net.parameterCount)])
        show(speed.text)
        say("They agree: mean |difference| \(short(total / Double(max(count, 1)))), largest \(short(largest)); "
            + "backprop is \(String(format: "%.0f", numericalTime.inSeconds / max(backpropTime.inSeconds, 1e-9)))× faster, "
            + "and the gap grows with every parameter.")

        // 7. Training
        heading("7. Training on the digits")
        let split = try DataSource.digits.load(as: Float.self, seed: 42)
        let trainer = try Trainer<Float>(
            specification: NetworkSpecification(inputSize: 64, hiddenSizes: [100], outputSize: 10, seed: 42),
            optimizer: Optimizer(.adam(beta1: 0.9, beta2: 0.999), learningRate: 0.005), data: split,
            configuration: TrainingConfiguration(batchSize: 100, length: .epochs(30), seed: 42))
        try trainer.run { event in
            if case .evaluation(let m) = event, [1, 5, 10, 20, 30].contains(Int(m.epoch.rounded())) {
                write(String(format: "epoch %2.0f  loss %.4f  train %.2f%%  test %.2f%%",
                             m.epoch, m.trainLoss, m.trainAccuracy * 100, m.testAccuracy * 100))
            }
        }
        let last = trainer.history.last!
        say(String(format: "A 64-100-10 ReLU network trained by backpropagation with Adam reaches %.2f%% on %d held-out digits in %.1f s.",
                   last.testAccuracy * 100, split.test.count, last.seconds))
        if let report {
            let summary: [(String, String)] = [
                ("data", "digits: \(split.train.count) train / \(split.test.count) test"),
                ("network", "64-100-10 relu (\(trainer.network.parameterCount) parameters)"),
                ("optimiser", "adam, learning rate 0.005, batch 100, 30 epochs"),
                ("test accuracy", String(format: "%.2f%%", last.testAccuracy * 100)),
            ]
            try TrainingReport(trainer: trainer, summary: summary).add(to: &html)
            try createDirectory(report)
            let path = report + "/index.html"
            try writeFileAtomically(html.html(), to: path)
            write("")
            write("report written to \(path)")
        }
    }
}
