import Foundation
@testable import NablaPlot

/// The charts a teaching text about derivatives draws, built from made-up but
/// realistic data; the tests check them and, on request, write them out.
enum SampleCharts {
    static func tangent() -> Chart {
        let f = { (x: Double) in 0.01 * x * x + 0.1 * x }
        var chart = Chart(title: "f(x) = 0.01x² + 0.1x and its tangent at x = 5", x: Axis("x"), y: Axis("f(x)"))
        chart.line(function: f, from: 0, to: 20, label: "f(x)")
        chart.tangent(at: 5, y: f(5), slope: 0.02 * 5 + 0.1, label: "tangent, slope f′(5) = 0.2")
        chart.annotate("(5, 0.75)", at: PlotPoint(5, f(5)))
        return chart
    }

    /// Forward- and central-difference error of d/dx sin at x = 1 against h.
    static func errorCurve() -> Chart {
        let exact = cos(1.0)
        let steps = (0...60).map { pow(10, -16 + Double($0) * 0.25) }
        let forward = steps.map { h in abs((sin(1 + h) - sin(1)) / h - exact) }
        let central = steps.map { h in abs((sin(1 + h) - sin(1 - h)) / (2 * h) - exact) }
        var chart = Chart(title: "Error of finite differences for sin′(1)",
                          x: Axis("step size h", scale: .logarithmic), y: Axis("|error|", scale: .logarithmic))
        chart.line(x: steps, y: forward, label: "forward difference")
        chart.line(x: steps, y: central, label: "central difference", dash: .dashed)
        let best = zip(steps, forward).filter { $0.1 > 0 }.min { $0.1 < $1.1 }!
        chart.annotate("best h = " + PlotNumber.format(best.0, significantDigits: 1), at: PlotPoint(best.0, best.1))
        return chart
    }

    static func bowl(_ x: Double, _ y: Double) -> Double { x * x + y * y }

    static func descent(rate: Double, momentum: Double = 0, steps: Int = 25, start: PlotPoint = PlotPoint(-1.8, 1.6), scaleY: Double = 1) -> [PlotPoint] {
        var p = start
        var v = PlotPoint(0, 0)
        var points = [p]
        for _ in 0..<steps {
            let g = PlotPoint(2 * p.x, 2 * scaleY * p.y)
            v = PlotPoint(momentum * v.x - rate * g.x, momentum * v.y - rate * g.y)
            p = PlotPoint(p.x + v.x, p.y + v.y)
            points.append(p)
        }
        return points
    }

    static func gradientField(path: Bool = true) -> Chart {
        var chart = Chart(title: "x₀² + x₁²: contours and the negative gradient", x: Axis("x₀", range: -2...2), y: Axis("x₁", range: -2...2))
        chart.contour(x: -2...2, y: -2...2) { bowl($0, $1) }
        chart.quiver(x: -2...2, y: -2...2, count: 13, label: "−∇f") { x, y in (-2 * x, -2 * y) }
        if path { chart.path(descent(rate: 0.1), label: "gradient descent, η = 0.1") }
        return chart
    }

    static func optimizers() -> Figure {
        let elongated = { (x: Double, y: Double) in x * x + 10 * y * y }
        func panel(_ title: String, _ points: [PlotPoint]) -> Chart {
            var chart = Chart(title: title, x: Axis("x₀", range: -2...2), y: Axis("x₁", range: -2...2))
            chart.contour(x: -2...2, y: -2...2, resolution: 81, levels: .values([0.25, 1, 2.5, 5, 10, 20]), labelsLevels: false, function: elongated)
            chart.path(points)
            return chart
        }
        return Figure(title: "Four step rules on x₀² + 10·x₁²", columns: 2, charts: [
            panel("η = 0.02", descent(rate: 0.02, steps: 40, scaleY: 10)),
            panel("η = 0.09 (oscillates)", descent(rate: 0.09, steps: 30, scaleY: 10)),
            panel("momentum 0.8, η = 0.02", descent(rate: 0.02, momentum: 0.8, steps: 40, scaleY: 10)),
            panel("η = 0.11 (diverges)", descent(rate: 0.11, steps: 12, scaleY: 10)),
        ])
    }

    static func lossCurves() -> Figure {
        let epochs = (1...30).map(Double.init)
        let train = epochs.map { 2.3 * exp(-$0 / 4) + 0.05 + 0.01 * sin($0) }
        let validation = epochs.map { 2.3 * exp(-$0 / 4.5) + 0.09 + 0.004 * $0 }
        let accuracy = epochs.map { 0.97 - 0.87 * exp(-$0 / 3.5) }
        var loss = Chart(title: "Cross-entropy loss", x: Axis("epoch"), y: Axis("loss", scale: .logarithmic))
        loss.line(x: epochs, y: train, label: "training")
        loss.line(x: epochs, y: validation, label: "validation", dash: .dashed)
        var acc = Chart(title: "Validation accuracy", x: Axis("epoch"), y: Axis("accuracy", range: 0...1))
        acc.line(x: epochs, y: accuracy, label: "accuracy", color: .bluishGreen)
        acc.scatter(x: epochs, y: accuracy, color: .bluishGreen, radius: 2.5)
        return Figure(title: "", columns: 2, charts: [loss, acc])
    }

    static func confusion() -> Chart {
        var counts = [[Double]](repeating: [Double](repeating: 0, count: 10), count: 10)
        for r in 0..<10 {
            for c in 0..<10 {
                counts[r][c] = r == c ? Double(90 + (r * 7) % 11) : Double(((r * 3 + c * 5) % 7 == 0) ? (r + c) % 6 : 0)
            }
        }
        var chart = Chart(title: "Confusion matrix (digits, validation)", x: Axis("predicted"), y: Axis("true"))
        chart.heatmap(counts, rowLabels: (0..<10).map(String.init), columnLabels: (0..<10).map(String.init))
        return chart
    }

    /// Everything that can go wrong with data: NaN, ±∞, huge values, and
    /// values ≤ 0 on logarithmic axes.
    static func hostileData() -> [Chart] {
        let xs: [Double] = [1e-3, 0.01, .nan, 0.1, 1, .infinity, 10, -5, 0, 100, 1e300, 1e-300]
        let ys: [Double] = [1, .nan, 3, -1, 1e-20, 4, 0, 2, .infinity, -.infinity, 1e308, 5]
        var logLog = Chart(title: "log-log with bad points", x: Axis("h", scale: .logarithmic), y: Axis("e", scale: .logarithmic))
        logLog.line(x: xs, y: ys, label: "series")
        logLog.scatter(x: xs, y: ys)
        logLog.path(zip(xs, ys).map { PlotPoint($0, $1) })
        logLog.tangent(at: 1, y: 1, slope: 1e6)
        logLog.annotate("bad", at: PlotPoint(-1, .nan))
        var linear = Chart(title: "linear with bad points", x: Axis("x"), y: Axis("y", range: -1...1))
        linear.line(x: xs, y: ys.map { $0 * 1e10 })
        linear.segment(from: PlotPoint(-1e300, -1e300), to: PlotPoint(1e300, 1e300), label: "huge")
        linear.tangent(at: 0, y: 0, slope: .infinity)
        linear.quiver([Chart.Arrow(x: 0, y: 0, dx: .nan, dy: 1), Chart.Arrow(x: 1, y: 0, dx: 1e308, dy: 1e308), Chart.Arrow(x: 2, y: 0.5, dx: 1, dy: 0)])
        linear.contour(x: -1...1, y: -1...1, resolution: 11) { x, y in x == 0 ? .nan : 1 / x + y }
        var empty = Chart(title: "no data at all")
        empty.line(x: [.nan, .infinity], y: [1, 2], label: "nothing")
        var matrix = Chart(title: "matrix with holes")
        matrix.heatmap([[1, .nan], [.infinity, 0.5]], rowLabels: ["a"], columnLabels: ["x", "y", "z"])
        return [logLog, linear, empty, matrix, Chart()]
    }

    static func report() -> HTMLReport {
        var report = HTMLReport(title: "Derivatives for deep learning: a sample report <&>")
        report.section("A function and its tangent")
        report.paragraph("The tangent at x = 5 has slope f′(5) = 0.02·5 + 0.1 = 0.2 & it touches the graph there.")
        report.figure(tangent(), caption: "f and the tangent line at x = 5.")
        report.section("Step size")
        report.paragraph("Truncation error falls with h; rounding error grows as h shrinks. The best h sits where they meet.")
        report.figure(errorCurve(), caption: "Error against h, both axes logarithmic.")
        report.table(header: ["method", "best h", "error"], rows: [
            ["forward", "1e-8", "3.1e-9"], ["central", "6e-6", "2.2e-11"], ["complex step", "1e-20", "0"],
        ], caption: "Best step sizes")
        report.section("Gradient descent")
        report.figure(gradientField(), caption: "Contours, −∇f and a descent path.", width: 560, height: 520)
        report.figure(optimizers(), caption: "Four step rules.", width: 900, height: 760)
        report.section("Training")
        report.figure(lossCurves(), caption: "Loss and accuracy.", width: 900, height: 360)
        report.figure(confusion(), caption: "Confusion matrix.", width: 520, height: 500)
        report.preformatted("epoch  loss    accuracy\n    1  1.812   0.312\n   30  0.061   0.969\n<done>")
        return report
    }

    /// (file name, SVG) for every sample.
    static func all() -> [(String, String)] {
        var out: [(String, String)] = [
            ("tangent.svg", tangent().svg(width: 640, height: 420)),
            ("error-curve.svg", errorCurve().svg(width: 640, height: 420)),
            ("gradient-field.svg", gradientField().svg(width: 560, height: 520)),
            ("contours-only.svg", gradientField(path: false).svg(width: 480, height: 460)),
            ("optimizers.svg", optimizers().svg(width: 900, height: 760)),
            ("loss.svg", lossCurves().svg(width: 900, height: 360)),
            ("confusion.svg", confusion().svg(width: 520, height: 500)),
        ]
        for (i, chart) in hostileData().enumerated() {
            out.append(("hostile-\(i).svg", chart.svg(width: 480, height: 360)))
        }
        return out
    }
}
