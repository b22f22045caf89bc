/// A tensor operation was given shapes that do not fit together.
///
/// The description names the operation and every shape involved, for
/// example `matmul: shapes [2, 3] and [4, 5] do not match: inner dimensions
/// 3 and 4 differ`. Operations on user data (``Tensor/init(shape:scalars:)``,
/// ``Tensor/reshaped(to:)``, ``Tensor/matmul(_:)``, the named elementwise
/// methods such as ``Tensor/adding(_:)``) throw it; operators such as `+`,
/// which cannot throw, stop with a precondition failure carrying the same text.
public struct ShapeError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The operation that failed (`matmul`, `reshape`, `+`, ...).
    public var operation: String
    /// The shapes involved, in argument order.
    public var shapes: [[Int]]
    /// Why they do not fit, without the operation's name.
    public var reason: String

    @inlinable
    public init(operation: String, shapes: [[Int]], reason: String) {
        self.operation = operation
        self.shapes = shapes
        self.reason = reason
    }

    /// `operation: reason`.
    public var description: String { "\(operation): \(reason)" }

    /// "shapes [2, 3] and [4, 5] do not match: <detail>" for two shapes.
    @usableFromInline
    static func mismatch(_ operation: String, _ a: [Int], _ b: [Int], _ detail: String) -> ShapeError {
        ShapeError(
            operation: operation, shapes: [a, b],
            reason: "shapes \(a) and \(b) do not match: \(detail)")
    }
}
