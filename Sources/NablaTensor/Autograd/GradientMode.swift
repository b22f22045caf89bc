/// Whether operations on ``Variable``s record history; off inside
/// ``withoutGradients(_:)``.
///
/// A task-local value rather than a global, so concurrent tasks do not see
/// each other's scopes (and Swift 6 forbids shared mutable globals). Reading
/// it costs a task-local lookup (tens of nanoseconds) per recorded tensor
/// operation, small beside the operation's own allocation and loop.
enum GradientMode {
    @TaskLocal static var isEnabled = true
}

/// Whether operations on variables currently record history.
public var isGradientRecordingEnabled: Bool { GradientMode.isEnabled }

/// Runs `body` with recording off: operations on variables inside it give
/// constants (no parents, `requiresGrad` false), as in PyTorch's
/// `torch.no_grad()`. Use it for evaluation and for optimiser updates.
///
/// The scope covers `body` and the child tasks it creates, not other tasks.
/// Variables created inside keep no history after the scope ends.
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    try GradientMode.$isEnabled.withValue(false, operation: body)
}
