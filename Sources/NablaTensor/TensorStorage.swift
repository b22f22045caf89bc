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
        // From 4 KiB up: 64-byte aligned, through the block cache.
        if bytes < BlockCache.minimumBytes {
            base = allocateBlock(of: Scalar.self, count: capacity)
        } else {
            let raw = BlockCache.take(bytes: bytes) ?? UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
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

    deinit {
        let bytes = Swift.max(count, 1) * MemoryLayout<Scalar>.stride
        if bytes < BlockCache.minimumBytes {
            freeBlock(base)
        } else if !BlockCache.give(UnsafeMutableRawPointer(base), bytes: bytes) {
            UnsafeMutableRawPointer(base).deallocate()
        }
    }
}

/// A few recently freed blocks of 4 KiB and more (the 64-byte aligned
/// ones), kept for the next tensor of exactly the same size.
///
/// A training step frees and allocates the same tensors every iteration
/// (activations, gradients, updated weights). Through `malloc`, glibc gives
/// such blocks back to the system when the top of its heap grows past its
/// trim threshold and then takes fresh pages again, which fault on first
/// touch: about 40 µs of a 300 µs Float TwoLayerNet step through tensor
/// autograd went to that. With only blocks of 64 KiB and more kept, the
/// Double step's 40 KB activations still faulted in up to 6.5 pages per
/// step (depending on the heap's layout); from 4 KiB, none. At most 16
/// blocks and 64 MiB are kept, behind one lock (about 30 ns, against the
/// microseconds it takes to fill 4 KiB); a block that does not fit is freed
/// as before.
@usableFromInline
enum BlockCache {
    /// The size from which tensor blocks are 64-byte aligned and cached
    /// (smaller ones come from `malloc`).
    @usableFromInline static let minimumBytes = 4 * 1024
    static let maximumBlocks = 16
    static let maximumBytes = 64 << 20

    struct Block {
        var address: UInt
        var bytes: Int
    }

    /// The cached blocks, oldest first. A value, so that tests can check
    /// its rules on a private copy while other tests use the shared one.
    struct State {
        var blocks: [Block] = []
        var bytes = 0

        /// Removes and returns a block of exactly `bytes` bytes, if any.
        mutating func take(bytes: Int) -> UInt? {
            guard let i = blocks.lastIndex(where: { $0.bytes == bytes }) else { return nil }
            self.bytes -= bytes
            return blocks.remove(at: i).address
        }

        /// Keeps a block of `bytes` bytes (64-byte aligned), freeing the
        /// oldest one to make room if needed; false if it does not fit even
        /// then (the caller frees it).
        mutating func keep(_ address: UInt, bytes: Int) -> Bool {
            if blocks.count == BlockCache.maximumBlocks || self.bytes + bytes > BlockCache.maximumBytes {
                // Make room by freeing the oldest block when this one fits alone.
                guard bytes <= BlockCache.maximumBytes, let oldest = blocks.first else { return false }
                blocks.removeFirst()
                self.bytes -= oldest.bytes
                UnsafeMutableRawPointer(bitPattern: oldest.address)?.deallocate()
                if self.bytes + bytes > BlockCache.maximumBytes { return false }
            }
            blocks.append(Block(address: address, bytes: bytes))
            self.bytes += bytes
            return true
        }
    }

    static let state = Mutex(State())

    /// A cached block of exactly `bytes` bytes (64-byte aligned), or nil.
    @usableFromInline
    static func take(bytes: Int) -> UnsafeMutableRawPointer? {
        let address = state.withLock { $0.take(bytes: bytes) }
        return address.flatMap { UnsafeMutableRawPointer(bitPattern: $0) }
    }

    /// Keeps a block allocated with `bytes` bytes and 64-byte alignment;
    /// false if the cache is full (the caller frees it).
    @usableFromInline
    static func give(_ block: UnsafeMutableRawPointer, bytes: Int) -> Bool {
        let address = UInt(bitPattern: block)
        return state.withLock { $0.keep(address, bytes: bytes) }
    }
}
