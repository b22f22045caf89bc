import Testing

@testable import NablaTensor

@Suite("Large tensor blocks are reused")
struct BlockCacheTests {
    /// Large tensors freed and made again (as in a training loop) come back
    /// with the values they were given, from many threads at once, and the
    /// cache stays within its limits.
    @Test func reuseIsCorrectAndBounded() async {
        await withTaskGroup(of: Bool.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var ok = true
                    for round in 0..<50 {
                        // 20,000 Doubles = 160 KB, 40,000 Floats = 160 KB:
                        // both take the cache's path.
                        let value = Double(task * 1000 + round)
                        let a = Tensor<Double>(shape: [100, 200], repeating: value)
                        let b = Tensor<Float>(shape: [200, 200], repeating: Float(value))
                        let c = a.scaled(by: 2)
                        ok = ok && a.scalars.allSatisfy { $0 == value } && b.scalars.allSatisfy { $0 == Float(value) }
                            && c.scalars.allSatisfy { $0 == 2 * value }
                    }
                    return ok
                }
            }
            for await ok in group { #expect(ok) }
        }
        let (blocks, bytes) = BlockCache.state.withLock { ($0.blocks.count, $0.bytes) }
        #expect(blocks <= BlockCache.maximumBlocks && bytes <= BlockCache.maximumBytes)
        #expect(bytes == BlockCache.state.withLock { $0.blocks.reduce(0) { $0 + $1.bytes } })
    }

    /// A block is only handed out again for exactly its size, and a size
    /// above the cache's limit is never kept.
    @Test func exactSizesOnly() {
        let bytes = 100_000 * MemoryLayout<Double>.stride
        do { _ = Tensor<Double>(shape: [100_000], repeating: 1) }
        let cached = BlockCache.state.withLock { $0.blocks.contains { $0.bytes == bytes } }
        #expect(cached)
        // No tensor of this size was ever freed.
        #expect(BlockCache.take(bytes: 65_600) == nil)
        let huge = BlockCache.maximumBytes + 64
        let block = UnsafeMutableRawPointer.allocate(byteCount: huge, alignment: 64)
        #expect(!BlockCache.give(block, bytes: huge))
        block.deallocate()
    }
}
