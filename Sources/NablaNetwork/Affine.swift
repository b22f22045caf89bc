import NablaTensor

/// The fully connected layer y = x·W + b (the book's `Affine`, PyTorch's
/// `Linear`): x is [batch, inputSize], W is [inputSize, outputSize], b is
/// [outputSize].
///
/// Backward: dW = xᵀ·dy, db = Σ_batch dy, dx = dy·Wᵀ. The products run on the
/// GEMM kernels with the transposition folded into packing.
public final class Affine<Scalar: TensorScalar>: Layer {
    public var name: String {
        didSet { weight.name = name + ".weight"; bias.name = name + ".bias" }
    }
    /// W, [inputSize, outputSize].
    public let weight: Parameter<Scalar>
    /// b, [outputSize].
    public let bias: Parameter<Scalar>
    public var parameters: [Parameter<Scalar>] { [weight, bias] }
    public var inputSize: Int { weight.value.shape[0] }
    public var outputSize: Int { weight.value.shape[1] }
    /// The last forward input, kept for backward.
    private var input: Tensor<Scalar>?

    /// A layer with weights drawn by `initializer` with `seed` and zero biases.
    public init(
        inputSize: Int, outputSize: Int, initializer: Initializer = .he, seed: UInt64, name: String = "affine"
    ) {
        precondition(inputSize > 0 && outputSize > 0, "Affine: sizes must be positive, got \(inputSize)×\(outputSize)")
        self.name = name
        weight = Parameter(
            name: name + ".weight",
            value: initializer.weights(inputSize: inputSize, outputSize: outputSize, seed: seed))
        bias = Parameter(name: name + ".bias", value: .zeros(shape: [outputSize]))
    }

    /// A layer with the given weight [inputSize, outputSize] and bias [outputSize].
    public init(weight: Tensor<Scalar>, bias: Tensor<Scalar>, name: String = "affine") throws {
        guard weight.rank == 2, bias.shape == [weight.shape.last ?? -1] else {
            throw ShapeError(
                operation: "Affine", shapes: [weight.shape, bias.shape],
                reason: "weight \(weight.shape) must be [in, out] and bias \(bias.shape) must be [out]")
        }
        self.name = name
        self.weight = Parameter(name: name + ".weight", value: weight)
        self.bias = Parameter(name: name + ".bias", value: bias)
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        guard input.rank == 2, input.shape[1] == inputSize else {
            throw NetworkError.inputShape(layer: name, expected: "[batch, \(inputSize)]", got: input.shape)
        }
        self.input = input
        let batch = input.shape[0], n = outputSize, k = inputSize
        return Tensor(shape: [batch, n]) { out in
            let c = out.baseAddress!
            bias.value.withUnsafeBufferPointer { b in
                for i in 0..<batch { (c + i * n).update(from: b.baseAddress!, count: n) }
            }
            input.withUnsafeBufferPointer { x in
                weight.value.withUnsafeBufferPointer { w in
                    Kernels.gemm(transposeA: false, transposeB: false, m: batch, n: n, k: k, alpha: 1,
                                 x.baseAddress!, w.baseAddress!, beta: 1, c)
                }
            }
        }
    }

    public func backward(_ outputGradient: Tensor<Scalar>) throws -> Tensor<Scalar> {
        try backward(outputGradient, inputGradient: true)!
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ outputGradient: Tensor<Scalar>, inputGradient: Bool) throws -> Tensor<Scalar>? {
        guard let input else { throw NetworkError.backwardBeforeForward(layer: name) }
        let batch = input.shape[0], n = outputSize
        guard outputGradient.shape == [batch, n] else {
            throw NetworkError.gradientShape(layer: name, expected: [batch, n], got: outputGradient.shape)
        }
        // The gradients are written into last step's buffers when they have
        // the right shape (no allocation: a fresh 784×50 Double buffer costs
        // page faults each step once glibc has trimmed its heap).
        let k = inputSize
        if weight.gradient.shape != weight.value.shape { weight.gradient = .zeros(shape: weight.value.shape) }
        input.withUnsafeBufferPointer { x in
            outputGradient.withUnsafeBufferPointer { dy in
                weight.gradient.withUnsafeMutableBufferPointer { dw in
                    Kernels.gemm(transposeA: true, transposeB: false, m: k, n: n, k: batch, alpha: 1,
                                 x.baseAddress!, dy.baseAddress!, beta: 0, dw.baseAddress!)
                }
            }
        }
        if bias.gradient.shape != bias.value.shape { bias.gradient = .zeros(shape: bias.value.shape) }
        bias.gradient.withUnsafeMutableBufferPointer { db in
            db.update(repeating: 0)
            outputGradient.withUnsafeBufferPointer { dy in
                for i in 0..<batch {
                    let row = dy.baseAddress! + i * n
                    for j in 0..<n { db[j] += row[j] }
                }
            }
        }
        // The input is not needed any more: letting it go keeps the caller's
        // batch buffer uniquely referenced, so it can be refilled in place.
        self.input = nil
        return inputGradient ? Kernels.product(outputGradient, weight.value, transposeB: true) : nil
    }
}
