import NablaRules
import Synchronization

/// The elements of a tensor: one contiguous run of memory, 64-byte aligned
/// from 4 KiB up.
///
/// A ``Tensor`` shares its storage between copies and copies it before the
/// first mutation of a shared block (copy on write).
///
/// - Below 4 KiB the elements live in the storage object itself, after its
///   header (`ManagedBuffer`'s tail allocation): one `malloc` per tensor
///   instead of two. A one-element operation, recorded or not, allocates
///   its result's storage, so it feels every allocation (and its `free`).
///   Such elements are 8- or 16-byte aligned; the kernels load unaligned.
/// - From 4 KiB up they are a separate 64-byte aligned block (AVX-512
///   loads), taken from and given back to ``BlockCache``.
///
/// The elements are written only through a `Tensor` that holds the only
/// reference to the storage (`isKnownUniquelyReferenced` is checked before
/// every write), so storage reachable from two tensors, and hence possibly
/// from two threads, is never mutated: the same argument that makes `Array`
/// sendable. (`ManagedBuffer` is explicitly not `Sendable`, so ``Tensor``
/// states its conformance as `@unchecked`, on this argument.)
@usableFromInline
final class TensorStorage<Scalar: TensorScalar>: ManagedBuffer<TensorStorageHeader<Scalar>, Scalar> {
    // The header is read through its pointer: `ManagedBuffer.header` is a
    // class property, and every access to it would go through the runtime's
    // exclusivity checks (`swift_beginAccess`, about 120 instructions).

    /// The first element: the object's own tail, or a separate block.
    @inlinable var base: UnsafeMutablePointer<Scalar> { withUnsafeMutablePointerToHeader { $0.pointee.base } }
    /// The number of elements.
    @inlinable var count: Int { withUnsafeMutablePointerToHeader { $0.pointee.count } }

    /// Whether `count` elements take a separate, 64-byte aligned block
    /// (4 KiB and more) rather than the object's tail.
    @inlinable
    static func usesSeparateBlock(count: Int) -> Bool {
        Swift.max(count, 1) * MemoryLayout<Scalar>.stride >= BlockCache.minimumBytes
    }

    /// Storage for `count` elements whose contents the caller must write
    /// before reading (Scalar is trivial, so no initialisation is needed).
    @inlinable
    static func uninitialized(count: Int) -> TensorStorage {
        let capacity = Swift.max(count, 1)
        let object: ManagedBuffer<TensorStorageHeader<Scalar>, Scalar>
        if !usesSeparateBlock(count: count) {
            // The tail's address is kept past the closure: it stays valid
            // as long as the object lives (Swift objects do not move), and
            // only a tensor holding the object reads it.
            object = create(minimumCapacity: capacity) { buffer in
                TensorStorageHeader(base: buffer.withUnsafeMutablePointerToElements { $0 }, count: count)
            }
        } else {
            let bytes = capacity * MemoryLayout<Scalar>.stride
            let raw = BlockCache.take(bytes: bytes) ?? UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            let block = raw.bindMemory(to: Scalar.self, capacity: capacity)
            object = create(minimumCapacity: 0) { _ in TensorStorageHeader(base: block, count: count) }
        }
        return unsafeDowncast(object, to: TensorStorage.self)
    }

    @inlinable
    static func repeating(_ value: Scalar, count: Int) -> TensorStorage {
        let storage = uninitialized(count: count)
        storage.base.initialize(repeating: value, count: count)
        return storage
    }

    @inlinable
    static func copying<C: Collection>(_ elements: C) -> TensorStorage where C.Element == Scalar {
        let storage = uninitialized(count: elements.count)
        var i = 0
        for x in elements {
            storage.base[i] = x
            i += 1
        }
        return storage
    }

    @inlinable
    func copy() -> TensorStorage {
        let result = TensorStorage.uninitialized(count: count)
        result.base.update(from: base, count: count)
        return result
    }

    @inlinable
    var buffer: UnsafeBufferPointer<Scalar> { UnsafeBufferPointer(start: base, count: count) }

    // Tail elements are trivial and go with the object; a separate block is
    // given to the cache or freed.
    deinit {
        if TensorStorage.usesSeparateBlock(count: count) {
            let bytes = Swift.max(count, 1) * MemoryLayout<Scalar>.stride
            if !BlockCache.give(UnsafeMutableRawPointer(base), bytes: bytes) {
                UnsafeMutableRawPointer(base).deallocate()
            }
        }
    }
}

/// ``TensorStorage``'s header: where the elements are and how many.
@frozen @usableFromInline
struct TensorStorageHeader<Scalar> {
    @usableFromInline let base: UnsafeMutablePointer<Scalar>
    @usableFromInline let count: Int

    @inlinable
    init(base: UnsafeMutablePointer<Scalar>, count: Int) {
        self.base = base
        self.count = count
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
