import ArgumentParser
import Foundation
import Nabla

/// Options shared by `train` and `gradcheck`: data and network shape.
struct NetworkOptions: ParsableArguments {
    @Option(help: "The data: digits (built in), mnist:DIR (IDX files, gzip or raw) or csv:FILE (label in the last column).")
    var data = "digits"

    @Option(help: "Hidden layer sizes, comma-separated (e.g. 50 or 100,50).")
    var hidden = "100"

    @Option(help: "Hidden activation: relu, sigmoid, tanh (any rule-table function works).")
    var activation = "relu"

    @Option(name: .customLong("init"), help: "Weight initialiser: he, xavier, book (0.01·N(0,1)) or normal:STD. Default: he for relu, xavier otherwise.")
    var initializer: String?

    @Flag(help: "Batch normalisation after each hidden affine layer.")
    var batchnorm = false

    @Option(help: "Dropout rate after each hidden activation (0 = none).")
    var dropout = 0.0

    @Option(help: "Seed for the weights, the train/test split and the batch order.")
    var seed: UInt64 = 42

    func source() throws -> DataSource { try DataSource(parsing: data) }

    func specification(inputSize: Int, classes: Int) throws -> NetworkSpecification {
        let sizes = hidden.isEmpty ? [] : hidden.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard sizes.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw CommandFailure("--hidden \(hidden): expected positive sizes separated by commas, e.g. 50 or 100,50")
        }
        guard let function = UnaryOperation(named: activation) else {
            throw CommandFailure("--activation \(activation): unknown; use relu, sigmoid or tanh")
        }
        var initial: Initializer?
        if let initializer {
            guard let parsed = Initializer(parsing: initializer) else {
                throw CommandFailure("--init \(initializer): unknown; use he, xavier, book or normal:STD")
            }
            initial = parsed
        }
        let specification = NetworkSpecification(
            inputSize: inputSize, hiddenSizes: sizes.compactMap { $0 }, outputSize: max(classes, 2),
            activation: function, initializer: initial, batchNormalization: batchnorm, dropout: dropout, seed: seed)
        try specification.validate()
        return specification
    }
}

/// `nabla train`: a classifier trained by backpropagation (or, slowly, by
/// numerical gradients), with progress, evaluation and checkpoints.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a neural network by backpropagation: built-in digits, MNIST or a CSV file.",
        discussion: """
            The default trains a 64-100-10 ReLU network with Adam on the built-in 8×8 digits \
            (1,797 samples, 20% held out) in a few seconds.
            The book's MNIST run (784-50-10, ReLU, SGD, batch 100, lr 0.1, 10,000 iterations):
              nabla train --data mnist:DIR --hidden 50 --optimizer sgd --lr 0.1 --iterations 10000
            With --gradient numerical every gradient is taken by central differences, two \
            forward passes per parameter: watch the ETA to see why nobody trains that way.
            --checkpoint FILE saves (atomically) at each evaluation; run again with --resume \
            to continue an interrupted run exactly where it stopped.
            """)

    @OptionGroup var network: NetworkOptions

    @Option(help: "Optimiser: \(OptimizerKind.names.joined(separator: ", ")).")
    var optimizer = "adam"

    @Option(help: "Learning rate (default: 0.1 for sgd/momentum/nesterov, 0.01 for adagrad, 0.001 for rmsprop, 0.005 for adam).")
    var lr: Double?

    @Option(help: "Learning-rate schedule: constant, step:EVERY:FACTOR (iterations) or cosine (to 1% at the end).")
    var schedule = "constant"

    @Option(help: "L2 weight decay on the weights.")
    var weightDecay = 0.0

    @Option(help: "Clip gradients to this global L2 norm.")
    var clipNorm: Double?

    @Option(help: "Mini-batch size.")
    var batch = 100

    @Option(help: "Epochs (passes over the training split). Default 30 unless --iterations is given.")
    var epochs: Int?

    @Option(help: "Iterations (mini-batches) instead of epochs.")
    var iterations: Int?

    @Option(help: "Evaluate every N iterations (default: every epoch).")
    var evaluateEvery: Int?

    @Option(help: "Gradients by backprop or numerical (central differences, Double).")
    var gradient = "backprop"

    @Option(help: "The step h of numerical gradients.")
    var step = 1e-4

    @Option(help: "Scalar type: float or double (numerical gradients use double unless float is asked for).")
    var precision: String?

    @Option(help: "Checkpoint file (safetensors), written atomically at each evaluation.")
    var checkpoint: String?

    @Option(help: "Write a checkpoint every N iterations instead.")
    var checkpointEvery: Int?

    @Flag(help: "Continue from --checkpoint.")
    var resume = false

    @Option(help: "Write an HTML report (loss and accuracy curves, confusion matrix, gradient check) into this directory.")
    var report: String?

    @Flag(help: "Print one JSON document (configuration, metrics per evaluation) instead of text.")
    var json = false

    func validate() throws {
        if epochs != nil && iterations != nil { throw ValidationError("give --epochs or --iterations, not both") }
        if resume && checkpoint == nil { throw ValidationError("--resume needs --checkpoint FILE") }
        if batch <= 0 { throw ValidationError("--batch must be positive") }
    }

    func run() throws {
        try execute(interactive: isatty(STDOUT_FILENO) != 0) { print($0); fflush(nil) }
    }

    /// The whole output, for tests (no progress bar).
    func output() throws -> String {
        final class Lines { var all: [String] = [] }
        let lines = Lines()
        try execute(interactive: false) { lines.all.append($0) }
        return lines.all.joined(separator: "\n")
    }

    func execute(interactive: Bool, write: @escaping (String) -> Void) throws {
        let numerical = gradient == "numerical"
        guard numerical || gradient == "backprop" else {
            throw CommandFailure("--gradient \(gradient): use backprop or numerical")
        }
        switch precision ?? (numerical ? "double" : "float") {
        case "float": try train(Float.self, interactive: interactive, write: write)
        case "double": try train(Double.self, interactive: interactive, write: write)
        case let other: throw CommandFailure("--precision \(other): use float or double")
        }
    }

    func makeOptimizer<Scalar: TensorScalar>(_: Scalar.Type, totalIterations: Int) throws -> Optimizer<Scalar> {
        guard let kind = OptimizerKind(parsing: optimizer) else {
            throw CommandFailure("--optimizer \(optimizer): unknown; use \(OptimizerKind.names.joined(separator: ", "))")
        }
        let plan: LearningRateSchedule
        let parts = schedule.split(separator: ":").map(String.init)
        switch parts.first {
        case "constant": plan = .constant
        case "cosine": plan = .cosine(total: totalIterations, minimum: parts.count > 1 ? Double(parts[1]) ?? 0.01 : 0.01)
        case "step":
            guard parts.count == 3, let every = Int(parts[1]), every > 0, let factor = Double(parts[2]) else {
                throw CommandFailure("--schedule \(schedule): write step:EVERY:FACTOR, e.g. step:1000:0.5")
            }
            plan = .step(every: every, factor: factor)
        default:
            throw CommandFailure("--schedule \(schedule): use constant, step:EVERY:FACTOR or cosine")
        }
        if let lr, !(lr > 0) { throw CommandFailure("--lr \(lr): the learning rate must be positive") }
        let rate = lr ?? (kind == .adam(beta1: 0.9, beta2: 0.999) ? 0.005 : kind.defaultLearningRate)
        return Optimizer(kind, learningRate: rate, schedule: plan, weightDecay: weightDecay, clipNorm: clipNorm)
    }

    func train<Scalar: TensorScalar>(_: Scalar.Type, interactive: Bool, write: @escaping (String) -> Void) throws {
        let split = try network.source().load(as: Scalar.self, seed: network.seed)
        let specification = try network.specification(
            inputSize: split.train.featureCount, classes: max(split.train.classCount, split.test.classCount))
        let length: TrainingLength = iterations.map { .iterations($0) } ?? .epochs(epochs ?? 30)
        let configuration = TrainingConfiguration(
            batchSize: batch, length: length, seed: network.seed,
            gradient: gradient == "numerical" ? .numerical(step: step) : .backprop,
            evaluateEvery: evaluateEvery, checkpointPath: checkpoint, checkpointEvery: checkpointEvery)
        let perEpoch = (split.train.count + batch - 1) / batch
        let total: Int = switch length {
        case .epochs(let n): n * perEpoch
        case .iterations(let n): n
        }
        let trainer = try Trainer(
            specification: specification, optimizer: try makeOptimizer(Scalar.self, totalIterations: total),
            data: split, configuration: configuration)
        if resume, let checkpoint {
            if FileManager.default.fileExists(atPath: checkpoint) {
                try trainer.resume(from: checkpoint)
            } else if !json {
                write("no checkpoint at \(checkpoint) yet: starting from the beginning")
            }
        }
        let progress = ProgressDisplay(enabled: !json, terminal: interactive, write: write)
        if !json {
            write("""
                data       \(split.train.name): \(split.train.count) train / \(split.test.count) test, \
                \(split.train.featureCount) features, \(specification.outputSize) classes
                network    \(specification) (\(trainer.network.parameterCount) parameters, \(Scalar.self))
                training   \(trainer.optimizer.kind) lr \(trainer.optimizer.learningRate), batch \(batch), \
                \(total) iterations (\(String(format: "%.4g", Double(total) / Double(perEpoch))) epochs), \
                \(configuration.gradient) gradients
                """)
            if trainer.iteration > 0 { write("resumed    at iteration \(trainer.iteration) from \(checkpoint ?? "")") }
        }
        let started = Date()
        var failure: Error?
        do {
            try trainer.run { event in
                switch event {
                case .iteration(let index, let total, let loss):
                    progress.iteration(index, of: total, loss: loss, elapsed: Date().timeIntervalSince(started),
                                       startedAt: trainer.history.isEmpty ? 0 : 0)
                case .numericalGradientProgress(let done, let count):
                    progress.numerical(done, of: count, iteration: trainer.iteration + 1, totalIterations: total,
                                       elapsed: Date().timeIntervalSince(started))
                case .evaluation(let m):
                    progress.line(String(
                        format: "epoch %6.2f  iteration %6d  loss %.4f  train %.2f%%  test %.2f%%  %.1f s",
                        m.epoch, m.iteration, m.trainLoss, m.trainAccuracy * 100, m.testAccuracy * 100, m.seconds))
                case .checkpoint:
                    break
                }
            }
        } catch {
            failure = error
        }
        progress.finish()
        var reportPath: String?
        if let report, failure == nil {
            let summary: [(String, String)] = [
                ("data", "\(split.train.name): \(split.train.count) train / \(split.test.count) test"),
                ("network", "\(specification) (\(trainer.network.parameterCount) parameters, \(Scalar.self))"),
                ("optimiser", "\(trainer.optimizer.kind), learning rate \(trainer.optimizer.learningRate), batch \(batch)"),
                ("iterations", "\(trainer.iteration) (\(String(format: "%.4g", Double(trainer.iteration) / Double(perEpoch))) epochs)"),
                ("gradients", configuration.gradient.description),
                ("test accuracy", trainer.history.last.map { String(format: "%.2f%%", $0.testAccuracy * 100) } ?? "-"),
                ("training time", trainer.history.last.map { String(format: "%.2f s", $0.seconds) } ?? "-"),
            ]
            reportPath = try TrainingReport(trainer: trainer, summary: summary).write(to: report)
        }
        if json {
            var document = jsonReport(trainer, specification: specification, failure: failure)
            if let reportPath, case .object(var fields) = document {
                fields.append(("report", .string(reportPath)))
                document = .object(fields)
            }
            write(document.text)
        } else if let last = trainer.history.last, failure == nil {
            write(String(format: "done       test accuracy %.2f%% after %d iterations in %.1f s",
                         last.testAccuracy * 100, trainer.iteration, last.seconds))
            if let checkpoint { write("checkpoint \(checkpoint)") }
            if let reportPath { write("report     \(reportPath)") }
        }
        if let failure { throw failure }
    }

    func jsonReport<Scalar>(_ trainer: Trainer<Scalar>, specification: NetworkSpecification, failure: Error?) -> JSON {
        let history = trainer.history.map { m in
            JSON.object([
                ("iteration", .integer(m.iteration)), ("epoch", .number(m.epoch)),
                ("trainLoss", .number(m.trainLoss)), ("trainAccuracy", .number(m.trainAccuracy)),
                ("testLoss", .number(m.testLoss)), ("testAccuracy", .number(m.testAccuracy)),
                ("learningRate", .number(m.learningRate)), ("seconds", .number(m.seconds)),
            ])
        }
        var fields: [(String, JSON)] = [
            ("data", .string(trainer.data.train.name)),
            ("network", .string(specification.description)),
            ("parameters", .integer(trainer.network.parameterCount)),
            ("precision", .string("\(Scalar.self)")),
            ("optimizer", .string(trainer.optimizer.kind.description)),
            ("learningRate", .number(trainer.optimizer.learningRate)),
            ("batch", .integer(trainer.configuration.batchSize)),
            ("gradient", .string(trainer.configuration.gradient.description)),
            ("iterations", .integer(trainer.iteration)),
            ("history", .array(history)),
        ]
        if let last = trainer.history.last {
            fields.append(("testAccuracy", .number(last.testAccuracy)))
            fields.append(("seconds", .number(last.seconds)))
        }
        if let failure { fields.append(("error", .string("\(failure)"))) }
        return .object(fields)
    }
}

/// A progress bar on a terminal; plain lines (evaluations only) otherwise.
final class ProgressDisplay {
    let enabled: Bool
    let terminal: Bool
    let write: (String) -> Void
    private var lastDraw = Date.distantPast
    private var drawn = false

    init(enabled: Bool, terminal: Bool, write: @escaping (String) -> Void) {
        self.enabled = enabled
        self.terminal = terminal
        self.write = write
    }

    private func draw(_ text: String) {
        guard enabled, terminal else { return }
        let now = Date()
        guard now.timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = now
        print("\r\u{1B}[K" + text, terminator: "")
        fflush(nil)
        drawn = true
    }

    func iteration(_ index: Int, of total: Int, loss: Double, elapsed: Double, startedAt: Int) {
        let fraction = Double(index) / Double(max(total, 1))
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        let eta = fraction > 0 ? elapsed / fraction - elapsed : 0
        draw("\(bar) \(index)/\(total)  loss \(String(format: "%.4f", loss))  ETA \(duration(eta))")
    }

    func numerical(_ done: Int, of count: Int, iteration: Int, totalIterations: Int, elapsed: Double) {
        // Numerical gradients: the ETA is what makes their cost obvious.
        let finished = Double(iteration - 1) + Double(done) / Double(max(count, 1))
        let perIteration = elapsed / max(finished, 1e-9)
        let remaining = perIteration * (Double(totalIterations) - finished)
        let text = "numerical gradient: iteration \(iteration)/\(totalIterations), parameter \(done)/\(count), "
            + "\(duration(perIteration)) per iteration, ETA \(duration(remaining))"
        if terminal {
            draw(text)
        } else if enabled, done == count {
            write(text)
        }
    }

    func line(_ text: String) {
        guard enabled else { return }
        if drawn { print("\r\u{1B}[K", terminator: "") }
        write(text)
        drawn = false
        lastDraw = .distantPast
    }

    func finish() {
        if enabled, drawn { print("\r\u{1B}[K", terminator: "") }
    }

    func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        if seconds < 3600 { return String(format: "%d min %02d s", Int(seconds) / 60, Int(seconds) % 60) }
        return String(format: "%d h %02d min", Int(seconds) / 3600, Int(seconds) % 3600 / 60)
    }
}
