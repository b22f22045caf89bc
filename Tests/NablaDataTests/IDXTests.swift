import Foundation
import NablaData
import NablaTensor
import Testing

let imagePixels: [UInt8] = [0, 255, 51, 102, 1, 2, 3, 4, 250, 251, 252, 253]  // 3 images of 2×2
let imageLabels: [UInt8] = [7, 0, 9]

/// A directory with MNIST-named files: plain training files, gzip test files.
func writeMNISTLike(_ directory: String, trainLabels: [UInt8] = imageLabels) throws {
    try writeBytes(idxBytes(type: 0x08, dimensions: [3, 2, 2], data: imagePixels), directory + "/train-images-idx3-ubyte")
    try writeBytes(idxBytes(type: 0x08, dimensions: [trainLabels.count], data: trainLabels), directory + "/train-labels-idx1-ubyte")
    try writeGzip(idxBytes(type: 0x08, dimensions: [3, 2, 2], data: imagePixels.reversed()), to: directory + "/t10k-images-idx3-ubyte.gz")
    try writeGzip(idxBytes(type: 0x08, dimensions: [3], data: imageLabels.reversed()), to: directory + "/t10k-labels-idx1-ubyte.gz")
}

@Suite struct IDXTests {
    @Test func readsRawAndGzip() throws {
        try withTemporaryDirectory { (dir: String) throws in
            let bytes = idxBytes(type: 0x08, dimensions: [3, 2, 2], data: imagePixels)
            try writeBytes(bytes, dir + "/images")
            try writeGzip(bytes, to: dir + "/images.gz")
            #expect(try readBytes(dir + "/images.gz").prefix(2) == [0x1F, 0x8B])
            let raw = try readIDX(path: dir + "/images")
            let gz = try readIDX(path: dir + "/images.gz")
            #expect(raw == gz)
            #expect(raw.dimensions == [3, 2, 2] && raw.type == 0x08 && raw.bytes == imagePixels && raw.count == 12)

            let doubles = idxBytes(type: 0x0E, dimensions: [2], data: [UInt8](repeating: 0x40, count: 16))
            try writeBytes(doubles, dir + "/doubles")
            #expect(try readIDX(path: dir + "/doubles").bytes.count == 16)
        }
    }

    @Test func headerErrors() throws {
        try withTemporaryDirectory { (dir: String) throws in
            let path = dir + "/bad"
            func problem(_ bytes: [UInt8]) throws -> String? {
                try writeBytes(bytes, path)
                let error = dataError { try readIDX(path: path) }
                #expect(error?.file == path)
                return error?.problem
            }
            var wrongMagic = idxBytes(type: 0x08, dimensions: [3], data: imageLabels)
            wrongMagic[0] = 0x12
            wrongMagic[1] = 0x34
            #expect(try problem(wrongMagic)?.hasPrefix("wrong magic number 0x12340801") == true)
            #expect(try problem(idxBytes(type: 0x07, dimensions: [3], data: imageLabels))?
                .contains("unknown element type 0x7") == true)
            #expect(try problem(idxBytes(type: 0x08, dimensions: [3, 2, 2], data: Array(imagePixels[0..<10])))
                == "truncated data: the header declares 3 × 2 × 2 unsigned byte elements (12 bytes) but only 10 data bytes follow")
            #expect(try problem(idxBytes(type: 0x0C, dimensions: [3], data: [UInt8](repeating: 0, count: 8)))?
                .hasPrefix("truncated data") == true)
            #expect(try problem(idxBytes(type: 0x08, dimensions: [3], data: imageLabels + [1, 2]))
                == "2 unexpected bytes after the data: the header declares 3 unsigned byte elements (3 bytes)")
            #expect(try problem([0, 0, 8, 3, 0, 0, 0, 3])?.hasPrefix("truncated header") == true)
            #expect(try problem([0, 0])?.hasPrefix("too short") == true)
            #expect(try problem([])?.hasPrefix("too short") == true)
            // Enormous dimensions must not overflow or allocate.
            #expect(try problem(idxBytes(type: 0x0E, dimensions: [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF], data: []))?
                .hasPrefix("truncated data") == true)
            // Random garbage, with and without a gzip signature.
            var garbage = randomBytes(5000, seed: 1)
            garbage[0] = 0xAB
            #expect(try problem(garbage)?.hasPrefix("wrong magic number 0xab") == true)
            garbage[0] = 0x1F
            garbage[1] = 0x8B
            #expect(try problem(garbage)?.contains("gzip") == true)
        }
    }

    @Test func missingFile() {
        let error = dataError { try readIDX(path: "/nonexistent/nabla/images") }
        #expect(error == DataError(file: "/nonexistent/nabla/images", problem: "cannot open: No such file or directory"))
    }

    @Test func mnistFromDirectory() throws {
        try withTemporaryDirectory { (dir: String) throws in
            try writeMNISTLike(dir)
            let split = try Dataset<Float>.mnist(directory: dir)
            #expect(split.train.features.shape == [3, 4])
            #expect(split.train.features.scalars == imagePixels.map { Float($0) / 255 })
            #expect(split.train.labels == [7, 0, 9])
            #expect(split.train.classCount == 10 && split.test.classCount == 10)
            #expect(split.train.name == "mnist (train)" && split.test.name == "mnist (test)")
            #expect(split.test.features.scalars == imagePixels.reversed().map { Float($0) / 255 })
            #expect(split.test.labels == [9, 0, 7])
            let viaSource = try DataSource.mnist(directory: dir + "/").load(as: Double.self)
            #expect(viaSource.test.labels == [9, 0, 7])
        }
    }

    @Test func mnistErrors() throws {
        try withTemporaryDirectory { (dir: String) throws in
            try writeMNISTLike(dir, trainLabels: [1, 2])
            let mismatch = dataError { try Dataset<Float>.mnist(directory: dir) }
            #expect(mismatch?.file == dir + "/train-images-idx3-ubyte")
            #expect(mismatch?.problem == "3 images but 2 labels in \(dir)/train-labels-idx1-ubyte")

            try writeMNISTLike(dir, trainLabels: [1, 2, 10])
            #expect(dataError { try Dataset<Float>.mnist(directory: dir) }?.problem == "label 10 of item 2 is not a digit 0-9")

            // Images where labels belong.
            try writeBytes(idxBytes(type: 0x08, dimensions: [3, 2, 2], data: imagePixels), dir + "/train-labels-idx1-ubyte")
            #expect(dataError { try Dataset<Float>.mnist(directory: dir) }?.problem
                == "wrong magic number 0x00000803 (unsigned byte elements, 3 dimensions) (expected 0x00000801 for unsigned-byte labels)")

            try writeMNISTLike(dir)
            try FileManager.default.removeItem(atPath: dir + "/t10k-labels-idx1-ubyte.gz")
            let missing = dataError { try Dataset<Float>.mnist(directory: dir) }
            #expect(missing?.file == dir + "/t10k-labels-idx1-ubyte")
            #expect(missing?.problem == "not found (tried \(dir)/t10k-labels-idx1-ubyte and \(dir)/t10k-labels-idx1-ubyte.gz)")
        }
    }
}

@Suite struct GzipTests {
    @Test func roundTrip() throws {
        try withTemporaryDirectory { (dir: String) throws in
            for count in [0, 1, 1000, 3_000_000] {
                let bytes = randomBytes(count, seed: UInt64(count)).map { $0 & 0x0F }
                try writeGzip(bytes, to: dir + "/data.gz")
                #expect(try readFile(path: dir + "/data.gz") == bytes)
                try writeBytes(bytes, dir + "/data")
                #expect(try readFile(path: dir + "/data") == bytes)
            }
            #expect(try listing(dir) == ["data", "data.gz"])
        }
    }

    @Test func truncatedAndCorrupt() throws {
        try withTemporaryDirectory { (dir: String) throws in
            let bytes = randomBytes(200_000, seed: 5)
            let compressed = try gzipCompressed(bytes)
            try writeBytes(Array(compressed[..<(compressed.count / 2)]), dir + "/half.gz")
            let half = dataError { try readFile(path: dir + "/half.gz") }
            #expect(half?.file == dir + "/half.gz")
            #expect(half?.problem.hasPrefix("truncated gzip file") == true)

            // Only the 8-byte trailer (CRC and size) missing.
            try writeBytes(Array(compressed.dropLast(8)), dir + "/notrailer.gz")
            #expect(dataError { try readFile(path: dir + "/notrailer.gz") }?.problem.hasPrefix("truncated gzip file") == true)

            var flipped = compressed
            flipped[flipped.count / 2] ^= 0xFF
            try writeBytes(flipped, dir + "/flipped.gz")
            #expect(dataError { try readFile(path: dir + "/flipped.gz") }?.problem.hasPrefix("corrupt gzip data") == true)

            var badCRC = compressed
            badCRC[badCRC.count - 6] ^= 0x01
            try writeBytes(badCRC, dir + "/crc.gz")
            #expect(dataError { try readFile(path: dir + "/crc.gz") }?.problem.hasPrefix("corrupt gzip data") == true)
        }
    }

    @Test func unreadablePaths() throws {
        try withTemporaryDirectory { (dir: String) throws in
            #expect(dataError { try readFile(path: dir) } == DataError(file: dir, problem: "is a directory, not a file"))
            #expect(dataError { try readFile(path: dir + "/none") }?.problem == "cannot open: No such file or directory")
        }
    }
}

@Suite struct MNISTFileTests {
    /// The real MNIST files in ../shared/data/mnist (gzip, 47 MB of training
    /// images), skipped where they are absent.
    @Test(.enabled(if: mnistAvailable, "needs the MNIST files in ../shared/data/mnist"))
    func officialSplit() throws {
        let clock = ContinuousClock()
        let start = clock.now
        let split = try Dataset<Float>.mnist(directory: mnistDirectory)
        let elapsed = clock.now - start
        print("MNIST: loaded 70,000 images in \(elapsed)")
        #expect(split.train.count == 60_000 && split.test.count == 10_000)
        #expect(split.train.featureCount == 784 && split.test.featureCount == 784)
        #expect(split.train.labels.first == 5 && split.test.labels.first == 7)
        #expect(split.train.classCount == 10)
        #expect(split.train.classCounts == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949])
        split.train.features.withUnsafeBufferPointer { pixels in
            #expect(pixels.min() == 0 && pixels.max() == 1)
        }
        split.test.features.withUnsafeBufferPointer { pixels in
            #expect(pixels.allSatisfy { $0 >= 0 && $0 <= 1 })
        }
    }
}
