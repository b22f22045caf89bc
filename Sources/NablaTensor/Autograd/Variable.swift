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
/// - ``withAnomalyDetection(_:)`` reports the first NaN or infinity with the
///   operation and the source line that produced it.
///
/// `Variable` is not `Sendable`: a graph belongs to one task.
public final class Variable<Scalar: TensorScalar> {
    // The stored properties are declared in this order, and the three
    // pullback kinds share one field, so that an instance takes 116 bytes:
    // below 120, glibc serves it from its fast bins. At 161 bytes (three
    // optional closures, scattered flags) it took glibc's slower small-bin
    // path; malloc and free were a third of the instructions of recording a
    // one-element operation. A test checks the size (on glibc).

    /// The tensor this variable holds. Assigning a new one (an optimiser's
    /// update, inside ``withoutGradients(_:)``) does not change results
    /// already computed from it, nor their gradients: each operation kept
    /// the tensors it needs.
    ///
    /// A variable belongs to one task, so its properties are not checked
    /// for overlapping access at run time (`@exclusivity(unchecked)`: the
    /// checks cost more than a small operation).
    @exclusivity(unchecked) public var value: Tensor<Scalar>

    /// The gradient of the losses that ``backward(retainingGraph:)`` was
    /// called on with respect to ``value``, summed over the calls since the
    /// last ``zeroGrad()``; nil before any. It has ``value``'s shape.
    @exclusivity(unchecked) public var grad: Tensor<Scalar>?

    // Scratch state of one `backward` pass (no dictionary or set of
    // object identifiers): reset before `backward` returns or throws.
    @usableFromInline @exclusivity(unchecked) var pendingAdjoint: Tensor<Scalar>?

    // How this variable was computed: its parents and the pullback that
    // maps its gradient to one gradient per parent (nil where a parent
    // needs none), each of that parent's shape; all nil for a leaf, a
    // constant, or once the graph is released. Pullbacks capture tensors,
    // never variables, so the graph has no cycles.
    //
    // One and two parents (nearly every operation) need no array, so
    // recording an operation allocates the result and the pullback's
    // context only.
    @usableFromInline @exclusivity(unchecked) var first: Variable?
    @usableFromInline @exclusivity(unchecked) var second: Variable?
    @usableFromInline @exclusivity(unchecked) var others: [Variable]?

    /// The operation and source location that created this variable, kept
    /// only under ``withAnomalyDetection(_:)``.
    @usableFromInline @exclusivity(unchecked) var origin: OperationOrigin?

    /// A recorded operation's pullback, by its number of inputs: `unary`
    /// reads `first`, `binary` `first` and `second`, `nary` `others`.
    @usableFromInline
    enum Pullback {
        case unary((Tensor<Scalar>) -> Tensor<Scalar>)
        case binary((Tensor<Scalar>) -> (Tensor<Scalar>?, Tensor<Scalar>?))
        case nary((Tensor<Scalar>) -> [Tensor<Scalar>?])
    }

    @usableFromInline @exclusivity(unchecked) var pullback: Pullback?

    /// Whether `backward` computes a gradient for this variable. True for
    /// a leaf created with `requiresGrad: true` and for every result that
    /// recorded history.
    public let requiresGrad: Bool

    /// Set when `backward` has dropped this result's parents and pullback.
    @usableFromInline @exclusivity(unchecked) var isReleased = false

    /// `backward`'s mark for a variable its walk has reached (scratch state,
    /// like `pendingAdjoint`).
    @usableFromInline @exclusivity(unchecked) var isVisited = false

    /// A leaf variable holding `value`. With `requiresGrad`, `backward`
    /// fills its ``grad``; without, it is a constant.
    @inlinable
    public init(_ value: Tensor<Scalar>, requiresGrad: Bool = false) {
        self.value = value
        self.requiresGrad = requiresGrad
    }

    /// A result of an operation with one input.
    @inlinable
    init(value: Tensor<Scalar>, parent: Variable, pullback: @escaping (Tensor<Scalar>) -> Tensor<Scalar>) {
        self.value = value
        self.requiresGrad = true
        self.first = parent
        self.pullback = .unary(pullback)
    }

    /// A result of an operation with two inputs.
    @inlinable
    init(
        value: Tensor<Scalar>, parents x: Variable, _ y: Variable,
        pullback: @escaping (Tensor<Scalar>) -> (Tensor<Scalar>?, Tensor<Scalar>?)
    ) {
        self.value = value
        self.requiresGrad = true
        self.first = x
        self.second = y
        self.pullback = .binary(pullback)
    }

    /// A result of an operation with any number of inputs.
    @inlinable
    init(value: Tensor<Scalar>, parents: [Variable], pullback: @escaping (Tensor<Scalar>) -> [Tensor<Scalar>?]) {
        self.value = value
        self.requiresGrad = true
        self.others = parents
        self.pullback = .nary(pullback)
    }

    /// Whether this variable holds parents and a pullback.
    @inlinable
    var hasNode: Bool { pullback != nil }

    /// The number of parents.
    @inlinable
    var parentCount: Int {
        if let others { return others.count }
        return first == nil ? 0 : (second == nil ? 1 : 2)
    }

    /// Parent `i` (0 ..< parentCount).
    @inlinable
    func parent(_ i: Int) -> Variable {
        if let others { return others[i] }
        return i == 0 ? first! : second!
    }

    /// Appends the parents to `list`.
    @inlinable
    func appendParents(to list: inout [Variable]) {
        if let others { list.append(contentsOf: others) }
        if let first { list.append(first) }
        if let second { list.append(second) }
    }

    /// Drops the pullback and the parents except the first, which it
    /// returns: an operation's many inputs go to `list`, and the second
    /// parent too if this variable is its last holder (moved, no retain
    /// and release); a shared one is released on the spot.
    @inlinable
    func takeFirstParent(movingOthersTo list: inout [Variable]) -> Variable? {
        if let others = others.take() { list.append(contentsOf: others) }
        if var second = second.take(), isKnownUniquelyReferenced(&second) { list.append(consume second) }
        pullback = nil
        return first.take()
    }

    /// Drops the parents and the pullback.
    @inlinable
    func dropHistory() {
        first = nil
        second = nil
        others = nil
        pullback = nil
    }

    /// The inputs this variable was computed from (empty for a leaf, a
    /// constant, or once the graph is released).
    @inlinable
    var parents: [Variable] {
        var list: [Variable] = []
        appendParents(to: &list)
        return list
    }

    // MARK: Recording

    /// The result of an operation with one input: recorded with `pullback`
    /// if the input requires a gradient and recording is on, else a
    /// constant; checked for NaN and infinity under anomaly detection.
    /// `pullback` is only called from `backward`, so it may work lazily.
    /// `value` is consumed: moved into the result, not copied (a copy is a
    /// retain and a release of its shape and storage).
    @inlinable
    static func record(
        _ value: consuming Tensor<Scalar>, _ site: OperationSite, _ x: Variable,
        pullback: @escaping (Tensor<Scalar>) -> Tensor<Scalar>
    ) -> Variable {
        let context = AutogradContext.read()
        let result = context.isRecording && x.requiresGrad
            ? Variable(value: value, parent: x, pullback: pullback) : Variable(value)
        if let detector = context.detector {
            result.origin = detector.checkForward(result.value, inputs: [x], site: site)
        }
        return result
    }

    /// As the one-input `record` for two inputs; the pullback gives nil
    /// for an input that needs no gradient.
    @inlinable
    static func record(
        _ value: consuming Tensor<Scalar>, _ site: OperationSite, _ x: Variable, _ y: Variable,
        pullback: @escaping (Tensor<Scalar>) -> (Tensor<Scalar>?, Tensor<Scalar>?)
    ) -> Variable {
        let context = AutogradContext.read()
        let result = context.isRecording && (x.requiresGrad || y.requiresGrad)
            ? Variable(value: value, parents: x, y, pullback: pullback) : Variable(value)
        if let detector = context.detector {
            result.origin = detector.checkForward(result.value, inputs: [x, y], site: site)
        }
        return result
    }

    /// As the one-input `record` for any number of inputs.
    @inlinable
    static func record(
        _ value: consuming Tensor<Scalar>, _ site: OperationSite, _ inputs: [Variable],
        pullback: @escaping (Tensor<Scalar>) -> [Tensor<Scalar>?]
    ) -> Variable {
        let context = AutogradContext.read()
        let result = context.isRecording && inputs.contains(where: { $0.requiresGrad })
            ? Variable(value: value, parents: inputs, pullback: pullback) : Variable(value)
        if let detector = context.detector {
            result.origin = detector.checkForward(result.value, inputs: inputs, site: site)
        }
        return result
    }

    // MARK: Properties

    /// The shape of ``value``.
    @inlinable public var shape: [Int] { value.shape }

    /// Whether this variable was computed by a recorded operation (as
    /// opposed to a leaf or a constant).
    @inlinable public var hasHistory: Bool { hasNode || isReleased }

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
        guard first != nil || others != nil else { return }
        var stack: [Variable] = []
        if let first = takeFirstParent(movingOthersTo: &stack) { stack.append(consume first) }
        Self.release(&stack)
    }

    /// Releases the variables on `stack` and, of those only it holds,
    /// their parents, iteratively. Specialised for Float and Double: the
    /// deinit runs in generic code, where each step would otherwise look
    /// up type metadata and witness tables.
    @_specialize(where Scalar == Float)
    @_specialize(where Scalar == Double)
    static func release(_ stack: inout [Variable]) {
        while var next = stack.popLast() {
            // Down a chain of first parents without the stack (the usual
            // shape of a recorded graph: c = c + b, layer after layer);
            // the other parents go on the stack if only this variable holds
            // them, and are dropped otherwise (a shared leaf such as b).
            while isKnownUniquelyReferenced(&next) {
                guard let first = next.takeFirstParent(movingOthersTo: &stack) else { break }
                next = first
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
