import NablaData
import NablaTensor
import Testing

/// The digits' per-class counts and first row, from NumPy on the CSV:
/// `numpy.bincount(labels)` and `rows[0]`.
let digitsClassCounts = [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
let digitsFirstRow: [Double] = [
    0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0, 0, 3, 15, 2, 0, 11, 8, 0, 0, 4, 12, 0, 0, 8, 8, 0,
    0, 5, 8, 0, 0, 9, 8, 0, 0, 4, 11, 0, 1, 12, 7, 0, 0, 2, 14, 5, 10, 12, 0, 0, 0, 0, 6, 13, 10, 0, 0, 0,
]

/// Rows as text with their labels, sorted: equal for two datasets holding
/// the same samples in any order.
func sampleMultiset<S: TensorScalar>(_ data: Dataset<S>) -> [String] {
    let values = data.features.scalars
    let width = data.featureCount
    return (0..<data.count).map { i in "\(data.labels[i]):\(values[(i * width)..<((i + 1) * width)])" }.sorted()
}

@Suite struct DigitsTests {
    @Test func shapeClassesAndValues() throws {
        let digits = try Dataset<Float>.digits()
        #expect(digits.name == "digits")
        #expect(digits.count == 1797)
        #expect(digits.featureCount == 64)
        #expect(digits.features.shape == [1797, 64])
        #expect(digits.classCount == 10)
        #expect(digits.classCounts == digitsClassCounts)
        let values = digits.features.scalars
        #expect(values.allSatisfy { $0 >= 0 && $0 <= 1 })
        #expect(values.max() == 1)
        #expect(Array(values[0..<64]) == digitsFirstRow.map { Float($0 / 16) })
        #expect(digits.labels.prefix(10) == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    }

    @Test func splitIsStratifiedDeterministicAndComplete() throws {
        let digits = try Dataset<Double>.digits()
        let (train, test) = digits.split(testFraction: 0.2, seed: 7)
        #expect(test.count == 359)  // round(0.2 · 1797)
        #expect(train.count == 1797 - 359)
        #expect(train.name == "digits (train)" && test.name == "digits (test)")
        #expect(train.classCount == 10 && test.classCount == 10)
        for (c, n) in digitsClassCounts.enumerated() {
            #expect(abs(Double(test.classCounts[c]) - 0.2 * Double(n)) <= 1, "class \(c)")
            #expect(train.classCounts[c] + test.classCounts[c] == n)
        }
        // Not ordered by class.
        #expect(test.labels != test.labels.sorted())

        let again = digits.split(testFraction: 0.2, seed: 7)
        #expect(again.train.labels == train.labels && again.test.labels == test.labels)
        #expect(again.train.features.scalars == train.features.scalars)
        #expect(again.test.features.scalars == test.features.scalars)

        let other = digits.split(testFraction: 0.2, seed: 8)
        #expect(other.test.labels != test.labels)
        #expect(other.test.features.scalars != test.features.scalars)

        #expect((sampleMultiset(train) + sampleMultiset(test)).sorted() == sampleMultiset(digits))
    }

    @Test func splitEdgeFractions() throws {
        let data = try Dataset(
            name: "tiny", features: Tensor<Float>(shape: [5, 1], scalars: [0, 1, 2, 3, 4]), labels: [0, 0, 1, 1, 1])
        let none = data.split(testFraction: 0, seed: 1)
        #expect(none.test.count == 0 && none.train.count == 5)
        let all = data.split(testFraction: 1, seed: 1)
        #expect(all.test.count == 5 && all.train.count == 0)
        let half = data.split(testFraction: 0.5, seed: 1)
        #expect(half.test.count == 3 || half.test.count == 2)
        #expect(half.test.classCounts.allSatisfy { $0 >= 1 })
    }
}

@Suite struct DatasetTests {
    func small() throws -> Dataset<Float> {
        try Dataset(
            name: "small", features: Tensor(shape: [4, 2], scalars: [0, 1, 10, 11, 20, 21, 30, 31]),
            labels: [0, 1, 2, 1])
    }

    @Test func initValidates() throws {
        let data = try small()
        #expect(data.count == 4 && data.featureCount == 2 && data.classCount == 3)
        let explicit = try Dataset(name: "x", features: data.features, labels: data.labels, classCount: 5)
        #expect(explicit.classCount == 5)

        #expect(dataError { try Dataset(name: "x", features: Tensor<Float>([1, 2]), labels: [0, 1]) }?.problem
            .contains("shape [count, featureCount]") == true)
        #expect(dataError { try Dataset(name: "x", features: data.features, labels: [0, 1]) }?.problem
            == "4 rows of features but 2 labels")
        #expect(dataError { try Dataset(name: "x", features: data.features, labels: [0, -1, 0, 0]) }?.problem
            == "label -1 of sample 1 is negative")
        #expect(dataError { try Dataset(name: "x", features: data.features, labels: data.labels, classCount: 2) }?
            .description == "x: class count 2 is too small for label 2")
        let empty = try Dataset(name: "e", features: Tensor<Float>(shape: [0, 3], repeating: 0), labels: [])
        #expect(empty.count == 0 && empty.featureCount == 3 && empty.classCount == 0)
    }

    @Test func subsetAndGather() throws {
        let data = try small()
        let picked = data.subset([3, 0, 3])
        #expect(picked.features.scalars == [30, 31, 0, 1, 30, 31])
        #expect(picked.labels == [1, 0, 1])
        #expect(picked.classCount == 3)

        var batch = Tensor<Float>(shape: [2, 2], repeating: -1)
        var labels: [Int] = []
        let before = batch.withUnsafeBufferPointer { $0.baseAddress }
        data.gather([2, 1][...], features: &batch, labels: &labels)
        #expect(batch.scalars == [20, 21, 10, 11])
        #expect(labels == [2, 1])
        // Same shape: the batch tensor's storage is reused.
        data.gather([0, 3][...], features: &batch, labels: &labels)
        #expect(batch.withUnsafeBufferPointer { $0.baseAddress } == before)
        #expect(batch.scalars == [0, 1, 30, 31])
        #expect(labels == [0, 1])
        // Another shape: reallocated.
        let indices = [0, 1, 2, 3, 2]
        data.gather(indices[1...], features: &batch, labels: &labels)
        #expect(batch.shape == [4, 2])
        #expect(labels == [1, 2, 1, 2])
    }

    @Test func convertedAndShuffled() throws {
        let data = try small()
        let double = data.converted(to: Double.self)
        #expect(double.features.scalars == [0, 1, 10, 11, 20, 21, 30, 31])
        #expect(double.labels == data.labels && double.classCount == 3 && double.name == "small")
        let shuffled = data.shuffled(seed: 3)
        #expect(shuffled.labels.sorted() == data.labels.sorted())
        #expect(sampleMultiset(shuffled) == sampleMultiset(data))
        #expect(data.shuffled(seed: 3).labels == shuffled.labels)
    }
}

@Suite struct DataSourceTests {
    @Test func parsing() throws {
        #expect(try DataSource(parsing: "digits") == .digits)
        #expect(try DataSource(parsing: "DIGITS") == .digits)
        #expect(try DataSource(parsing: "mnist:/data/mnist") == .mnist(directory: "/data/mnist"))
        #expect(try DataSource(parsing: "csv:a:b.csv") == .csv(path: "a:b.csv"))
        for text in ["digits", "mnist:dir", "csv:file.csv"] {
            #expect(try DataSource(parsing: text).description == text)
        }
        let unknown = dataError { try DataSource(parsing: "imagenet") }
        #expect(unknown?.file == "imagenet")
        #expect(unknown?.problem.contains("digits") == true)
        #expect(unknown?.problem.contains("mnist:DIR") == true)
        #expect(unknown?.problem.contains("csv:FILE") == true)
        #expect(dataError { try DataSource(parsing: "mnist:") }?.problem == "mnist needs a directory: mnist:DIR")
        #expect(dataError { try DataSource(parsing: "csv") }?.problem == "csv needs a file: csv:FILE")
        #expect(dataError { try DataSource(parsing: "digits:x") } != nil)
    }

    @Test func loadDigits() throws {
        let split = try DataSource.digits.load(as: Float.self, seed: 42)
        #expect(split.train.count == 1438 && split.test.count == 359)
        #expect(split.train.featureCount == 64 && split.test.classCount == 10)
        let again = try DataSource.digits.load(as: Float.self)
        #expect(again.test.labels == split.test.labels)
    }

    @Test func loadErrorsNameTheFile() throws {
        let error = dataError { try DataSource.csv(path: "/nonexistent/data.csv").load(as: Float.self) }
        #expect(error?.file == "/nonexistent/data.csv")
        #expect(error?.problem.contains("No such file or directory") == true)
        let mnist = dataError { try DataSource.mnist(directory: "/nonexistent").load(as: Double.self) }
        #expect(mnist?.file == "/nonexistent/train-images-idx3-ubyte")
    }
}
