import Foundation
import NablaData
import NablaTensor
import Testing

@testable import NablaNetwork

/// Three Gaussian blobs in `dimensions` dimensions, well separated.
func blobs<Scalar: TensorScalar>(_: Scalar.Type, count: Int, dimensions: Int = 4, seed: UInt64) throws -> Dataset<Scalar> {
    let centers = Tensor<Double>.randomNormal(shape: [3, dimensions], standardDeviation: 6, seed: 1)
    let noise = Tensor<Double>.randomNormal(shape: [count, dimensions], seed: seed)
    let labels = (0..<count).map { $0 % 3 }
    var values: [Scalar] = []
    for i in 0..<count {
        for j in 0..<dimensions { values.append(Scalar(centers[labels[i], j] + noise[i, j])) }
    }
    return try Dataset(name: "blobs", features: Tensor(shape: [count, dimensions], scalars: values), labels: labels)
}

func blobSplit<Scalar: TensorScalar>(_: Scalar.Type) throws -> DatasetSplit<Scalar> {
    DatasetSplit(train: try blobs(Scalar.self, count: 300, seed: 2), test: try blobs(Scalar.self, count: 90, seed: 3))
}

func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("nabla-\(UUID().uuidString)-\(name)").path
}

@Suite("Networks")
struct NetworkTests {
    @Test("Gradient check: backprop agrees with central differences on whole networks")
    func gradientCheck() throws {
        let x = Tensor<Double>.randomUniform(shape: [6, 8], seed: 5)
        let labels = [0, 2, 1, 1, 0, 2]
        let networks: [(String, Sequential<Double>)] = [
            ("two-layer sigmoid", .twoLayerNet(inputSize: 8, hiddenSize: 5, outputSize: 3, initializer: .xavier, seed: 1)),
            ("relu", .multiLayer(inputSize: 8, hiddenSizes: [6, 4], outputSize: 3, activation: .relu, seed: 2)),
            ("tanh + batchnorm + dropout",
             .multiLayer(inputSize: 8, hiddenSizes: [6], outputSize: 3, activation: .tanh,
                         batchNormalization: true, dropout: 0.3, seed: 3)),
        ]
        for (name, network) in networks {
            let report = try network.gradientCheck(x, labels: labels)
            #expect(report.rows.count == network.parameters.count)
            for row in report.rows {
                #expect(row.meanAbsoluteDifference < (name.contains("batchnorm") ? 1e-8 : 1e-9), "\(name) \(row.name): \(row.meanAbsoluteDifference)")
                // A bias followed by batch normalisation has a zero gradient:
                // only the absolute difference means anything there.
                #expect(row.relativeError < 1e-7 || row.maxAbsoluteDifference < 1e-10,
                        "\(name) \(row.name): \(row.relativeError)")
            }
            #expect(report.passes(), "\(name)")
        }
    }

    /// A sigmoid whose backward forgets the factor (1 − y).
    final class WrongSigmoid: Layer {
        var name = "wrong"
        var parameters: [Parameter<Double>] { [] }
        var output: Tensor<Double>?
        func forward(_ input: Tensor<Double>, training: Bool) throws -> Tensor<Double> {
            let y = Tensor.applying(.sigmoid, to: input)
            output = y
            return y
        }
        func backward(_ outputGradient: Tensor<Double>) throws -> Tensor<Double> {
            outputGradient * output!
        }
    }

    @Test("Gradient check catches a wrong backward")
    func gradientCheckCatchesBugs() throws {
        let network = Sequential<Double>([
            Affine(inputSize: 4, outputSize: 5, initializer: .xavier, seed: 1), WrongSigmoid(),
            Affine(inputSize: 5, outputSize: 2, initializer: .xavier, seed: 2),
        ])
        let report = try network.gradientCheck(.randomUniform(shape: [2, 4], seed: 3), labels: [0, 1])
        #expect(!report.passes())
        #expect(report.rows[0].relativeError > 0.1)  // the first layer's gradient goes through the bug
        #expect(report.rows[3].relativeError < 1e-7)  // the last layer's does not
    }

    @Test("Backprop through the layers equals tensor autograd (Variable) on the book's TwoLayerNet")
    func layersAgreeWithAutograd() throws {
        let network = Sequential<Double>.twoLayerNet(inputSize: 20, hiddenSize: 7, outputSize: 4, seed: 9)
        let x = Tensor<Double>.randomUniform(shape: [5, 20], seed: 1)
        let labels = [3, 0, 1, 2, 1]
        let loss = try network.gradient(x, labels: labels)
        let ps = network.parameters.map { Variable($0.value, requiresGrad: true) }
        let hidden = (try Variable(x).matmul(ps[0]) + ps[1]).applying(.sigmoid)
        let autogradLoss = try Variable.crossEntropy(logits: try hidden.matmul(ps[2]) + ps[3], labels: labels)
        try autogradLoss.backward()
        #expect(abs(autogradLoss.value.scalar - loss) < 1e-14)
        for (p, v) in zip(network.parameters, ps) {
            let g = try #require(v.grad)
            for (a, b) in zip(p.gradient.scalars, g.scalars) { #expect(abs(a - b) < 1e-14) }
        }
    }

    @Test("Float and Double networks compute the same loss and gradients to Float precision")
    func floatMatchesDouble() throws {
        let d = Sequential<Double>.multiLayer(inputSize: 6, hiddenSizes: [5], outputSize: 3, seed: 4)
        let f = Sequential<Float>.multiLayer(inputSize: 6, hiddenSizes: [5], outputSize: 3, seed: 4)
        for (pf, pd) in zip(f.parameters, d.parameters) {
            pf.value = try Tensor(shape: pd.value.shape, scalars: pd.value.scalars.map { Float($0) })
        }
        let x = Tensor<Double>.randomUniform(shape: [4, 6], seed: 8)
        let xf = try Tensor<Float>(shape: x.shape, scalars: x.scalars.map { Float($0) })
        let ld = try d.gradient(x, labels: [0, 1, 2, 0])
        let lf = try f.gradient(xf, labels: [0, 1, 2, 0])
        #expect(abs(Double(lf) - ld) < 1e-6)
        for (pf, pd) in zip(f.parameters, d.parameters) {
            for (a, b) in zip(pf.gradient.scalars, pd.gradient.scalars) { #expect(abs(Double(a) - b) < 1e-6) }
        }
    }

    @Test("Training separates three blobs (Float, Adam) and records a history", arguments: ["sgd", "momentum", "adam"])
    func training(optimizerName: String) throws {
        let kind = try #require(OptimizerKind(parsing: optimizerName))
        let trainer = try Trainer<Float>(
            specification: NetworkSpecification(inputSize: 4, hiddenSizes: [16], outputSize: 3, seed: 1),
            optimizer: Optimizer(kind, learningRate: kind == .sgd || kind == .momentum(0.9) ? 0.1 : 0.01), data: try blobSplit(Float.self),
            configuration: TrainingConfiguration(batchSize: 30, length: .epochs(15)))
        var iterations = 0
        let final = try #require(try trainer.run { event in
            if case .iteration = event { iterations += 1 }
        })
        #expect(iterations == 150)
        #expect(trainer.history.count == 15)
        #expect(final.testAccuracy >= 0.95, "\(optimizerName): \(final)")
        #expect(trainer.history.last!.trainLoss < trainer.history.first!.trainLoss)
    }

    @Test("An interrupted run resumed from its checkpoint ends with exactly the uninterrupted parameters")
    func resume() throws {
        let specification = NetworkSpecification(
            inputSize: 4, hiddenSizes: [8], outputSize: 3, batchNormalization: true, dropout: 0.2, seed: 5)
        let data = try blobSplit(Double.self)
        func makeTrainer(_ path: String?) throws -> Trainer<Double> {
            try Trainer(
                specification: specification,
                optimizer: Optimizer(.adam(beta1: 0.9, beta2: 0.999), learningRate: 0.01, schedule: .cosine(total: 40, minimum: 0.1)),
                data: data,
                configuration: TrainingConfiguration(batchSize: 32, length: .iterations(40), seed: 7, checkpointPath: path))
        }
        let uninterrupted = try makeTrainer(nil)
        try uninterrupted.run()

        let path = temporaryPath("resume.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let first = try makeTrainer(path)
        try first.run(stoppingAfter: 17)  // mid-epoch (10 iterations per epoch)
        #expect(first.iteration == 17)
        let second = try makeTrainer(path)
        try second.resume(from: path)
        #expect(second.iteration == 17)
        try second.run()
        #expect(second.iteration == 40)
        for (a, b) in zip(second.network.parameters + second.network.buffers,
                          uninterrupted.network.parameters + uninterrupted.network.buffers) {
            #expect(a.value.scalars == b.value.scalars, "\(a.name)")
        }
        #expect(second.history.map(\.testLoss) == uninterrupted.history.map(\.testLoss))
        #expect(second.history.map(\.trainLoss) == uninterrupted.history.map(\.trainLoss))

        // A checkpoint of another network is refused with both descriptions.
        let other = try Trainer<Double>(
            specification: NetworkSpecification(inputSize: 4, hiddenSizes: [9], outputSize: 3),
            optimizer: Optimizer(.adam(beta1: 0.9, beta2: 0.999)), data: data, configuration: TrainingConfiguration())
        do {
            try other.resume(from: path)
            Issue.record("resumed a different network")
        } catch let error as NetworkError {
            #expect(error.description.contains("4-8-3 relu batchnorm dropout 0.2"))
            #expect(error.description.contains("4-9-3 relu"))
        }
    }

    @Test("A saved model predicts as the trained network did")
    func loadModel() throws {
        let path = temporaryPath("model.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let trainer = try Trainer<Float>(
            specification: NetworkSpecification(inputSize: 4, hiddenSizes: [6], outputSize: 3, activation: .sigmoid),
            optimizer: Optimizer(.sgd), data: try blobSplit(Float.self),
            configuration: TrainingConfiguration(batchSize: 50, length: .epochs(2), checkpointPath: path))
        try trainer.run()
        let (specification, network) = try Trainer<Float>.loadModel(from: path)
        #expect(specification == trainer.specification)
        let x = trainer.data.test.features
        #expect(try network.predict(x).scalars == trainer.network.predict(x).scalars)
        // Loaded as Double from a Float file: same predictions to Float precision.
        let (_, wide) = try Trainer<Double>.loadModel(from: path)
        let xd = try Tensor<Double>(shape: x.shape, scalars: x.scalars.map { Double($0) })
        for (a, b) in zip(try wide.predict(xd).scalars, try network.predict(x).scalars) { #expect(abs(a - Double(b)) < 1e-5) }
    }

    @Test("A diverging run stops at the first non-finite loss and keeps the last good checkpoint")
    func divergence() throws {
        let path = temporaryPath("diverge.safetensors")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let trainer = try Trainer<Float>(
            specification: NetworkSpecification(inputSize: 4, hiddenSizes: [8], outputSize: 3, seed: 2),
            optimizer: Optimizer(.sgd, learningRate: 1e30), data: try blobSplit(Float.self),
            configuration: TrainingConfiguration(batchSize: 30, length: .epochs(5), checkpointPath: path, checkpointEvery: 1))
        do {
            try trainer.run()
            Issue.record("no error")
        } catch let error as NetworkError {
            guard case .nonFinite(let message) = error else { throw error }
            #expect(message.contains("iteration \(trainer.iteration + 1)"), "\(message)")
            #expect(message.contains("last checkpoint (iteration \(trainer.iteration))"), "\(message)")
        }
        let saved = try SafeTensorsFile.read(from: path)
        #expect(saved.metadata["training.iteration"] == String(trainer.iteration))
        let weights = try saved.tensor("affine1.weight", as: Float.self)
        let finite = weights.scalars.allSatisfy { $0.isFinite }
        #expect(finite)
    }

    @Test("Numerical-gradient training takes the same steps as backprop (Double, to 1e-7)")
    func numericalTraining() throws {
        func run(_ method: GradientMethod) throws -> [Double] {
            let trainer = try Trainer<Double>(
                specification: NetworkSpecification(inputSize: 4, hiddenSizes: [3], outputSize: 3, activation: .tanh, seed: 3),
                optimizer: Optimizer(.sgd, learningRate: 0.5), data: try blobSplit(Double.self),
                configuration: TrainingConfiguration(batchSize: 20, length: .iterations(3), gradient: method))
            var progress = 0
            try trainer.run { event in
                if case .numericalGradientProgress = event { progress += 1 }
            }
            if case .numerical = method { #expect(progress == 3 * trainer.network.parameterCount) }
            return trainer.network.parameters.flatMap(\.value.scalars)
        }
        let backprop = try run(.backprop)
        let numerical = try run(.numerical(step: 1e-5))
        for (a, b) in zip(backprop, numerical) { #expect(abs(a - b) < 1e-7) }
    }

    @Test("Bad configurations are refused with the reason")
    func configurationErrors() throws {
        let data = try blobSplit(Float.self)
        #expect(throws: NetworkError.self) {
            try Trainer<Float>(specification: NetworkSpecification(inputSize: 5, hiddenSizes: [4], outputSize: 3),
                               optimizer: Optimizer(.sgd), data: data, configuration: TrainingConfiguration())
        }
        #expect(throws: NetworkError.self) {
            try Trainer<Float>(specification: NetworkSpecification(inputSize: 4, hiddenSizes: [4], outputSize: 2),
                               optimizer: Optimizer(.sgd), data: data, configuration: TrainingConfiguration())
        }
        #expect(throws: NetworkError.self) {
            try Trainer<Float>(specification: NetworkSpecification(inputSize: 4, hiddenSizes: [4], outputSize: 3),
                               optimizer: Optimizer(.sgd), data: data, configuration: TrainingConfiguration(batchSize: 0))
        }
    }
}
