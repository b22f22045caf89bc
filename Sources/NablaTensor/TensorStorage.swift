import NablaRules

/// The elements of a tensor: one contiguous, 64-byte aligned block.
///
/// A ``Tensor`` shares its storage between copies and copies it before the
/// first mutation of a shared block (copy on write). The alignment suits
/// AVX-512 loads in the kernels of a later layer.
///
/// `@unchecked Sendable`: the block is written only through a `Tensor` that
/// holds the only reference to it (`isKnownUniquelyReferenced` is checked
/// before every write), so a block reachable from two tensors, and hence
/// possibly from two threads, is never mutated: the same argument that makes
/// `Array` sendable.
@usableFromInline
final class TensorStorage<Scalar: TensorScalar>: @unchecked Sendable {
    @usableFromInline let base: UnsafeMutablePointer<Scalar>
    @usableFromInline let count: Int

    /// A block of `count` elements whose contents the caller must write
    /// before reading (Scalar is trivial, so no initialisation is needed).
    @inlinable
    init(uninitializedCount count: Int) {
        let capacity = Swift.max(count, 1)
        let raw = UnsafeMutableRawPointer.allocate(
            byteCount: capacity * MemoryLayout<Scalar>.stride, alignment: 64)
        base = raw.bindMemory(to: Scalar.self, capacity: capacity)
        self.count = count
    }

    @inlinable
    convenience init(repeating value: Scalar, count: Int) {
        self.init(uninitializedCount: count)
        base.initialize(repeating: value, count: count)
    }

    @inlinable
    convenience init<C: Collection>(_ elements: C) where C.Element == Scalar {
        self.init(uninitializedCount: elements.count)
        var i = 0
        for x in elements {
            base[i] = x
            i += 1
        }
    }

    @inlinable
    func copy() -> TensorStorage {
        let result = TensorStorage(uninitializedCount: count)
        result.base.update(from: base, count: count)
        return result
    }

    @inlinable
    var buffer: UnsafeBufferPointer<Scalar> { UnsafeBufferPointer(start: base, count: count) }

    deinit {
        UnsafeMutableRawPointer(base).deallocate()
    }
}
