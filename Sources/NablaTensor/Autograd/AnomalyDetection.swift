import NablaRules
import Synchronization

/// Where a ``Variable`` operation was called, for anomaly reports: the
/// operation's name and, for the named methods, the caller's `#fileID` and
/// `#line` (captured by default arguments). Operators cannot take extra
/// arguments, so theirs has no location (`line == 0`).
///
/// It is passed by value on every operation (three words and an enum, no
/// allocation) and stored only when anomaly detection is on.
@usableFromInline
struct OperationSite: Sendable {
    @usableFromInline
    enum Name: Sendable {
        case fixed(StaticString)
        case unary(UnaryOperation)
        case binary(BinaryOperation)
    }

    @usableFromInline let name: Name
    @usableFromInline let file: StaticString
    @usableFromInline let line: UInt

    /// A named method called at `file:line`.
    @inlinable
    init(_ name: Name, file: StaticString, line: UInt) {
        self.name = name
        self.file = file
        self.line = line
    }

    /// An operator: no source location.
    @inlinable
    init(operator name: Name) {
        self.name = name
        self.file = ""
        self.line = 0
    }

    /// Whether the caller's location is known (false for operators).
    var hasLocation: Bool { line != 0 }

    /// `log`, `+`, `matmul`, `pow`, ...
    var operation: String {
        switch name {
        case .fixed(let s): return s.description
        case .unary(let op): return op == .negate ? "prefix -" : op.name
        case .binary(let op): return op.name
        }
    }

    var location: String? { hasLocation ? "\(file):\(line)" : nil }

    /// `log at Model.swift:12`, or `operator +` for an operator.
    var summary: String {
        if let location { return "\(operation) at \(location)" }
        return "operator \(operation)"
    }
}

/// What anomaly detection remembers of the operation that created a
/// variable: allocated only when detection is on, nil otherwise.
@usableFromInline
final class OperationOrigin: Sendable {
    let site: OperationSite
    /// For an operator: the latest operation with a source location recorded
    /// before it in the same scope (its nearest located neighbour).
    let nearestLocated: OperationSite?

    init(site: OperationSite, nearestLocated: OperationSite?) {
        self.site = site
        self.nearestLocated = nearestLocated
    }
}

/// The first NaN or infinity that anomaly detection met: which operation
/// produced it, where that operation was called, and whether it appeared in
/// the forward pass (a value) or in `backward` (a gradient).
///
/// The description reads, for example,
/// `anomaly in forward: log at Model.swift:12 produced NaN (element 3 of
/// shape [2, 3]) from finite inputs`, or, for an operator, which has no
/// source location, `anomaly in forward: operator / produced inf (...);
/// nearest located operation before it: matmul at Model.swift:10`.
public struct AnomalyError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Where the anomaly appeared.
    public enum Phase: String, Sendable {
        /// A value computed by an operation.
        case forward
        /// A gradient computed by an operation's pullback in `backward`.
        case backward
    }

    public var phase: Phase
    /// The operation's name: a method (`matmul`, `sum`), a rule-table
    /// function (`log`, `sqrt`), or an operator (`+`, `/`, `prefix -`).
    /// `unknown` for a backward anomaly in a graph recorded outside
    /// anomaly detection.
    public var operation: String
    /// The `#fileID` of the call that created the operation; nil for
    /// operators (which cannot capture a location) and unknown operations.
    public var file: String?
    /// The line of that call; nil where ``file`` is nil.
    public var line: Int?
    /// For operators: the latest operation with a location recorded before
    /// it (`matmul at Model.swift:10`), nil if none.
    public var nearestLocatedOperation: String?
    /// The shape of the non-finite value (forward) or gradient (backward).
    public var shape: [Int]
    /// The row-major index of its first non-finite element.
    public var index: Int
    /// That element: NaN, +∞ or −∞.
    public var element: Double
    /// Forward: whether every input of the operation was finite (false when
    /// the non-finite values came in from data or from a computation outside
    /// `Variable`). Backward: whether the incoming gradient was finite.
    public var inputsFinite: Bool
    /// Backward: which operand's gradient (0 for the first) was non-finite.
    public var operand: Int?

    public var description: String {
        var text = "anomaly in \(phase.rawValue): "
        if let file, let line {
            text += "\(operation) at \(file):\(line)"
        } else if operation == "unknown" {
            text += "an operation recorded outside withAnomalyDetection"
        } else {
            text += "operator \(operation)"
        }
        let what = element.isNaN ? "NaN" : (element > 0 ? "inf" : "-inf")
        switch phase {
        case .forward:
            text += " produced \(what) (element \(index) of shape \(shape))"
            text += inputsFinite ? " from finite inputs" : "; its inputs already held NaN or infinity"
        case .backward:
            text += " gave \(what) in the gradient of operand \(operand ?? 0) (element \(index) of shape \(shape))"
            text += inputsFinite ? " from a finite incoming gradient" : " from a non-finite incoming gradient"
        }
        if let nearestLocatedOperation {
            text += "; nearest located operation before it: \(nearestLocatedOperation)"
        } else if file == nil && operation != "unknown" {
            text += " (operators have no source location)"
        }
        return text
    }
}

/// The state of one ``withAnomalyDetection(_:)`` scope: the latest operation
/// with a source location and the first forward anomaly. Locked, since child
/// tasks inherit the scope.
@usableFromInline
final class AnomalyDetector: Sendable {
    struct State {
        var lastLocated: OperationSite?
        var forwardAnomaly: AnomalyError?
        /// Set once the forward anomaly has been thrown, so that it is
        /// thrown once.
        var reported = false
    }

    let state = Mutex(State())

    init() {}

    /// Checks a forward result; returns the origin to store in the result's
    /// variable.
    @usableFromInline
    func checkForward<Scalar: TensorScalar>(
        _ value: Tensor<Scalar>, inputs: [Variable<Scalar>], site: OperationSite
    ) -> OperationOrigin {
        let bad = Self.firstNonFinite(value)
        return state.withLock { s in
            let origin = OperationOrigin(site: site, nearestLocated: site.hasLocation ? nil : s.lastLocated)
            if site.hasLocation { s.lastLocated = site }
            if let (index, element) = bad, s.forwardAnomaly == nil {
                s.forwardAnomaly = AnomalyError(
                    phase: .forward, operation: site.operation, file: site.hasLocation ? site.file.description : nil,
                    line: site.hasLocation ? Int(site.line) : nil,
                    nearestLocatedOperation: origin.nearestLocated?.summary, shape: value.shape, index: index,
                    element: element, inputsFinite: inputs.allSatisfy { $0.value.isFinite }, operand: nil)
            }
            return origin
        }
    }

    /// The first forward anomaly not thrown yet, marked as thrown.
    func takeForwardAnomaly() -> AnomalyError? {
        state.withLock { s in
            guard let anomaly = s.forwardAnomaly, !s.reported else { return nil }
            s.reported = true
            return anomaly
        }
    }

    /// The error for a non-finite gradient that `backward` computed for
    /// operand `operand` of the operation that created `origin`.
    static func backwardAnomaly<Scalar: TensorScalar>(
        origin: OperationOrigin?, operand: Int, gradient: Tensor<Scalar>, upstreamFinite: Bool
    ) -> AnomalyError? {
        guard let (index, element) = firstNonFinite(gradient) else { return nil }
        let site = origin?.site
        return AnomalyError(
            phase: .backward, operation: site?.operation ?? "unknown",
            file: site?.hasLocation == true ? site!.file.description : nil,
            line: site?.hasLocation == true ? Int(site!.line) : nil,
            nearestLocatedOperation: origin?.nearestLocated?.summary, shape: gradient.shape, index: index,
            element: element, inputsFinite: upstreamFinite, operand: operand)
    }

    static func firstNonFinite<Scalar: TensorScalar>(_ t: Tensor<Scalar>) -> (Int, Double)? {
        t.withUnsafeBufferPointer { p in
            p.firstIndex { !$0.isFinite }.map { ($0, Double(p[$0])) }
        }
    }
}

/// Runs `body` with anomaly detection on: every operation on a ``Variable``
/// checks its result right after computing it, and `backward` checks every
/// gradient right after each operation's pullback, so the first NaN or
/// infinity is reported with the operation that produced it and the place
/// in the source that called that operation (as PyTorch's
/// `torch.autograd.detect_anomaly()`, and the tensor counterpart of the
/// scalar tape's `valueAndGradientDetectingAnomalies`).
///
/// ```swift
/// try withAnomalyDetection {
///     let y = x.applying(.log)      // x holds a negative element
///     try y.sum().backward()        // throws: anomaly in forward: log at Model.swift:3 produced NaN ...
/// }
/// ```
///
/// How anomalies surface:
/// - **Forward.** Operations return values (operators cannot throw), so the
///   first forward anomaly is recorded in the scope and thrown by the next
///   `backward()` inside the scope, by ``checkForAnomalies()``, or, if
///   neither threw it, when `body` returns. It is thrown once.
/// - **Backward.** `backward()` inside the scope throws at the first
///   pullback whose gradient for an operand is non-finite while its incoming
///   gradient is finite; no gradient is accumulated and the graph is kept.
///   Run both the forward and the backward pass inside the scope: a graph
///   recorded outside it has no operation names to report (`unknown`).
///
/// Locations: the named methods (``Variable/applying(_:file:line:)``,
/// `matmul`, `sum`, ...) capture the caller's `#fileID` and `#line` through
/// default arguments. Operators (`+`, `*`, `/`, prefix `-`) cannot take such
/// arguments: an anomaly there names the operator and the nearest operation
/// with a location recorded before it.
///
/// Off (outside any scope), each operation pays one task-local read, which
/// it needs anyway for ``withoutGradients(_:)``; nothing is checked and
/// nothing is stored. On, each operation scans its result once and every
/// recorded variable keeps a small record of its origin.
///
/// The scope covers `body` and the child tasks it creates; scopes nest
/// (the inner one has its own record).
///
/// - Throws: ``AnomalyError`` for a forward anomaly not thrown earlier, and
///   whatever `body` throws (including the ``AnomalyError``s of `backward`).
public func withAnomalyDetection<R>(_ body: () throws -> R) throws -> R {
    let detector = AnomalyDetector()
    var context = AutogradContext.current
    context.detector = detector
    let result = try AutogradContext.$current.withValue(context, operation: body)
    if let anomaly = detector.takeForwardAnomaly() { throw anomaly }
    return result
}

/// Whether operations are checked for NaN and infinity: true inside
/// ``withAnomalyDetection(_:)``.
public var isAnomalyDetectionEnabled: Bool { AutogradContext.current.detector != nil }

/// Throws the first forward anomaly recorded in the enclosing
/// ``withAnomalyDetection(_:)`` scope, if there is one that was not thrown
/// yet; does nothing outside a scope. Use it to stop right after a forward
/// pass (evaluation) without calling `backward`.
///
/// - Throws: ``AnomalyError``.
public func checkForAnomalies() throws {
    if let anomaly = AutogradContext.current.detector?.takeForwardAnomaly() { throw anomaly }
}
