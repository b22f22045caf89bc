// Datasets (the built-in digits, MNIST IDX files, CSV), the safetensors
// format, gzip reading and writing through zlib, and atomic file writes.
//
// Every problem with a user's file is a `DataError` naming the file and what
// is wrong with it; nothing in this module stops the program on bad data.

/// An error reading or writing user data: names the file and what is wrong.
///
/// The description is `file: problem`, for example
/// `data/train-images-idx3-ubyte: wrong magic number 0x00000801 (expected
/// 0x00000803 for unsigned-byte images)`.
public struct DataError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The path as given, or a name such as `digits (built-in)`.
    public var file: String
    /// What is wrong, without the file name.
    public var problem: String

    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    /// `file: problem`.
    public var description: String { "\(file): \(problem)" }
}
