import NablaTensor

/// Dropout: in training, each activation is kept with probability 1 − rate
/// and scaled by 1/(1 − rate) ("inverted" dropout, so inference needs no
/// rescaling); at inference it is the identity.
///
/// Masks come from a generator seeded with `seed` and the number of
/// training forwards so far (``randomState``), so a resumed run draws the
/// same masks as an uninterrupted one.
public final class Dropout<Scalar: TensorScalar>: Layer, RandomizedLayer {
    public var name: String
    /// The probability of dropping an activation, in [0, 1).
    public let rate: Double
    public let seed: UInt64
    /// Training forwards so far; part of a checkpoint.
    public var randomState: UInt64 = 0
    public var parameters: [Parameter<Scalar>] { [] }
    private var mask: Tensor<Scalar>?

    public init(rate: Double, seed: UInt64, name: String = "dropout") {
        precondition(rate >= 0 && rate < 1, "Dropout: rate must be in [0, 1), got \(rate)")
        self.rate = rate
        self.seed = seed
        self.name = name
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        guard training, rate > 0 else {
            mask = nil
            return input
        }
        var generator = SeededGenerator(seed: seed ^ (randomState &* 0x9E37_79B9_7F4A_7C15))
        randomState &+= 1
        let keep = 1 - rate
        let scale = Scalar(1 / keep)
        let mask = Tensor<Scalar>(shape: input.shape) { m in
            for i in 0..<m.count { m[i] = Double(generator.next() >> 11) * 0x1p-53 < keep ? scale : 0 }
        }
        self.mask = mask
        return mask * input
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ outputGradient: Tensor<Scalar>) throws -> Tensor<Scalar> {
        guard let mask else { return outputGradient }
        guard mask.shape == outputGradient.shape else {
            throw NetworkError.gradientShape(layer: name, expected: mask.shape, got: outputGradient.shape)
        }
        return mask * outputGradient
    }
}

/// A layer that draws random numbers; its state is saved in checkpoints so
/// that a resumed run continues the same sequence.
public protocol RandomizedLayer: AnyObject {
    var randomState: UInt64 { get set }
}
