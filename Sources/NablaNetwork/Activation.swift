import NablaRules
import NablaTensor

/// An elementwise activation layer whose function and derivative both come
/// from the rule table (``UnaryOperation``): ReLU, Sigmoid, Tanh, or any
/// other unary rule.
///
/// Forward y = f(x); backward dx = dy · f'(x), with f' evaluated by the
/// table's `derivative(at:value:)` from the saved x and y (sigmoid'
/// = y(1 − y), tanh' = 1 − y², relu' = step(x) with relu'(0) = 0).
public final class Activation<Scalar: TensorScalar>: Layer {
    public var name: String
    /// The rule-table function.
    public let function: UnaryOperation
    public var parameters: [Parameter<Scalar>] { [] }
    private var input: Tensor<Scalar>?
    private var output: Tensor<Scalar>?

    public init(_ function: UnaryOperation, name: String? = nil) {
        self.function = function
        self.name = name ?? function.name
    }

    /// max(x, 0).
    public static func relu() -> Activation { Activation(.relu) }
    /// 1 / (1 + e^−x).
    public static func sigmoid() -> Activation { Activation(.sigmoid) }
    /// tanh x.
    public static func tanh() -> Activation { Activation(.tanh) }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func forward(_ input: Tensor<Scalar>, training: Bool) throws -> Tensor<Scalar> {
        let output = Self.map(function, input)
        self.input = input
        self.output = output
        return output
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    public func backward(_ outputGradient: Tensor<Scalar>) throws -> Tensor<Scalar> {
        guard let input, let output else { throw NetworkError.backwardBeforeForward(layer: name) }
        guard outputGradient.shape == output.shape else {
            throw NetworkError.gradientShape(layer: name, expected: output.shape, got: outputGradient.shape)
        }
        return Self.pullback(function, input, output, outputGradient)
    }

    // The loops below are written once against the rule table; the switch
    // hands each common function to the same loop as a constant, so the
    // compiler specialises the table's code for it (no per-element switch).

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func map(_ f: UnaryOperation, _ x: Tensor<Scalar>) -> Tensor<Scalar> {
        switch f {
        case .relu: return mapLoop(.relu, x)
        case .sigmoid: return x.map(.sigmoid)  // the vectorised kernel (Tensor.map)
        case .tanh: return mapLoop(.tanh, x)
        default: return mapLoop(f, x)
        }
    }

    @inline(__always)
    static func mapLoop(_ f: UnaryOperation, _ x: Tensor<Scalar>) -> Tensor<Scalar> {
        Tensor(shape: x.shape) { y in
            x.withUnsafeBufferPointer { x in
                for i in 0..<x.count { y[i] = f.value(x[i]) }
            }
        }
    }

    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func pullback(
        _ f: UnaryOperation, _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
    ) -> Tensor<Scalar> {
        switch f {
        case .relu: return pullbackLoop(.relu, x, y, dy)
        case .sigmoid: return pullbackLoop(.sigmoid, x, y, dy)
        case .tanh: return pullbackLoop(.tanh, x, y, dy)
        default: return pullbackLoop(f, x, y, dy)
        }
    }

    @inline(__always)
    static func pullbackLoop(
        _ f: UnaryOperation, _ x: Tensor<Scalar>, _ y: Tensor<Scalar>, _ dy: Tensor<Scalar>
    ) -> Tensor<Scalar> {
        Tensor(shape: x.shape) { dx in
            x.withUnsafeBufferPointer { x in
                y.withUnsafeBufferPointer { y in
                    dy.withUnsafeBufferPointer { dy in
                        for i in 0..<x.count { dx[i] = dy[i] * f.derivative(at: x[i], value: y[i]) }
                    }
                }
            }
        }
    }
}
