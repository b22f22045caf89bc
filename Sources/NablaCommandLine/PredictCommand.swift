import ArgumentParser
import Foundation
import Nabla

/// `nabla predict`: a saved model's accuracy and confusion matrix.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Evaluate a saved model (a checkpoint from nabla train): accuracy and confusion matrix.",
        discussion: """
            The model file holds the network's description, so only the data is needed:
              nabla train --checkpoint digits.safetensors
              nabla predict --model digits.safetensors
            Use the same --seed as in training for digits and CSV data, so that the test split is the same.
            """)

    @Option(help: "The model (a safetensors checkpoint written by nabla train).")
    var model: String

    @Option(help: "The data: digits, mnist:DIR or csv:FILE.")
    var data = "digits"

    @Option(help: "Which split: test, train or all.")
    var split = "test"

    @Option(help: "The seed of the train/test split (digits, CSV).")
    var seed: UInt64 = 42

    @Flag(help: "Print one JSON document instead of text.")
    var json = false

    func run() throws { print(try output()) }

    func output() throws -> String {
        var lines: [String] = []
        func print(_ line: String = "") { lines.append(line) }
        let (specification, network) = try Trainer<Double>.loadModel(from: model)
        let loaded = try DataSource(parsing: data).load(as: Double.self, seed: seed)
        let dataset: Dataset<Double>
        switch split {
        case "test": dataset = loaded.test
        case "train": dataset = loaded.train
        case "all": dataset = try loaded.train
            .appending(loaded.test)
        default: throw CommandFailure("--split \(split): use test, train or all")
        }
        guard dataset.featureCount == specification.inputSize else {
            throw CommandFailure(
                "\(model) expects \(specification.inputSize) features but \(data) has \(dataset.featureCount)")
        }
        let classes = specification.outputSize
        guard dataset.classCount <= classes else {
            throw CommandFailure("\(data) has \(dataset.classCount) classes but \(model) predicts \(classes)")
        }
        let predicted = try network.classify(dataset.features)
        var confusion = Array(repeating: Array(repeating: 0, count: classes), count: classes)
        for (truth, guess) in zip(dataset.labels, predicted) { confusion[truth][guess] += 1 }
        let correct = (0..<classes).reduce(0) { $0 + confusion[$1][$1] }
        let accuracy = Double(correct) / Double(max(dataset.count, 1))
        if json {
            print(JSON.object([
                ("model", .string(model)), ("network", .string(specification.description)),
                ("data", .string(dataset.name)), ("split", .string(split)), ("samples", .integer(dataset.count)),
                ("accuracy", .number(accuracy)),
                ("confusion", .array(confusion.map { .array($0.map { .integer($0) }) })),
            ]).text)
            return lines.joined(separator: "\n")
        }
        print("model     \(model): \(specification)")
        print("data      \(dataset.name), \(split) split, \(dataset.count) samples")
        print(String(format: "accuracy  %.2f%% (%d of %d)\n", accuracy * 100, correct, dataset.count))
        print("confusion matrix (rows: true class, columns: predicted)")
        var table = Table(["true"] + (0..<classes).map(String.init), rightAligned: Set(0...classes))
        for (k, row) in confusion.enumerated() { table.add([String(k)] + row.map(String.init)) }
        print(table.text)
        return lines.joined(separator: "\n")
    }
}

extension Dataset {
    /// This dataset followed by another with the same features.
    func appending(_ other: Dataset) throws -> Dataset {
        let features = try Tensor.concatenating([self.features, other.features], alongAxis: 0)
        return try Dataset(name: name, features: features, labels: labels + other.labels,
                           classCount: max(classCount, other.classCount))
    }
}
