import NablaTensor

/// How a layer's weights start. Biases always start at zero. Every draw is
/// seeded, so a network is reproducible from its seed.
public enum Initializer: Equatable, Sendable, CustomStringConvertible {
    /// N(0, σ²); the book's TwoLayerNet uses σ = 0.01 (``book``).
    case normal(standardDeviation: Double)
    /// Xavier/Glorot as in the book: N(0, 1/n) for n inputs, suited to
    /// sigmoid and tanh.
    case xavier
    /// He: N(0, 2/n) for n inputs, suited to ReLU.
    case he

    /// The book's `weight_init_std = 0.01`.
    public static let book = Initializer.normal(standardDeviation: 0.01)

    /// The recommended initializer for an activation: He for ReLU, Xavier
    /// otherwise.
    public static func recommended(for activation: UnaryOperation) -> Initializer {
        activation == .relu ? .he : .xavier
    }

    /// Parses `book`, `xavier`, `he` or `normal:0.05`.
    public init?(parsing text: String) {
        switch text.lowercased() {
        case "book": self = .book
        case "xavier", "glorot": self = .xavier
        case "he", "kaiming": self = .he
        default:
            let parts = text.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, parts[0].lowercased() == "normal", let s = Double(parts[1]), s >= 0 else {
                return nil
            }
            self = .normal(standardDeviation: s)
        }
    }

    /// The standard deviation for a layer with `inputSize` inputs.
    public func standardDeviation(inputSize: Int) -> Double {
        switch self {
        case .normal(let s): return s
        case .xavier: return (1 / Double(Swift.max(inputSize, 1))).squareRoot()
        case .he: return (2 / Double(Swift.max(inputSize, 1))).squareRoot()
        }
    }

    /// A weight matrix [inputSize, outputSize] drawn with `seed`.
    public func weights<Scalar: TensorScalar>(inputSize: Int, outputSize: Int, seed: UInt64) -> Tensor<Scalar> {
        Tensor<Scalar>.randomNormal(
            shape: [inputSize, outputSize], mean: 0,
            standardDeviation: Scalar(standardDeviation(inputSize: inputSize)), seed: seed)
    }

    public var description: String {
        switch self {
        case .normal(let s): return s == 0.01 ? "book" : "normal:\(s)"
        case .xavier: return "xavier"
        case .he: return "he"
        }
    }
}
