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

    /// A block is only handed out again for exactly its size, the oldest
    /// block makes room for a new one, and a size above the cache's limit
    /// is never kept. Checked on a private state: the shared cache is also
    /// fed by every other test running in parallel.
    @Test func exactSizesOldestFirstAndLimits() {
        var state = BlockCache.State()
        func block(_ bytes: Int) -> UInt {
            UInt(bitPattern: UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64))
        }
        let first = block(8_000)
        let keptFirst = state.keep(first, bytes: 8_000)
        let otherSize = state.take(bytes: 8_008)
        let same = state.take(bytes: 8_000)
        let again = state.take(bytes: 8_000)
        #expect(keptFirst && otherSize == nil && same == first && again == nil)
        // Full: the next block pushes out (and frees) the oldest.
        var kept: [UInt] = []
        for i in 0..<BlockCache.maximumBlocks {
            let b = block(4_096 + 64 * i)
            let ok = state.keep(b, bytes: 4_096 + 64 * i)
            #expect(ok)
            kept.append(b)
        }
        let extra = block(100_000)
        let keptExtra = state.keep(extra, bytes: 100_000)
        #expect(keptExtra)
        #expect(state.blocks.count == BlockCache.maximumBlocks)
        let oldest = state.take(bytes: 4_096)
        let second = state.take(bytes: 4_096 + 64)
        #expect(oldest == nil, "the oldest block was not the one freed")
        #expect(second == kept[1])
        #expect(state.bytes == state.blocks.reduce(0) { $0 + $1.bytes })
        // Larger than the whole cache: refused, and nothing is freed for it.
        let count = state.blocks.count
        let huge = BlockCache.maximumBytes + 64
        let keptHuge = state.keep(0, bytes: huge)
        #expect(!keptHuge)
        #expect(state.blocks.count == count)
        // Clean up what is left.
        while let b = state.blocks.first {
            UnsafeMutableRawPointer(bitPattern: b.address)?.deallocate()
            state.blocks.removeFirst()
        }
        UnsafeMutableRawPointer(bitPattern: kept[1])?.deallocate()
        UnsafeMutableRawPointer(bitPattern: first)?.deallocate()
    }

    /// Tensors from 4 KiB up go through the cache and come back intact;
    /// smaller ones do not touch it.
    @Test func tensorsFromFourKiBUp() {
        #expect(BlockCache.minimumBytes == 4_096)
        for count in [1_023, 1_024, 5_000] {  // Floats: 4,092, 4,096 and 20,000 bytes
            for round in 0..<3 {
                let t = Tensor<Float>(shape: [count], repeating: Float(round))
                #expect(t.scalars.allSatisfy { $0 == Float(round) })
            }
        }
    }
}
