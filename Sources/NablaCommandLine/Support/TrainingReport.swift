import Foundation
import Nabla

/// The pictures and tables of a finished training run: loss and accuracy
/// curves, the confusion matrix on the test split, the gradient check of the
/// trained network, the metrics of every evaluation.
struct TrainingReport {
    var specification: NetworkSpecification
    var dataName: String
    var summary: [(String, String)]
    var history: [TrainingMetrics]
    /// confusion[true][predicted] on the test split.
    var confusion: [[Int]]
    var gradientCheck: GradientCheckReport?
    var gradientCheckSamples: Int

    /// Builds the report from a trainer (after `run`).
    init<Scalar: TensorScalar>(trainer: Trainer<Scalar>, summary: [(String, String)], checkSamples: Int = 3) throws {
        specification = trainer.specification
        dataName = trainer.data.train.name
        self.summary = summary
        history = trainer.history
        let classes = specification.outputSize
        let test = trainer.data.test
        var confusion = Array(repeating: Array(repeating: 0, count: classes), count: classes)
        if test.count > 0 {
            let predicted = try trainer.network.classify(test.features)
            for (truth, guess) in zip(test.labels, predicted) { confusion[truth][guess] += 1 }
        }
        self.confusion = confusion
        // The gradient check runs on a Double copy of the trained network.
        let copy = specification.makeNetwork(Double.self)
        for (target, source) in zip(copy.parameters + copy.buffers, trainer.network.parameters + trainer.network.buffers) {
            target.value = try Tensor(shape: source.value.shape, scalars: source.value.scalars.map { Double($0) })
        }
        let n = min(checkSamples, trainer.data.train.count)
        gradientCheckSamples = n
        if n > 0 {
            let wide = trainer.data.train.converted(to: Double.self)
            var x = Tensor<Double>.zeros(shape: [0, wide.featureCount])
            var labels: [Int] = []
            wide.gather(Array(0..<n)[...], features: &x, labels: &labels)
            gradientCheck = try copy.gradientCheck(x, labels: labels)
        }
    }

    var lossChart: Chart {
        var chart = Chart(title: "Loss", x: Axis("epoch"), y: Axis("cross-entropy loss"))
        chart.line(x: history.map(\.epoch), y: history.map(\.trainLoss), label: "train (mean of the epoch's batches)")
        chart.line(x: history.map(\.epoch), y: history.map(\.testLoss), label: "test", dash: .dashed)
        return chart
    }

    var accuracyChart: Chart {
        var chart = Chart(title: "Accuracy", x: Axis("epoch"), y: Axis("accuracy (%)"))
        chart.line(x: history.map(\.epoch), y: history.map { $0.trainAccuracy * 100 }, label: "train")
        chart.line(x: history.map(\.epoch), y: history.map { $0.testAccuracy * 100 }, label: "test", dash: .dashed)
        return chart
    }

    var confusionChart: Chart {
        var chart = Chart(title: "Confusion matrix (test split)", x: Axis("predicted class"), y: Axis("true class"))
        let labels = (0..<confusion.count).map(String.init)
        chart.heatmap(confusion.map { $0.map(Double.init) }, rowLabels: labels, columnLabels: labels, significantDigits: 4)
        return chart
    }

    /// Adds the report's sections to an HTML report.
    func add(to report: inout HTMLReport) {
        report.table(header: ["", ""], rows: summary.map { [$0.0, $0.1] })
        report.figure(lossChart, caption: "Training loss (mean over each epoch's mini-batches) and test loss after each epoch.")
        report.figure(accuracyChart, caption: "Accuracy on the whole training split and on the test split after each epoch.")
        report.figure(confusionChart, caption: "Rows: the true class; columns: the predicted class. The diagonal holds the correct answers.",
                      width: 560, height: 520)
        if let check = gradientCheck {
            report.subsection("Gradient check")
            report.paragraph(
                "Backprop against central differences (h = \(check.step), Double) on the first \(gradientCheckSamples) "
                + "training samples, with the trained parameters. The book reports mean absolute differences of about "
                + "1e-10 to 1e-13.")
            report.table(
                header: ["parameter", "shape", "mean |diff|", "max |diff|", "relative error"],
                rows: check.rows.map { row in
                    [row.name, row.shape.map(String.init).joined(separator: "×"), short(row.meanAbsoluteDifference),
                     short(row.maxAbsoluteDifference), short(row.relativeError)]
                })
        }
        report.subsection("Every evaluation")
        report.table(
            header: ["epoch", "iteration", "train loss", "train accuracy", "test loss", "test accuracy", "seconds"],
            rows: history.map { m in
                [String(format: "%.2f", m.epoch), String(m.iteration), String(format: "%.4f", m.trainLoss),
                 String(format: "%.2f%%", m.trainAccuracy * 100), String(format: "%.4f", m.testLoss),
                 String(format: "%.2f%%", m.testAccuracy * 100), String(format: "%.2f", m.seconds)]
            })
    }

    /// Writes index.html and the three SVGs into `directory` (created if
    /// needed), each atomically. Returns the path of index.html.
    func write(to directory: String) throws -> String {
        try createDirectory(directory)
        var report = HTMLReport(title: "Training report: \(specification) on \(dataName)")
        add(to: &report)
        try writeFileAtomically(lossChart.svg(), to: directory + "/loss.svg")
        try writeFileAtomically(accuracyChart.svg(), to: directory + "/accuracy.svg")
        try writeFileAtomically(confusionChart.svg(width: 560, height: 520), to: directory + "/confusion.svg")
        let index = directory + "/index.html"
        try writeFileAtomically(report.html(), to: index)
        return index
    }
}

/// Creates a directory (and its parents) or explains why it cannot.
func createDirectory(_ path: String) throws {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
        guard isDirectory.boolValue else { throw CommandFailure("\(path) exists and is not a directory") }
        return
    }
    do {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    } catch {
        throw CommandFailure("cannot create the directory \(path): \(error.localizedDescription)")
    }
}
