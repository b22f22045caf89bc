import Foundation
import NablaData
import NablaTensor

/// How gradients are taken during training.
public enum GradientMethod: Equatable, Sendable, CustomStringConvertible {
    /// Backpropagation through the layers.
    case backprop
    /// Central differences with step h, one parameter scalar at a time (the
    /// book's chapter 4): correct but about 2·(parameter count) forward
    /// passes per iteration.
    case numerical(step: Double)

    public var description: String {
        switch self {
        case .backprop: return "backprop"
        case .numerical: return "numerical"
        }
    }
}

/// How long to train.
public enum TrainingLength: Equatable, Sendable {
    case epochs(Int)
    case iterations(Int)
}

/// The settings of a training run besides the network and the optimiser.
public struct TrainingConfiguration: Equatable, Sendable {
    public var batchSize: Int
    public var length: TrainingLength
    /// Seeds the order of the mini-batches (each epoch's permutation is drawn
    /// from the seed and the epoch number, so a resumed run sees the same batches).
    public var seed: UInt64
    public var gradient: GradientMethod
    /// Evaluate every this many iterations (nil: once per epoch, and at the end).
    public var evaluateEvery: Int?
    /// Where checkpoints go (nil: none).
    public var checkpointPath: String?
    /// Save a checkpoint every this many iterations (nil: at each evaluation).
    public var checkpointEvery: Int?

    public init(
        batchSize: Int = 100, length: TrainingLength = .epochs(10), seed: UInt64 = 42,
        gradient: GradientMethod = .backprop, evaluateEvery: Int? = nil,
        checkpointPath: String? = nil, checkpointEvery: Int? = nil
    ) {
        self.batchSize = batchSize
        self.length = length
        self.seed = seed
        self.gradient = gradient
        self.evaluateEvery = evaluateEvery
        self.checkpointPath = checkpointPath
        self.checkpointEvery = checkpointEvery
    }
}

/// Metrics at one evaluation.
public struct TrainingMetrics: Equatable, Sendable, Codable {
    /// Iterations done so far.
    public var iteration: Int
    /// iteration / iterations per epoch.
    public var epoch: Double
    /// The mean mini-batch loss since the previous evaluation.
    public var trainLoss: Double
    /// Accuracy on the whole training split (inference mode).
    public var trainAccuracy: Double
    public var testLoss: Double
    public var testAccuracy: Double
    /// The learning rate of the last update.
    public var learningRate: Double
    /// Training time so far, across resumed runs.
    public var seconds: Double
}

/// What happens during ``Trainer/run(stoppingAfter:events:)``, for progress displays.
public enum TrainingEvent {
    /// An iteration finished (index counts from 1).
    case iteration(index: Int, total: Int, loss: Double)
    /// Numerical gradients: `done` of `total` parameter scalars differentiated.
    case numericalGradientProgress(done: Int, total: Int)
    case evaluation(TrainingMetrics)
    case checkpoint(path: String, iteration: Int)
}

/// Trains a ``Sequential`` classifier on a ``DatasetSplit``: shuffled
/// mini-batches, gradient (backprop or numerical), optimiser update,
/// evaluation on both splits, checkpoints that a later run resumes from
/// exactly.
///
/// A NaN or infinite loss or gradient stops training with
/// ``NetworkError/nonFinite(_:)`` naming the iteration; the last checkpoint
/// on disk is the last good state.
public final class Trainer<Scalar: TensorScalar> {
    public let specification: NetworkSpecification
    public let network: Sequential<Scalar>
    public let optimizer: Optimizer<Scalar>
    public let data: DatasetSplit<Scalar>
    public let configuration: TrainingConfiguration
    /// Iterations done (also after a resume).
    public private(set) var iteration = 0
    /// One entry per evaluation so far (also those before a resume).
    public private(set) var history: [TrainingMetrics] = []
    /// The iteration of the last checkpoint written or resumed from.
    public private(set) var lastCheckpointIteration: Int?

    private var lossSum = 0.0
    private var lossCount = 0
    private var previousSeconds = 0.0
    private var permutationEpoch = -1
    private var permutation: [Int] = []

    public init(
        specification: NetworkSpecification, optimizer: Optimizer<Scalar>, data: DatasetSplit<Scalar>,
        configuration: TrainingConfiguration
    ) throws {
        try specification.validate()
        guard data.train.featureCount == specification.inputSize, data.test.featureCount == specification.inputSize else {
            throw NetworkError.invalidConfiguration(
                "the data has \(data.train.featureCount) features but the network expects \(specification.inputSize)")
        }
        let classes = max(data.train.classCount, data.test.classCount)
        guard classes <= specification.outputSize else {
            throw NetworkError.invalidConfiguration(
                "the data has \(classes) classes but the network has \(specification.outputSize) outputs")
        }
        guard configuration.batchSize > 0, data.train.count > 0 else {
            throw NetworkError.invalidConfiguration(
                "batch size \(configuration.batchSize) and \(data.train.count) training samples: both must be positive")
        }
        switch configuration.length {
        case .epochs(let n), .iterations(let n):
            guard n > 0 else { throw NetworkError.invalidConfiguration("train for at least one epoch or iteration, not \(n)") }
        }
        self.specification = specification
        self.network = specification.makeNetwork(Scalar.self)
        self.optimizer = optimizer
        self.data = data
        self.configuration = configuration
    }

    /// ⌈training samples / batch size⌉.
    public var iterationsPerEpoch: Int { (data.train.count + configuration.batchSize - 1) / configuration.batchSize }

    /// The iteration training stops at.
    public var totalIterations: Int {
        switch configuration.length {
        case .epochs(let n): return n * iterationsPerEpoch
        case .iterations(let n): return n
        }
    }

    /// The sample indices of iteration `i` (0-based): epoch ⌊i / perEpoch⌋'s
    /// permutation, drawn from the seed and the epoch alone.
    func batchIndices(iteration i: Int) -> ArraySlice<Int> {
        let perEpoch = iterationsPerEpoch
        let epoch = i / perEpoch
        if epoch != permutationEpoch {
            var generator = SeededGenerator(seed: configuration.seed ^ (UInt64(epoch + 1) &* 0xD1B5_4A32_D192_ED03))
            permutation = Array(0..<data.train.count)
            var k = permutation.count - 1
            while k > 0 {
                let j = Int(generator.next() % UInt64(k + 1))
                permutation.swapAt(k, j)
                k -= 1
            }
            permutationEpoch = epoch
        }
        let start = (i % perEpoch) * configuration.batchSize
        return permutation[start..<min(start + configuration.batchSize, permutation.count)]
    }

    /// Loss and accuracy on a dataset in inference mode; the loss is summed
    /// over chunks of 1,000 rows.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func evaluate(_ dataset: Dataset<Scalar>) throws -> (loss: Double, accuracy: Double) {
        guard dataset.count > 0 else { return (.nan, .nan) }
        // Inference runs over passes as large as memory allows: the whole
        // set when the activations fit in a budget (then the features go in
        // without a copy), else a multiple of 1,000 rows gathered into two
        // alternating buffers (the first layer keeps its last input, so
        // refilling the same buffer would copy it first). Rows do not
        // interact and the GEMM computes each element the same way whatever
        // the row count, so the logits equal those of 1,000-row chunks; the
        // loss is still summed per 1,000 rows, as before.
        let chunk = 1000
        let stride = MemoryLayout<Scalar>.stride
        let activationBytesPerRow = (4 * specification.hiddenSizes.reduce(0, +) + 3 * specification.outputSize) * stride
        let budget = max(64 << 20, dataset.count * dataset.featureCount * stride / 2)
        let passRows = max(chunk, budget / max(activationBytesPerRow, 1) / chunk * chunk)
        var lossSum = 0.0, correct = 0
        var buffers = [Tensor<Scalar>.zeros(shape: [0, dataset.featureCount]), .zeros(shape: [0, dataset.featureCount])]
        var passLabels: [Int] = []
        var chunkLabels: [Int] = []
        var pass = 0
        var start = 0
        while start < dataset.count {
            let end = min(start + passRows, dataset.count)
            let logits: Tensor<Scalar>
            if start == 0 && end == dataset.count {
                logits = try network.predict(dataset.features)
                passLabels = dataset.labels
            } else {
                dataset.gather((start..<end).map { $0 }[...], features: &buffers[pass % 2], labels: &passLabels)
                logits = try network.predict(buffers[pass % 2])
                pass += 1
            }
            let c = logits.shape[1]
            try logits.withUnsafeBufferPointer { a in
                var row = 0
                while row < end - start {
                    let rows = min(chunk, end - start - row)
                    let block = Tensor<Scalar>(shape: [rows, c]) { out in
                        out.baseAddress!.update(from: a.baseAddress! + row * c, count: rows * c)
                    }
                    chunkLabels.removeAll(keepingCapacity: true)
                    chunkLabels.append(contentsOf: passLabels[row..<(row + rows)])
                    lossSum += Double(try network.loss.forward(block, labels: chunkLabels)) * Double(rows)
                    for i in row..<(row + rows) {
                        var best = 0
                        for j in 1..<c where a[i * c + j] > a[i * c + best] { best = j }
                        if best == passLabels[i] { correct += 1 }
                    }
                    row += rows
                }
            }
            start = end
        }
        return (lossSum / Double(dataset.count), Double(correct) / Double(dataset.count))
    }

    /// Trains until ``totalIterations`` (or until `stoppingAfter` iterations
    /// in all, to simulate an interruption), reporting events.
    ///
    /// - Returns: the metrics of the last evaluation.
    @discardableResult
    public func run(
        stoppingAfter stop: Int? = nil, events: (TrainingEvent) throws -> Void = { _ in }
    ) throws -> TrainingMetrics? {
        let clock = ContinuousClock()
        let started = clock.now
        func seconds() -> Double {
            let d = clock.now - started
            return previousSeconds + Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
        let end = min(totalIterations, stop ?? .max)
        let evaluateEvery = configuration.evaluateEvery ?? iterationsPerEpoch
        var batch = Tensor<Scalar>.zeros(shape: [0, data.train.featureCount])
        var labels: [Int] = []
        while iteration < end {
            data.train.gather(batchIndices(iteration: iteration), features: &batch, labels: &labels)
            let loss: Scalar
            switch configuration.gradient {
            case .backprop:
                loss = try network.gradient(batch, labels: labels)
            case .numerical(let step):
                var failure: Error?
                let gradients = try network.numericalGradient(batch, labels: labels, step: Scalar(step)) { done, total in
                    do { try events(.numericalGradientProgress(done: done, total: total)) } catch {
                        failure = error
                        return false
                    }
                    return true
                }
                if let failure { throw failure }
                for (p, g) in zip(network.parameters, gradients) { p.gradient = g }
                loss = try network.loss(batch, labels: labels, training: true)
            }
            guard loss.isFinite else {
                let kept = lastCheckpointIteration.map { "; the last checkpoint (iteration \($0)) is kept" } ?? ""
                throw NetworkError.nonFinite("iteration \(iteration + 1): the loss is \(loss); training stopped\(kept)")
            }
            try optimizer.update(network.parameters)
            iteration += 1
            lossSum += Double(loss)
            lossCount += 1
            try events(.iteration(index: iteration, total: totalIterations, loss: Double(loss)))
            let evaluating = iteration % evaluateEvery == 0 || iteration == totalIterations
            if evaluating {
                let train = try evaluate(data.train)
                let test = try evaluate(data.test)
                let metrics = TrainingMetrics(
                    iteration: iteration, epoch: Double(iteration) / Double(iterationsPerEpoch),
                    trainLoss: lossCount > 0 ? lossSum / Double(lossCount) : .nan, trainAccuracy: train.accuracy,
                    testLoss: test.loss, testAccuracy: test.accuracy,
                    learningRate: optimizer.schedule.rate(base: optimizer.learningRate, iteration: iteration - 1),
                    seconds: seconds())
                history.append(metrics)
                lossSum = 0
                lossCount = 0
                try events(.evaluation(metrics))
            }
            if let path = configuration.checkpointPath {
                let due = configuration.checkpointEvery.map { iteration % $0 == 0 } ?? evaluating
                if due || iteration == end {
                    previousSecondsForCheckpoint = seconds()
                    try saveCheckpoint(to: path)
                    try events(.checkpoint(path: path, iteration: iteration))
                }
            }
        }
        previousSeconds = seconds()
        return history.last
    }

    private var previousSecondsForCheckpoint = 0.0

    // MARK: Checkpoints

    /// Everything needed to continue exactly: parameters, normalisation
    /// statistics, optimiser state, iteration, random states, history.
    public func checkpoint() -> SafeTensorsFile {
        var file = SafeTensorsFile()
        for p in network.parameters + network.buffers { file.set(p.name, p.value) }
        for p in network.parameters {
            for (slot, tensor) in (optimizer.state[p.name] ?? [:]).sorted(by: { $0.key < $1.key }) {
                file.set("optimizer.\(p.name).\(slot)", tensor)
            }
        }
        var metadata = specification.metadata
        metadata["format"] = "nabla-checkpoint"
        metadata["format.version"] = "1"
        metadata["dtype"] = Scalar.self == Float.self ? "F32" : "F64"
        metadata["training.iteration"] = String(iteration)
        metadata["training.batch"] = String(configuration.batchSize)
        metadata["training.seed"] = String(configuration.seed)
        metadata["training.loss_sum"] = String(lossSum)
        metadata["training.loss_count"] = String(lossCount)
        metadata["training.seconds"] = String(previousSecondsForCheckpoint)
        if let data = try? JSONEncoder().encode(history), let text = String(data: data, encoding: .utf8) {
            metadata["training.history"] = text
        }
        metadata["optimizer.kind"] = optimizer.kind.description
        metadata["optimizer.learning_rate"] = String(optimizer.learningRate)
        metadata["optimizer.iteration"] = String(optimizer.iteration)
        for layer in network.layers {
            if let randomized = layer as? any RandomizedLayer {
                metadata["random.\(layer.name)"] = String(randomized.randomState)
            }
        }
        file.metadata = metadata
        return file
    }

    /// Writes ``checkpoint()`` atomically (temporary file, then rename).
    public func saveCheckpoint(to path: String) throws {
        try checkpoint().write(to: path)
        lastCheckpointIteration = iteration
    }

    /// Continues from a checkpoint written by the same configuration: loads
    /// every tensor and counter, so the run ends with exactly the parameters
    /// an uninterrupted run would have.
    ///
    /// - Throws: ``NetworkError/invalidConfiguration(_:)`` when the file
    ///   describes another network, optimiser, batch size or seed;
    ///   ``DataError`` when it cannot be read.
    public func resume(from path: String) throws {
        let file = try SafeTensorsFile.read(from: path)
        let saved = try NetworkSpecification(metadata: file.metadata, file: path)
        guard saved == specification else {
            throw NetworkError.invalidConfiguration(
                "\(path) holds a \(saved) network, not the \(specification) this run trains")
        }
        let m = file.metadata
        func check(_ key: String, _ expected: String) throws {
            guard m[key] == expected else {
                throw NetworkError.invalidConfiguration(
                    "\(path): \(key) is \(m[key] ?? "missing") in the checkpoint but \(expected) in this run")
            }
        }
        try check("training.batch", String(configuration.batchSize))
        try check("training.seed", String(configuration.seed))
        try check("optimizer.kind", optimizer.kind.description)
        try Self.loadTensors(of: network, from: file, path: path)
        optimizer.state = [:]
        for p in network.parameters {
            for slot in optimizer.kind.slots where file.names.contains("optimizer.\(p.name).\(slot)") {
                optimizer.state[p.name, default: [:]][slot] = try file.tensor("optimizer.\(p.name).\(slot)", as: Scalar.self)
            }
        }
        guard let it = Int(m["training.iteration"] ?? ""), let opIt = Int(m["optimizer.iteration"] ?? ""),
            let sum = Double(m["training.loss_sum"] ?? ""), let count = Int(m["training.loss_count"] ?? "")
        else {
            throw NetworkError.invalidConfiguration("\(path): training counters missing from the metadata")
        }
        iteration = it
        optimizer.iteration = opIt
        lossSum = sum
        lossCount = count
        previousSeconds = Double(m["training.seconds"] ?? "") ?? 0
        previousSecondsForCheckpoint = previousSeconds
        if let text = m["training.history"], let data = text.data(using: .utf8) {
            history = (try? JSONDecoder().decode([TrainingMetrics].self, from: data)) ?? []
        }
        for layer in network.layers {
            if let randomized = layer as? any RandomizedLayer, let state = m["random.\(layer.name)"].flatMap(UInt64.init) {
                randomized.randomState = state
            }
        }
        lastCheckpointIteration = iteration
    }

    /// Sets every parameter and buffer of `network` from the tensors of the
    /// same names in `file`, checking their shapes.
    private static func loadTensors(of network: Sequential<Scalar>, from file: SafeTensorsFile, path: String) throws {
        for p in network.parameters + network.buffers {
            let t = try file.tensor(p.name, as: Scalar.self)
            guard t.shape == p.value.shape else {
                throw NetworkError.invalidConfiguration("\(path): \(p.name) has shape \(t.shape), expected \(p.value.shape)")
            }
            p.value = t
        }
    }

    /// Rebuilds the network stored in a checkpoint (for prediction).
    public static func loadModel(from path: String) throws -> (NetworkSpecification, Sequential<Scalar>) {
        let file = try SafeTensorsFile.read(from: path)
        let specification = try NetworkSpecification(metadata: file.metadata, file: path)
        let network = specification.makeNetwork(Scalar.self)
        try Self.loadTensors(of: network, from: file, path: path)
        return (specification, network)
    }
}
