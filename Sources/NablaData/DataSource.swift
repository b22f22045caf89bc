import NablaTensor

/// Where data comes from, as the command line's `--data` value names it:
/// `digits`, `mnist:DIR` or `csv:FILE`.
public enum DataSource: Equatable, Sendable, CustomStringConvertible {
    /// The built-in 8×8 digits (``Dataset/digits()``).
    case digits
    /// The MNIST IDX files in a directory (``Dataset/mnist(directory:)``).
    case mnist(directory: String)
    /// A CSV file, label in the last column (``Dataset/csv(path:labelColumn:name:scaling:)``).
    case csv(path: String)

    /// The forms accepted, for messages.
    public static let forms =
        "digits (the built-in 8×8 digits), mnist:DIR (a directory with the MNIST IDX files), "
        + "csv:FILE (a CSV file of numbers, label in the last column)"

    /// Parses `digits`, `mnist:DIR` or `csv:FILE` (the scheme in any case).
    ///
    /// - Throws: ``DataError`` (file: the text) for anything else, listing
    ///   the three forms, or for an empty directory or file name.
    public init(parsing text: String) throws(DataError) {
        let colon = text.firstIndex(of: ":")
        let scheme = (colon.map { String(text[..<$0]) } ?? text).lowercased()
        let rest = colon.map { String(text[text.index(after: $0)...]) }
        switch (scheme, rest) {
        case ("digits", nil):
            self = .digits
        case ("mnist", let directory?) where !directory.isEmpty:
            self = .mnist(directory: directory)
        case ("csv", let path?) where !path.isEmpty:
            self = .csv(path: path)
        case ("mnist", _):
            throw DataError(file: text, problem: "mnist needs a directory: mnist:DIR")
        case ("csv", _):
            throw DataError(file: text, problem: "csv needs a file: csv:FILE")
        default:
            throw DataError(file: text, problem: "unknown data source; use one of: \(Self.forms)")
        }
    }

    /// The text form that ``init(parsing:)`` reads back.
    public var description: String {
        switch self {
        case .digits: "digits"
        case .mnist(let directory): "mnist:\(directory)"
        case .csv(let path): "csv:\(path)"
        }
    }

    /// Loads the data and splits it into training and test sets.
    ///
    /// - digits: the built-in 1,797 samples (/16), split with
    ///   ``Dataset/split(testFraction:seed:)``, test fraction 0.2.
    /// - mnist: the official 60,000/10,000 split, pixels /255 (the seed is
    ///   not used).
    /// - csv: label in the last column, scaled as ``FeatureScaling/automatic``
    ///   says, stratified split with test fraction 0.2.
    public func load<Scalar: TensorScalar>(as: Scalar.Type, seed: UInt64 = 42) throws(DataError) -> DatasetSplit<Scalar> {
        switch self {
        case .digits:
            let (train, test) = try Dataset<Scalar>.digits().split(testFraction: 0.2, seed: seed)
            return DatasetSplit(train: train, test: test)
        case .mnist(let directory):
            return try Dataset<Scalar>.mnist(directory: directory)
        case .csv(let path):
            let (train, test) = try Dataset<Scalar>.csv(path: path).split(testFraction: 0.2, seed: seed)
            return DatasetSplit(train: train, test: test)
        }
    }
}
