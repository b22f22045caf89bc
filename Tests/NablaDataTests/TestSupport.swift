import Foundation
import NablaData
import Testing

/// The DataError `body` throws, or nil if it throws nothing (another error
/// type fails the test).
func dataError<R>(_ body: () throws -> R, sourceLocation: SourceLocation = #_sourceLocation) -> DataError? {
    do {
        _ = try body()
        return nil
    } catch let error as DataError {
        return error
    } catch {
        Issue.record("expected a DataError, got \(type(of: error)): \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Runs `body` with a fresh empty directory (its path), removed afterwards.
func withTemporaryDirectory<R>(_ body: (String) throws -> R) throws -> R {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("nabla-data-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
    defer { try? FileManager.default.removeItem(at: url) }
    return try body(url.path)
}

/// The names in a directory, sorted.
func listing(_ directory: String) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
}

func writeBytes(_ bytes: [UInt8], _ path: String) throws {
    try Data(bytes).write(to: URL(fileURLWithPath: path))
}

func readBytes(_ path: String) throws -> [UInt8] {
    try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
}

/// The repository's sibling `shared` folder (the data sets live there):
/// this file is Tests/NablaDataTests/TestSupport.swift, three levels below
/// the repository root.
let sharedDirectory: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("shared").path

let mnistDirectory = sharedDirectory + "/data/mnist"
let mnistAvailable = FileManager.default.fileExists(atPath: mnistDirectory + "/train-images-idx3-ubyte.gz")
    || FileManager.default.fileExists(atPath: mnistDirectory + "/train-images-idx3-ubyte")

/// Runs `python3 -c script arguments...`; the exit status and standard output.
func runPython(_ script: String, _ arguments: [String] = []) throws -> (status: Int32, output: String, errors: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script] + arguments
    let output = Pipe(), errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    // Read before waiting, so a full pipe cannot stall the child.
    let out = output.fileHandleForReading.readDataToEndOfFile()
    let err = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
}

/// Whether `python3` with NumPy can run here (the interop tests need it).
let pythonWithNumpy: Bool = (try? runPython("import numpy").status) == 0

/// An IDX file: magic 0x0000TTDD, big-endian dimensions, data.
func idxBytes(type: UInt8, dimensions: [Int], data: [UInt8]) -> [UInt8] {
    var bytes: [UInt8] = [0, 0, type, UInt8(dimensions.count)]
    for d in dimensions { bytes += [UInt8(d >> 24 & 0xFF), UInt8(d >> 16 & 0xFF), UInt8(d >> 8 & 0xFF), UInt8(d & 0xFF)] }
    return bytes + data
}

/// Deterministic pseudo-random bytes.
func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(truncatingIfNeeded: state >> 56)
    }
}
