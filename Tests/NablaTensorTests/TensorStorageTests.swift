import Testing

@testable import NablaTensor

@Suite("Tensor storage: small tensors in one allocation, large ones aligned")
struct TensorStorageTests {
    /// Below 4 KiB the elements follow the storage object's header (one
    /// allocation per tensor); from 4 KiB up they are a separate 64-byte
    /// aligned block. Either way the values are right and aligned for the
    /// scalar type.
    @Test(arguments: [1, 3, 511, 512, 1_023, 1_024, 5_000])
    func placementAndAlignment(count: Int) {
        check(Float.self, count)
        check(Double.self, count)
    }

    func check<T: TensorScalar>(_: T.Type, _ count: Int) {
        let t = Tensor<T>(shape: [count], repeating: 3)
        let storage = t.storage
        let address = UInt(bitPattern: storage.base)
        let object = UInt(bitPattern: Unmanaged.passUnretained(storage).toOpaque())
        let bytes = count * MemoryLayout<T>.stride
        #expect(address % UInt(MemoryLayout<T>.alignment) == 0, "\(T.self) × \(count)")
        if bytes < BlockCache.minimumBytes {
            // In the object, right after Swift's object header (16 bytes)
            // and the storage's own (a pointer and a count).
            #expect(address == object + 32, "\(T.self) × \(count): tail storage")
        } else {
            #expect(address % 64 == 0, "\(T.self) × \(count): 64-byte aligned block")
        }
        #expect(storage.count == count)
        #expect(t.scalars.allSatisfy { $0 == 3 })
    }

    /// Copy on write holds for tail storage: writing to a copy leaves the
    /// original alone, and a uniquely held tensor is written in place.
    @Test func copyOnWrite() {
        let original = Tensor<Double>([1, 2, 3])
        var copy = original
        copy.withUnsafeMutableBufferPointer { $0[0] = 10 }
        #expect(original.scalars == [1, 2, 3])
        #expect(copy.scalars == [10, 2, 3])
        let before = UInt(bitPattern: copy.storage.base)
        copy.withUnsafeMutableBufferPointer { $0[1] = 20 }
        #expect(UInt(bitPattern: copy.storage.base) == before)
        #expect(copy.scalars == [10, 20, 3])
    }
}
