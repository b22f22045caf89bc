import NablaRules
import Synchronization

/// The elements of a tensor: one contiguous block, 64-byte aligned from
/// 4 KiB up.
///
/// A ``Tensor`` shares its storage between copies and copies it before the
/// first mutation of a shared block (copy on write). The alignment suits
/// AVX-512 loads; smaller blocks come straight from `malloc` (16-byte
/// aligned), because an aligned allocation costs about 97 ns against 22 ns
/// here, which a one-element operation feels (the kernels load unaligned
/// anyway). Swift's own allocator would take the aligned path even for
/// default alignment (see `allocateBlock(of:count:)`).
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
        let bytes = capacity * MemoryLayout<Scalar>.stride
        if bytes < Self.alignedBytes {
            base = allocateBlock(of: Scalar.self, count: capacity)
        } else {
            let raw = (bytes >= BlockCache.minimumBytes ? BlockCache.take(bytes: bytes) : nil)
                ?? UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            base = raw.bindMemory(to: Scalar.self, capacity: capacity)
        }
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

    /// Blocks of this many bytes and more are 64-byte aligned; smaller ones
    /// come from `malloc` (16-byte aligned).
    @usableFromInline static var alignedBytes: Int { 4096 }

    deinit {
        let bytes = Swift.max(count, 1) * MemoryLayout<Scalar>.stride
        if bytes < Self.alignedBytes {
            freeBlock(base)
            return
        }
        if bytes >= BlockCache.minimumBytes && BlockCache.give(UnsafeMutableRawPointer(base), bytes: bytes) { return }
        UnsafeMutableRawPointer(base).deallocate()
    }
}

/// A few recently freed large blocks (64 KiB and more), kept for the next
/// tensor of exactly the same size.
///
/// A training step frees and allocates the same large tensors every
/// iteration (activations, gradients, updated weights). Through `malloc`,
/// glibc gives such blocks back to the system when the top of its heap grows
/// past its trim threshold and then takes fresh pages again, which fault
/// on first touch: about 40 µs of a 300 µs Float TwoLayerNet step through
/// tensor autograd went to that. At most 16 blocks and 64 MiB are kept,
/// behind one lock; a block that does not fit is freed as before.
@usableFromInline
enum BlockCache {
    @usableFromInline static let minimumBytes = 64 * 1024
    static let maximumBlocks = 16
    static let maximumBytes = 64 << 20

    struct Block {
        var address: UInt
        var bytes: Int
    }

    struct State {
        var blocks: [Block] = []
        var bytes = 0
    }

    static let state = Mutex(State())

    /// A cached block of exactly `bytes` bytes (64-byte aligned), or nil.
    @usableFromInline
    static func take(bytes: Int) -> UnsafeMutableRawPointer? {
        let address: UInt? = state.withLock { state in
            guard let i = state.blocks.lastIndex(where: { $0.bytes == bytes }) else { return nil }
            state.bytes -= bytes
            return state.blocks.remove(at: i).address
        }
        return address.flatMap { UnsafeMutableRawPointer(bitPattern: $0) }
    }

    /// Keeps a block allocated with `bytes` bytes and 64-byte alignment;
    /// false if the cache is full (the caller frees it).
    @usableFromInline
    static func give(_ block: UnsafeMutableRawPointer, bytes: Int) -> Bool {
        let address = UInt(bitPattern: block)
        return state.withLock { state in
            if state.blocks.count == maximumBlocks || state.bytes + bytes > maximumBytes {
                // Make room by freeing the oldest block when this one fits alone.
                guard bytes <= maximumBytes, let oldest = state.blocks.first else { return false }
                state.blocks.removeFirst()
                state.bytes -= oldest.bytes
                UnsafeMutableRawPointer(bitPattern: oldest.address)?.deallocate()
                if state.bytes + bytes > maximumBytes { return false }
            }
            state.blocks.append(Block(address: address, bytes: bytes))
            state.bytes += bytes
            return true
        }
    }
}
