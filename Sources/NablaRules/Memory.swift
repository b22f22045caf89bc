#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#elseif canImport(ucrt)
import ucrt
#endif

// Raw memory for the package's hot paths (tape nodes, adjoints, small tensor
// blocks), straight from `malloc`.
//
// Swift's `allocate(capacity:)` and `allocate(byteCount:alignment:)` send
// every request of default alignment through the runtime's aligned path
// (`posix_memalign` on Linux), which costs about 45 more instructions than
// `malloc` and a slower search of the heap: a one-element tensor operation
// allocates one block, so it felt that. `malloc` already aligns to 16 bytes,
// enough for every scalar the package stores; types that need more take
// Swift's allocator. A block from `allocateBlock` is freed with `freeBlock`.

/// Uninitialised memory for `count` values of `T` (at least one), from
/// `malloc` when `T` needs no more than 16-byte alignment.
@inlinable @inline(__always)
package func allocateBlock<T>(of _: T.Type, count: Int) -> UnsafeMutablePointer<T> {
    let bytes = Swift.max(count, 1) * MemoryLayout<T>.stride
    guard MemoryLayout<T>.alignment <= 16 else {
        return UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: MemoryLayout<T>.alignment)
            .bindMemory(to: T.self, capacity: Swift.max(count, 1))
    }
    guard let raw = malloc(bytes) else {
        fatalError("out of memory: could not allocate \(bytes) bytes")
    }
    return raw.bindMemory(to: T.self, capacity: Swift.max(count, 1))
}

/// Frees a block from ``allocateBlock(of:count:)`` (its values must be
/// trivial or already deinitialised).
@inlinable @inline(__always)
package func freeBlock<T>(_ block: UnsafeMutablePointer<T>) {
    guard MemoryLayout<T>.alignment <= 16 else {
        block.deallocate()
        return
    }
    free(block)
}
