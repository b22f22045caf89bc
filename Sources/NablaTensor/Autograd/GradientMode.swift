/// The task-local state of tensor autograd: whether operations on
/// ``Variable``s record history (off inside ``withoutGradients(_:)``) and the
/// anomaly detector of the innermost ``withAnomalyDetection(_:)`` scope.
///
/// One task-local value rather than globals, so concurrent tasks do not see
/// each other's scopes (and Swift 6 forbids shared mutable globals). Every
/// operation on a variable reads it once (a task-local lookup, tens of
/// nanoseconds, small beside the operation's own allocation and loop); with
/// anomaly detection off, the detector is nil and that read is all it costs.
@usableFromInline
struct AutogradContext: Sendable {
    @usableFromInline var isRecording: Bool
    @usableFromInline var detector: AnomalyDetector?

    @TaskLocal static var current = AutogradContext(isRecording: true, detector: nil)

    /// The current context: one task-local read.
    @usableFromInline
    static func read() -> AutogradContext { current }
}

/// Whether operations on variables currently record history.
public var isGradientRecordingEnabled: Bool { AutogradContext.current.isRecording }

/// Runs `body` with recording off: operations on variables inside it give
/// constants (no parents, `requiresGrad` false), as in PyTorch's
/// `torch.no_grad()`. Use it for evaluation and for optimiser updates.
///
/// The scope covers `body` and the child tasks it creates, not other tasks.
/// Variables created inside keep no history after the scope ends. An
/// enclosing ``withAnomalyDetection(_:)`` stays in force.
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    var context = AutogradContext.current
    context.isRecording = false
    return try AutogradContext.$current.withValue(context, operation: body)
}
