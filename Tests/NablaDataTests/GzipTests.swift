import Testing

@testable import NablaData

@Suite struct InMemoryGzipTests {
    @Test func decompressesWhatItCompresses() throws {
        var bytes: [UInt8] = []
        for i in 0..<300_000 { bytes.append(UInt8(truncatingIfNeeded: i &* 31 &+ i / 7)) }
        let packed = try gzipCompressed(bytes)
        #expect(packed.count < bytes.count)
        #expect(try gzipDecompressed(packed) == bytes)
        #expect(try gzipDecompressed(try gzipCompressed([])) == [])
    }

    @Test func truncatedOrCorruptStreamsAreErrors() throws {
        let packed = try gzipCompressed(Array("a line of text\n".utf8) + [UInt8](repeating: 7, count: 5000))
        do {
            _ = try gzipDecompressed(Array(packed.prefix(packed.count / 2)), name: "half.gz")
            Issue.record("no error")
        } catch {
            #expect(error.description == "half.gz: the gzip data ends too early")
        }
        var corrupt = packed
        corrupt[0] = 0
        #expect(throws: DataError.self) { try gzipDecompressed(corrupt) }
    }

    @Test func theBuiltInDigitsAreCompiledIn() throws {
        let digits = try Dataset<Float>.digits()
        #expect(digits.count == 1797 && digits.featureCount == 64 && digits.classCount == 10)
    }
}
