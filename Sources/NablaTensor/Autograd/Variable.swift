import NablaRules

/// A tensor that records the operations applied to it, so that
/// ``backward(retainingGraph:)`` from a scalar result fills the gradient of
/// every variable that requires one (reverse-mode differentiation, as in
/// PyTorch's autograd).
///
/// ```swift
/// let w = Variable(Tensor<Double>.randomNormal(shape: [3, 2], seed: 1), requiresGrad: true)
/// let x = Variable(try Tensor<Double>([[1, 2, 3]]))
/// let loss = try x.matmul(w).applying(.sigmoid).sum()
/// try loss.backward()
/// w.grad   // ∂loss/∂w, shape [3, 2]
/// ```
///
/// `Variable` is a class so that ``grad`` behaves as in PyTorch: every
/// reference to a parameter sees the gradient that `backward` accumulated.
///
/// - An operation records history only if one of its inputs requires a
///   gradient and recording is on (see ``withoutGradients(_:)``); otherwise
///   its result is a constant. There is no global tape: each result holds
///   its parents and a closure that maps its gradient to theirs, so a graph
///   lives exactly as long as the variables that reach it.
/// - Gradients accumulate over `backward` calls; ``zeroGrad()`` clears one.
/// - Every variable that requires a gradient and is reached by `backward`
///   gets one, intermediate results included (PyTorch keeps only leaves').
/// - Elementwise operations take their derivatives from the rule table
///   (``UnaryOperation``, ``BinaryOperation``); no formula is repeated here.
///
/// `Variable` is not `Sendable`: a graph belongs to one task.
public final class Variable<Scalar: TensorScalar> {
    /// The tensor this variable holds. Assigning a new one (an optimiser's
    /// update, inside ``withoutGradients(_:)``) does not change results
    /// already computed from it, nor their gradients: each operation kept
    /// the tensors it needs.
    public var value: Tensor<Scalar>

    /// The gradient of the losses that ``backward(retainingGraph:)`` was
    /// called on with respect to ``value``, summed over the calls since the
    /// last ``zeroGrad()``; nil before any. It has ``value``'s shape.
    public var grad: Tensor<Scalar>?

    /// Whether `backward` computes a gradient for this variable. True for
    /// a leaf created with `requiresGrad: true` and for every result that
    /// recorded history.
    public let requiresGrad: Bool

    /// The inputs this variable was computed from (empty for a leaf, a
    /// constant, or once the graph is released).
    @usableFromInline var parents: [Variable]

    /// Maps this variable's gradient to one gradient per parent (nil where
    /// a parent needs none), each of that parent's shape. It captures
    /// tensors, never variables, so the graph has no cycles.
    @usableFromInline var pullback: ((Tensor<Scalar>) -> [Tensor<Scalar>?])?

    /// Set when `backward` has dropped this result's parents and pullback.
    @usableFromInline var isReleased = false

    /// A leaf variable holding `value`. With `requiresGrad`, `backward`
    /// fills its ``grad``; without, it is a constant.
    @inlinable
    public init(_ value: Tensor<Scalar>, requiresGrad: Bool = false) {
        self.value = value
        self.requiresGrad = requiresGrad
        self.parents = []
        self.pullback = nil
    }

    /// A result of an operation with history.
    @inlinable
    init(value: Tensor<Scalar>, parents: [Variable], pullback: @escaping (Tensor<Scalar>) -> [Tensor<Scalar>?]) {
        self.value = value
        self.requiresGrad = true
        self.parents = parents
        self.pullback = pullback
    }

    /// The result of an operation on `inputs`: recorded with `pullback` if
    /// any input requires a gradient and recording is on, else a constant.
    /// `pullback` is only called from `backward`, so it may do its work
    /// lazily.
    @inlinable
    static func record(
        _ value: Tensor<Scalar>, _ inputs: [Variable],
        pullback: @escaping (Tensor<Scalar>) -> [Tensor<Scalar>?]
    ) -> Variable {
        guard inputs.contains(where: { $0.requiresGrad }), isGradientRecordingEnabled else {
            return Variable(value)
        }
        return Variable(value: value, parents: inputs, pullback: pullback)
    }

    /// The shape of ``value``.
    @inlinable public var shape: [Int] { value.shape }

    /// Whether this variable was computed by a recorded operation (as
    /// opposed to a leaf or a constant).
    @inlinable public var hasHistory: Bool { pullback != nil || isReleased }

    /// The same value with no history and no gradient: gradients do not
    /// flow through it (PyTorch's `detach`). The tensor is shared, not
    /// copied.
    @inlinable
    public func detached() -> Variable { Variable(value) }

    /// Clears ``grad`` (to nil), so the next `backward` starts from zero.
    @inlinable
    public func zeroGrad() { grad = nil }

    /// Releases a long chain of parents one at a time: the default
    /// recursive release would use one stack frame per link, and a chain
    /// of many thousands of operations would overflow a thread's stack.
    deinit {
        guard !parents.isEmpty else { return }
        var stack = parents
        parents = []
        while var node = stack.popLast() {
            if isKnownUniquelyReferenced(&node) {
                stack.append(contentsOf: node.parents)
                node.parents = []
            }
        }
    }
}

extension Variable: CustomStringConvertible {
    /// `Variable(<value>, requiresGrad: true)`.
    public var description: String {
        "Variable(\(value)\(requiresGrad ? ", requiresGrad: true" : ""))"
    }
}
