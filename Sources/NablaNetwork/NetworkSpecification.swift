import NablaTensor

/// What a multi-layer classifier looks like, enough to rebuild it: stored
/// in every checkpoint, so `nabla predict --model FILE` needs nothing else.
public struct NetworkSpecification: Equatable, Sendable, CustomStringConvertible {
    public var inputSize: Int
    public var hiddenSizes: [Int]
    public var outputSize: Int
    public var activation: UnaryOperation
    public var initializer: Initializer
    public var batchNormalization: Bool
    public var dropout: Double
    public var seed: UInt64

    public init(
        inputSize: Int, hiddenSizes: [Int], outputSize: Int, activation: UnaryOperation = .relu,
        initializer: Initializer? = nil, batchNormalization: Bool = false, dropout: Double = 0, seed: UInt64 = 42
    ) {
        self.inputSize = inputSize
        self.hiddenSizes = hiddenSizes
        self.outputSize = outputSize
        self.activation = activation
        self.initializer = initializer ?? .recommended(for: activation)
        self.batchNormalization = batchNormalization
        self.dropout = dropout
        self.seed = seed
    }

    /// Checks sizes and rates.
    public func validate() throws(NetworkError) {
        guard inputSize > 0, outputSize > 1, hiddenSizes.allSatisfy({ $0 > 0 }) else {
            throw .invalidConfiguration(
                "network \(description): every layer needs a positive size and at least 2 classes")
        }
        guard dropout >= 0, dropout < 1 else {
            throw .invalidConfiguration("dropout rate \(dropout) is outside [0, 1)")
        }
    }

    /// A freshly initialised network.
    public func makeNetwork<Scalar: TensorScalar>(_: Scalar.Type = Scalar.self) -> Sequential<Scalar> {
        Sequential<Scalar>.multiLayer(
            inputSize: inputSize, hiddenSizes: hiddenSizes, outputSize: outputSize, activation: activation,
            initializer: initializer, batchNormalization: batchNormalization, dropout: dropout, seed: seed)
    }

    /// `784-50-10 relu` style.
    public var description: String {
        var text = ([inputSize] + hiddenSizes + [outputSize]).map(String.init).joined(separator: "-")
        text += " \(activation.name)"
        if batchNormalization { text += " batchnorm" }
        if dropout > 0 { text += " dropout \(dropout)" }
        return text
    }

    /// The checkpoint metadata entries.
    var metadata: [String: String] {
        [
            "network.input": String(inputSize),
            "network.hidden": hiddenSizes.map(String.init).joined(separator: ","),
            "network.output": String(outputSize),
            "network.activation": activation.name,
            "network.initializer": initializer.description,
            "network.batchnorm": batchNormalization ? "true" : "false",
            "network.dropout": String(dropout),
            "network.seed": String(seed),
        ]
    }

    /// Reads the entries written by ``metadata``.
    init(metadata: [String: String], file: String) throws(NetworkError) {
        func value(_ key: String) throws(NetworkError) -> String {
            guard let v = metadata[key] else {
                throw .invalidConfiguration("\(file): not a Nabla checkpoint (no \"\(key)\" in its metadata)")
            }
            return v
        }
        let hiddenText = try value("network.hidden")
        let hidden = hiddenText.isEmpty ? [] : hiddenText.split(separator: ",").compactMap { Int($0) }
        guard let input = Int(try value("network.input")), let output = Int(try value("network.output")),
            let activation = UnaryOperation(named: try value("network.activation")),
            let initializer = Initializer(parsing: try value("network.initializer")),
            let dropout = Double(try value("network.dropout")), let seed = UInt64(try value("network.seed")),
            hidden.count == hiddenText.split(separator: ",").count
        else {
            throw .invalidConfiguration("\(file): the network description in its metadata is malformed")
        }
        self.init(
            inputSize: input, hiddenSizes: hidden, outputSize: output, activation: activation,
            initializer: initializer, batchNormalization: try value("network.batchnorm") == "true",
            dropout: dropout, seed: seed)
        try validate()
    }
}
