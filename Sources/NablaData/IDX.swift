import Foundation
import NablaTensor

/// The contents of an IDX file, the format of the MNIST files.
///
/// An IDX file starts with a magic number `0x0000TTDD` (TT the element type,
/// DD the number of dimensions), then each dimension as a big-endian 32-bit
/// count, then the elements, big-endian, in row-major order.
public struct IDXArray: Sendable, Equatable {
    /// The size of each dimension, e.g. `[60000, 28, 28]` for MNIST images.
    public var dimensions: [Int]
    /// The element type byte: 0x08 unsigned byte, 0x09 signed byte, 0x0B
    /// 16-bit, 0x0C 32-bit integer, 0x0D float, 0x0E double.
    public var type: UInt8
    /// The elements' bytes as stored (big-endian), without the header.
    public var bytes: [UInt8]

    public init(dimensions: [Int], type: UInt8, bytes: [UInt8]) {
        self.dimensions = dimensions
        self.type = type
        self.bytes = bytes
    }

    /// The number of elements: the product of the dimensions.
    public var count: Int { dimensions.reduce(1, *) }

    /// The size in bytes of one element of `type`, or nil for an unknown type.
    public static func elementSize(ofType type: UInt8) -> Int? {
        switch type {
        case 0x08, 0x09: 1
        case 0x0B: 2
        case 0x0C, 0x0D: 4
        case 0x0E: 8
        default: nil
        }
    }

    static func typeName(_ type: UInt8) -> String {
        switch type {
        case 0x08: "unsigned byte"
        case 0x09: "signed byte"
        case 0x0B: "16-bit integer"
        case 0x0C: "32-bit integer"
        case 0x0D: "float"
        case 0x0E: "double"
        default: "unknown"
        }
    }
}

/// What a caller expects of an IDX file, for messages that say what the file
/// should have been.
struct IDXExpectation {
    var type: UInt8
    var rank: Int
    /// "unsigned-byte images"
    var what: String
    var magic: UInt32 { UInt32(type) << 8 | UInt32(rank) }
}

private func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
}

/// Reads an IDX file (gzip-compressed or not).
///
/// - Throws: ``DataError`` naming `path` when the file cannot be read, the
///   magic number is wrong (the first two bytes must be 0), the type byte
///   is unknown, the header is cut short, or the data does not have exactly
///   the length the dimensions declare (truncated, or trailing bytes).
public func readIDX(path: String) throws(DataError) -> IDXArray {
    try readIDX(path: path, expecting: nil)
}

func readIDX(path: String, expecting expected: IDXExpectation?) throws(DataError) -> IDXArray {
    var bytes = try readFile(path: path)
    let expectedText = expected.map { " (expected \(hex($0.magic)) for \($0.what))" } ?? ""
    guard bytes.count >= 4 else {
        throw DataError(
            file: path, problem: "too short for an IDX file: \(bytes.count) bytes, the header needs at least 4")
    }
    let magic = UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
    guard bytes[0] == 0, bytes[1] == 0 else {
        throw DataError(
            file: path,
            problem: "wrong magic number \(hex(magic))"
                + (expectedText.isEmpty ? " (an IDX file starts with two zero bytes)" : expectedText))
    }
    let type = bytes[2], rank = Int(bytes[3])
    guard let elementSize = IDXArray.elementSize(ofType: type) else {
        throw DataError(
            file: path,
            problem: "wrong magic number \(hex(magic)): unknown element type 0x\(String(type, radix: 16))"
                + (expectedText.isEmpty ? " (known: 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e)" : expectedText))
    }
    if let expected, expected.type != type || expected.rank != rank {
        throw DataError(
            file: path,
            problem: "wrong magic number \(hex(magic)) (\(IDXArray.typeName(type)) elements, \(rank) dimensions)"
                + expectedText)
    }
    guard rank > 0 else { throw DataError(file: path, problem: "the header declares no dimensions") }
    let headerSize = 4 + 4 * rank
    guard bytes.count >= headerSize else {
        throw DataError(
            file: path,
            problem: "truncated header: \(rank) dimensions need \(headerSize) header bytes, the file has \(bytes.count)")
    }
    var dimensions: [Int] = []
    var elements = 1
    var overflow = false
    for d in 0..<rank {
        let o = 4 + 4 * d
        let size = Int(bytes[o]) << 24 | Int(bytes[o + 1]) << 16 | Int(bytes[o + 2]) << 8 | Int(bytes[o + 3])
        dimensions.append(size)
        let (product, over) = elements.multipliedReportingOverflow(by: size)
        elements = product
        overflow = overflow || over
    }
    let (dataSize, over) = elements.multipliedReportingOverflow(by: elementSize)
    let available = bytes.count - headerSize
    let shape = dimensions.map(String.init).joined(separator: " × ")
    if overflow || over || dataSize > available {
        throw DataError(
            file: path,
            problem: "truncated data: the header declares \(shape) \(IDXArray.typeName(type)) elements"
                + (overflow || over ? "" : " (\(dataSize) bytes)") + " but only \(available) data bytes follow")
    }
    if dataSize < available {
        throw DataError(
            file: path,
            problem: "\(available - dataSize) unexpected bytes after the data: the header declares \(shape) "
                + "\(IDXArray.typeName(type)) elements (\(dataSize) bytes)")
    }
    bytes.removeFirst(headerSize)
    return IDXArray(dimensions: dimensions, type: type, bytes: bytes)
}

extension Dataset {
    /// The MNIST handwritten digits from the four IDX files in `directory`:
    /// the official split of 60,000 training and 10,000 test images of 28×28
    /// pixels, features scaled /255 to [0, 1], 10 classes.
    ///
    /// The files are `train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
    /// `t10k-images-idx3-ubyte` and `t10k-labels-idx1-ubyte`, each either
    /// plain or gzip-compressed with `.gz` appended (the plain name is tried
    /// first). Any image and label counts work, as long as each pair agrees.
    ///
    /// - Throws: ``DataError`` when a file is missing (naming the paths
    ///   tried), is not an unsigned-byte IDX file of the right rank, the
    ///   image and label counts differ, or a label is above 9.
    public static func mnist(directory: String) throws(DataError) -> DatasetSplit<Scalar> {
        let train = try mnistPart(directory: directory, prefix: "train", name: "mnist (train)")
        let test = try mnistPart(directory: directory, prefix: "t10k", name: "mnist (test)")
        return DatasetSplit(train: train, test: test)
    }

    private static func mnistPart(directory: String, prefix: String, name: String) throws(DataError) -> Dataset {
        let imagesPath = try locate(directory: directory, file: "\(prefix)-images-idx3-ubyte")
        let labelsPath = try locate(directory: directory, file: "\(prefix)-labels-idx1-ubyte")
        let labelsFile = try readIDX(
            path: labelsPath, expecting: IDXExpectation(type: 0x08, rank: 1, what: "unsigned-byte labels"))
        if let bad = labelsFile.bytes.firstIndex(where: { $0 > 9 }) {
            throw DataError(file: labelsPath, problem: "label \(labelsFile.bytes[bad]) of item \(bad) is not a digit 0-9")
        }
        let images = try readIDX(
            path: imagesPath, expecting: IDXExpectation(type: 0x08, rank: 3, what: "unsigned-byte images"))
        let count = images.dimensions[0], width = images.dimensions[1] * images.dimensions[2]
        guard count == labelsFile.dimensions[0] else {
            throw DataError(
                file: imagesPath, problem: "\(count) images but \(labelsFile.dimensions[0]) labels in \(labelsPath)")
        }
        let features: Tensor<Scalar> = unitScaledBytes(images.bytes, shape: [count, width], range: 255)
        return Dataset(unchecked: name, features: features, labels: labelsFile.bytes.map { Int($0) }, classCount: 10)
    }

    /// `directory/file`, or `directory/file.gz` when only that exists.
    private static func locate(directory: String, file: String) throws(DataError) -> String {
        let base = directory.hasSuffix("/") ? directory + file : directory + "/" + file
        var info = stat()
        for candidate in [base, base + ".gz"] where stat(candidate, &info) == 0 { return candidate }
        throw DataError(file: base, problem: "not found (tried \(base) and \(base).gz)")
    }
}

/// Bytes as a tensor of `Scalar(byte) / range`, through a 256-entry table
/// (correctly rounded, and one load per element).
///
/// Callers in other modules reach this module's generic code unspecialised,
/// where a per-element loop over a generic `Scalar` costs a witness call per
/// element; so Float and Double go to specialised copies of the loop.
func unitScaledBytes<Scalar: TensorScalar>(_ bytes: [UInt8], shape: [Int], range: Int) -> Tensor<Scalar> {
    if Scalar.self == Float.self, let t = scaledBytes(bytes, shape, range, Float.self) as? Tensor<Scalar> { return t }
    if Scalar.self == Double.self, let t = scaledBytes(bytes, shape, range, Double.self) as? Tensor<Scalar> { return t }
    return scaledBytes(bytes, shape, range, Scalar.self)
}

private func scaledBytes<T: TensorScalar>(_ bytes: [UInt8], _ shape: [Int], _ range: Int, _: T.Type) -> Tensor<T> {
    let table = (0..<256).map { T($0) / T(range) }
    return table.withUnsafeBufferPointer { lookup in
        bytes.withUnsafeBufferPointer { source in
            Tensor<T>(shape: shape) { target in
                for i in 0..<target.count { target[i] = lookup[Int(source[i])] }
            }
        }
    }
}
