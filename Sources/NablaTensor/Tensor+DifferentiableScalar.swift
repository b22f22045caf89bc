import NablaRules

/// A tensor is a scalar of the rule table elementwise: every function of
/// ``DifferentiableScalar`` applies to each element, and binary operations
/// broadcast. So an activation written once against the protocol runs on
/// tensors. Literals and `init(_: Double)` make rank-0 tensors.
///
/// Operators cannot throw: a shape mismatch stops the program with a
/// message naming the operation and both shapes; use the throwing methods
/// (``Tensor/adding(_:)``, ``Tensor/applying(_:_:)``) for user data.
extension Tensor: RuleTableScalar {
    /// A rank-0 tensor holding `value` rounded to `Scalar`.
    ///
    /// Disfavoured so that `Tensor<Double>(x)` picks `init(_ scalar: Scalar)`
    /// instead of being ambiguous; generic code reaches it through the
    /// protocol as before.
    @_disfavoredOverload @inlinable
    public init(_ value: Double) { self.init(Scalar(value)) }

    @inlinable
    public init(integerLiteral value: Int) { self.init(Scalar(value)) }

    @inlinable
    public init(floatLiteral value: Double) { self.init(Scalar(value)) }

    /// The rank-0 tensor 0 (it broadcasts, so `t + .zero == t`).
    @inlinable
    public static var zero: Tensor { Tensor(0 as Scalar) }

    /// The rank-0 tensor π.
    @inlinable
    public static var pi: Tensor { Tensor(Scalar.pi) }

    /// Same shape and equal elements (so NaN makes tensors unequal, and a
    /// rank-0 tensor is not equal to a tensor of shape `[1]`).
    @inlinable
    public static func == (lhs: Tensor, rhs: Tensor) -> Bool {
        lhs.shape == rhs.shape && lhs.storage.buffer.elementsEqual(rhs.storage.buffer)
    }

    @inlinable
    public static func applying(_ operation: UnaryOperation, to x: Tensor) -> Tensor {
        x.map(operation)
    }

    /// Precondition: the shapes broadcast; the failure message names the
    /// operation and both shapes.
    @inlinable
    public static func applying(_ operation: BinaryOperation, to x: Tensor, _ y: Tensor) -> Tensor {
        do {
            return try x.applying(operation, y)
        } catch {
            preconditionFailure("\(error)")
        }
    }
}
