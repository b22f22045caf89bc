import NablaTensor

/// A layer of a network: forward maps a batch, backward maps the gradient of
/// the loss with respect to the layer's output to the gradient with respect
/// to its input, filling its parameters' gradients on the way.
///
/// This is the book's layer interface ("Deep Learning from Scratch",
/// chapter 5): each layer keeps what its backward needs from the last
/// forward. The first axis of every input is the batch.
///
/// ```swift
/// let layer = Affine<Double>(inputSize: 3, outputSize: 2, initializer: .xavier, seed: 1)
/// let y = try layer.forward(x, training: true)      // [batch, 2]
/// let dx = try layer.backward(dy)                    // [batch, 3]; layer.weight.gradient filled
/// ```
public protocol Layer<Scalar>: AnyObject {
    associatedtype Scalar: TensorScalar
    /// A short name for reports (`affine1`, `relu1`).
    var name: String { get set }
    /// The trainable parameters, in a fixed order (empty for activations).
    var parameters: [Parameter<Scalar>] { get }
    /// Maps a batch. `training` selects training behaviour (dropout drops,
    /// batch normalisation uses batch statistics and updates its running ones).
    func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar>
    /// Given dLoss/doutput for the last forward batch, sets the parameters'
    /// gradients and returns dLoss/dinput.
    func backward(_ outputGradient: Tensor<Scalar>) throws -> Tensor<Scalar>
    /// Non-trainable state saved in checkpoints (batch normalisation's
    /// running mean and variance); empty by default.
    var buffers: [Parameter<Scalar>] { get }
    /// Like ``backward(_:)`` but may skip dLoss/dinput (returning nil) when
    /// `inputGradient` is false: a network's first layer needs only its
    /// parameters' gradients, and for an affine layer dx costs as much as dW.
    func backward(_ outputGradient: Tensor<Scalar>, inputGradient: Bool) throws -> Tensor<Scalar>?
}

extension Layer {
    public var buffers: [Parameter<Scalar>] { [] }

    public func backward(_ outputGradient: Tensor<Scalar>, inputGradient: Bool) throws -> Tensor<Scalar>? {
        try backward(outputGradient)
    }
}

/// Misuse of a network or bad values met while training.
public enum NetworkError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `backward` was called before any `forward` (or twice for one forward
    /// where the layer does not allow it).
    case backwardBeforeForward(layer: String)
    /// The gradient given to `backward` does not have the output's shape.
    case gradientShape(layer: String, expected: [Int], got: [Int])
    /// An input's shape does not fit the layer.
    case inputShape(layer: String, expected: String, got: [Int])
    /// Labels do not fit the batch or the number of classes.
    case labels(String)
    /// A loss or gradient became NaN or infinite.
    case nonFinite(String)
    /// A configuration value is out of range.
    case invalidConfiguration(String)

    public var description: String {
        switch self {
        case .backwardBeforeForward(let layer):
            return "\(layer): backward called before forward"
        case .gradientShape(let layer, let expected, let got):
            return "\(layer).backward: gradient of shape \(got) does not match the output shape \(expected)"
        case .inputShape(let layer, let expected, let got):
            return "\(layer).forward: input of shape \(got) does not fit: expected \(expected)"
        case .labels(let message): return message
        case .nonFinite(let message): return message
        case .invalidConfiguration(let message): return message
        }
    }
}
