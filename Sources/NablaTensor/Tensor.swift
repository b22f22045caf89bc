import NablaRules

/// An n-dimensional array of `Float` or `Double` with value semantics.
///
/// Elements are stored contiguously in row-major order (the last index
/// varies fastest); a tensor of shape `[2, 3]` stores rows of three. Copies
/// share their storage until one of them is mutated (copy on write), so
/// passing tensors around is cheap and mutating one never changes another.
/// `Tensor` is `Sendable`.
///
/// A tensor of rank 0 (shape `[]`) holds one scalar. Literals make such
/// tensors, and they broadcast against any shape, so `2 * t + 1` works.
/// Shapes may contain 0 (an empty tensor); dimensions are never negative.
///
/// `Tensor` conforms to ``DifferentiableScalar`` elementwise (through
/// ``RuleTableScalar``), so a function written once against the scalar
/// protocol runs on tensors:
///
/// ```swift
/// func activation<T: DifferentiableScalar>(_ x: T) -> T { T.tanh(x) * 2 }
/// activation(Tensor<Float>([0.5, -1, 2]))   // elementwise
/// ```
///
/// Operators cannot throw: a shape mismatch inside `+` or `*` stops the
/// program with a message naming the operation and both shapes. For user
/// data, use the throwing methods (``adding(_:)``, ``multiplying(_:)``, ...).
///
/// Mixing a tensor with a scalar variable in an operator takes a 0-d tensor,
/// `t * Tensor(x)`: overloads taking `Scalar` directly would make `t * 2`
/// ambiguous.
///
/// `Sendable` (unchecked: its storage is a `ManagedBuffer`, which the
/// standard library marks non-sendable): storage shared between copies is
/// never written, since every mutation first checks that the storage is
/// uniquely referenced and copies it otherwise, as `Array` does.
public struct Tensor<Scalar: TensorScalar>: @unchecked Sendable {
    @usableFromInline var _shape: [Int]
    @usableFromInline var storage: TensorStorage<Scalar>

    /// Wraps storage whose count the caller has checked against the shape.
    @inlinable
    init(uncheckedShape shape: [Int], storage: TensorStorage<Scalar>) {
        _shape = shape
        self.storage = storage
    }

    /// The size of each dimension; `[]` for a scalar tensor.
    @inlinable public var shape: [Int] { _shape }
    /// The number of dimensions (0 for a scalar tensor).
    @inlinable public var rank: Int { _shape.count }
    /// The number of elements: the product of the shape (1 for rank 0).
    @inlinable public var count: Int { storage.count }

    /// The elements in row-major order.
    @inlinable
    public var scalars: [Scalar] { Array(storage.buffer) }

    /// The only element of a tensor with one element (a rank-0 tensor, or
    /// any shape of count 1). Precondition: `count == 1`.
    @inlinable
    public var scalar: Scalar {
        precondition(count == 1, "Tensor.scalar: a tensor of shape \(shape) has \(count) elements, not 1")
        return storage.base[0]
    }

    /// The strides of row-major storage: how far apart in memory consecutive
    /// indices of each axis are.
    @inlinable
    public var strides: [Int] { Self.strides(of: _shape) }

    @inlinable
    static func strides(of shape: [Int]) -> [Int] {
        var result = [Int](repeating: 1, count: shape.count)
        var s = 1
        for axis in shape.indices.reversed() {
            result[axis] = s
            s *= shape[axis]
        }
        return result
    }

    @inlinable
    static func elementCount(_ shape: [Int]) -> Int { shape.reduce(1, *) }

    /// Copies the storage if another tensor shares it.
    @inlinable
    mutating func makeUnique() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
    }

    /// Reads the elements in row-major order without copying.
    @inlinable
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Scalar>) throws -> R) rethrows -> R {
        try withExtendedLifetime(storage) { try body(storage.buffer) }
    }

    /// Writes the elements in row-major order, copying shared storage first.
    /// The buffer must not escape `body`.
    @inlinable
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Scalar>) throws -> R
    ) rethrows -> R {
        makeUnique()
        return try withExtendedLifetime(storage) {
            try body(UnsafeMutableBufferPointer(start: storage.base, count: storage.count))
        }
    }

    /// The memory offset of a full index.
    @inlinable
    func offset(of indices: [Int]) -> Int {
        precondition(
            indices.count == rank,
            "Tensor subscript: \(indices.count) indices for a tensor of rank \(rank) (shape \(shape))")
        var offset = 0
        var stride = 1
        for axis in indices.indices.reversed() {
            let i = indices[axis]
            precondition(
                i >= 0 && i < _shape[axis],
                "Tensor subscript: index \(i) is out of range 0..<\(_shape[axis]) on axis \(axis) of shape \(shape)")
            offset += i * stride
            stride *= _shape[axis]
        }
        return offset
    }

    /// The element at one index per axis, `t[i, j]` for a matrix (read a
    /// scalar tensor with ``scalar``).
    ///
    /// Precondition: as many indices as the rank, each within its axis
    /// (negative indices are not supported).
    @inlinable
    public subscript(_ indices: Int...) -> Scalar {
        get { storage.base[offset(of: indices)] }
        set {
            let o = offset(of: indices)
            makeUnique()
            storage.base[o] = newValue
        }
    }
}

// MARK: - Creation from elements

extension Tensor {
    /// A tensor of the given shape holding `scalars` in row-major order.
    ///
    /// - Throws: ``ShapeError`` if a dimension is negative or the number of
    ///   scalars is not the product of the shape (1 for the empty shape).
    @inlinable
    public init(shape: [Int], scalars: [Scalar]) throws {
        try Self.validate(shape, operation: "init(shape:scalars:)")
        let expected = Self.elementCount(shape)
        guard expected == scalars.count else {
            throw ShapeError(
                operation: "init(shape:scalars:)", shapes: [shape],
                reason: "shape \(shape) needs \(expected) scalars, got \(scalars.count)")
        }
        self.init(uncheckedShape: shape, storage: .copying(scalars))
    }

    /// A tensor of the given shape with every element `value`.
    /// Precondition: no dimension is negative.
    @inlinable
    public init(shape: [Int], repeating value: Scalar) {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor(shape:repeating:): negative dimension in \(shape)")
        self.init(uncheckedShape: shape, storage: .repeating(value, count: Self.elementCount(shape)))
    }

    /// A rank-0 tensor holding `scalar`.
    @inlinable
    public init(_ scalar: Scalar) {
        self.init(uncheckedShape: [], storage: .repeating(scalar, count: 1))
    }

    /// A rank-1 tensor (a vector) holding `vector`.
    @inlinable
    public init(_ vector: [Scalar]) {
        self.init(uncheckedShape: [vector.count], storage: .copying(vector))
    }

    /// A rank-2 tensor (a matrix) whose rows are `rows`.
    ///
    /// An empty array gives shape `[0, 0]`.
    /// - Throws: ``ShapeError`` if the rows have different lengths.
    @inlinable
    public init(_ rows: [[Scalar]]) throws {
        let columns = rows.first?.count ?? 0
        if let bad = rows.firstIndex(where: { $0.count != columns }) {
            throw ShapeError(
                operation: "init(_ rows:)", shapes: [],
                reason: "row \(bad) has \(rows[bad].count) elements, row 0 has \(columns)")
        }
        self.init(uncheckedShape: [rows.count, columns], storage: .copying(rows.joined()))
    }

    /// A tensor of `shape` whose elements `body` writes, in row-major
    /// order, into uninitialised memory; `body` must write every element.
    @inlinable
    public init(
        shape: [Int], unsafeUninitializedScalars body: (UnsafeMutableBufferPointer<Scalar>) throws -> Void
    ) rethrows {
        precondition(shape.allSatisfy { $0 >= 0 }, "Tensor(shape:unsafeUninitializedScalars:): negative dimension in \(shape)")
        let storage = TensorStorage<Scalar>.uninitialized(count: Self.elementCount(shape))
        try body(UnsafeMutableBufferPointer(start: storage.base, count: storage.count))
        self.init(uncheckedShape: shape, storage: storage)
    }

    @inlinable
    static func validate(_ shape: [Int], operation: String) throws {
        if shape.contains(where: { $0 < 0 }) {
            throw ShapeError(operation: operation, shapes: [shape], reason: "shape \(shape) has a negative dimension")
        }
    }

    /// Normalises an axis that may count from the end (-1 is the last).
    @inlinable
    func normalizedAxis(_ axis: Int, rank: Int? = nil, operation: String) throws -> Int {
        let r = rank ?? self.rank
        guard axis >= -r && axis < r else {
            throw ShapeError(
                operation: operation, shapes: [shape],
                reason: "axis \(axis) is out of range for shape \(shape) (rank \(self.rank))")
        }
        return axis < 0 ? axis + r : axis
    }

    /// As ``normalizedAxis(_:rank:operation:)`` for operations that cannot throw.
    @inlinable
    func checkedAxis(_ axis: Int, operation: String) -> Int {
        do { return try normalizedAxis(axis, operation: operation) } catch { preconditionFailure("\(error)") }
    }
}

extension Tensor: CustomStringConvertible {
    /// The elements as nested brackets, e.g. `[[1.0, 2.0], [3.0, 4.0]]`;
    /// a scalar tensor prints as its value.
    public var description: String {
        if rank == 0 { return "\(storage.base[0])" }
        var text = ""
        func write(axis: Int, offset: Int) {
            let stride = Self.elementCount(Array(_shape[(axis + 1)...]))
            text += "["
            for i in 0..<_shape[axis] {
                if i > 0 { text += ", " }
                if axis == rank - 1 {
                    text += "\(storage.base[offset + i])"
                } else {
                    write(axis: axis + 1, offset: offset + i * stride)
                }
            }
            text += "]"
        }
        write(axis: 0, offset: 0)
        return text
    }
}
