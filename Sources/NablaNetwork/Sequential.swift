import NablaTensor

/// Layers applied in order, followed by softmax cross-entropy: a classifier.
///
/// ```swift
/// let net = Sequential<Float>.twoLayerNet(inputSize: 784, hiddenSize: 50, outputSize: 10,
///                                         activation: .relu, initializer: .he, seed: 42)
/// let loss = try net.gradient(batch, labels: labels)   // forward + backward
/// try optimizer.update(net.parameters)
/// ```
public final class Sequential<Scalar: TensorScalar> {
    /// The layers, first to last; their outputs feed the loss as logits.
    public private(set) var layers: [any Layer<Scalar>]
    /// The loss on the last layer's output.
    public let loss = SoftmaxCrossEntropy<Scalar>()

    /// A network of these layers. Layer names are made unique: each keeps
    /// its kind's name with a running number (`affine1`, `relu1`, `affine2`).
    public init(_ layers: [any Layer<Scalar>]) {
        self.layers = layers
        var counts: [String: Int] = [:]
        for layer in layers {
            let base = String(layer.name.prefix { !$0.isNumber })
            counts[base, default: 0] += 1
            layer.name = base + String(counts[base]!)
        }
    }

    /// Every trainable parameter, layer by layer.
    public var parameters: [Parameter<Scalar>] { layers.flatMap { $0.parameters } }
    /// Non-trainable state (batch-normalisation statistics).
    public var buffers: [Parameter<Scalar>] { layers.flatMap { $0.buffers } }
    /// The number of trainable scalars.
    public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

    /// The logits for a batch.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func predict(_ input: Tensor<Scalar>, training: Bool = false) throws -> Tensor<Scalar> {
        var x = input
        for layer in layers { x = try layer.forward(x, training: training) }
        return x
    }

    /// The mean loss of a batch (no gradients).
    public func loss(_ input: Tensor<Scalar>, labels: [Int], training: Bool = false) throws -> Scalar {
        try loss.forward(try predict(input, training: training), labels: labels)
    }

    /// Forward and backward over a batch in training mode: fills every
    /// parameter's gradient and returns the loss.
    @discardableResult
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func gradient(_ input: Tensor<Scalar>, labels: [Int]) throws -> Scalar {
        let value = try loss.forward(try predict(input, training: true), labels: labels)
        var g = try loss.backward()
        for (k, layer) in layers.enumerated().reversed() {
            // The first layer's input gradient is never used.
            guard let next = try layer.backward(g, inputGradient: k > 0) else { break }
            g = next
        }
        return value
    }

    /// The predicted class of each row.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func classify(_ input: Tensor<Scalar>) throws -> [Int] {
        let logits = try predict(input)
        let c = logits.shape[1]
        return logits.withUnsafeBufferPointer { a in
            (0..<logits.shape[0]).map { i in
                var best = 0
                for j in 1..<c where a[i * c + j] > a[i * c + best] { best = j }
                return best
            }
        }
    }

    /// The fraction of rows classified correctly.
    public func accuracy(_ input: Tensor<Scalar>, labels: [Int]) throws -> Double {
        guard !labels.isEmpty else { return 0 }
        let predicted = try classify(input)
        return Double(zip(predicted, labels).filter { $0 == $1 }.count) / Double(labels.count)
    }

    /// The book's TwoLayerNet: Affine → activation → Affine (→ SoftmaxWithLoss).
    public static func twoLayerNet(
        inputSize: Int, hiddenSize: Int, outputSize: Int,
        activation: UnaryOperation = .sigmoid, initializer: Initializer = .book, seed: UInt64 = 42
    ) -> Sequential {
        multiLayer(
            inputSize: inputSize, hiddenSizes: [hiddenSize], outputSize: outputSize,
            activation: activation, initializer: initializer, seed: seed)
    }

    /// A multi-layer perceptron: for each hidden size, Affine →
    /// [BatchNormalization] → activation → [Dropout]; then a final Affine.
    /// Layer k's weights are drawn with seed `seed + k`.
    public static func multiLayer(
        inputSize: Int, hiddenSizes: [Int], outputSize: Int,
        activation: UnaryOperation = .relu, initializer: Initializer? = nil,
        batchNormalization: Bool = false, dropout: Double = 0, seed: UInt64 = 42
    ) -> Sequential {
        let initializer = initializer ?? .recommended(for: activation)
        var layers: [any Layer<Scalar>] = []
        var width = inputSize
        for (k, hidden) in hiddenSizes.enumerated() {
            layers.append(Affine(inputSize: width, outputSize: hidden, initializer: initializer,
                                 seed: seed &+ UInt64(k)))
            if batchNormalization { layers.append(BatchNormalization(featureCount: hidden)) }
            layers.append(Activation(activation))
            if dropout > 0 { layers.append(Dropout(rate: dropout, seed: seed &+ 1000 &+ UInt64(k))) }
            width = hidden
        }
        layers.append(Affine(inputSize: width, outputSize: outputSize, initializer: initializer,
                             seed: seed &+ UInt64(hiddenSizes.count)))
        return Sequential(layers)
    }

    /// One line per layer with its parameter shapes, for summaries.
    public var summary: String {
        layers.map { layer in
            let shapes = layer.parameters.map { "\($0.value.shape)" }.joined(separator: " ")
            return shapes.isEmpty ? layer.name : "\(layer.name) \(shapes)"
        }.joined(separator: "\n")
    }
}
