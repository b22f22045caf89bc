import NablaTensor

/// A trainable tensor and the gradient of the loss with respect to it.
///
/// Layers own their parameters; optimisers and checkpoints reach them
/// through ``Layer/parameters``. It is a class because a layer, an optimiser
/// and a gradient check all refer to the same tensor.
///
/// `gradient` always has the shape of `value`. A layer's `backward`
/// *overwrites* it (as the book's layers do) rather than accumulating.
public final class Parameter<Scalar: TensorScalar> {
    /// A name unique within its network (`"affine1.weight"`), used in
    /// checkpoints and reports.
    public internal(set) var name: String
    /// The current value.
    public var value: Tensor<Scalar>
    /// dLoss/dvalue from the last backward pass (zeros before the first).
    public var gradient: Tensor<Scalar>

    /// A parameter with the given value and a zero gradient.
    public init(name: String, value: Tensor<Scalar>) {
        self.name = name
        self.value = value
        self.gradient = .zeros(shape: value.shape)
    }

    /// The number of scalars.
    public var count: Int { value.count }
}
