import NablaTensor

/// A labelled classification dataset: one row of features per sample and an
/// integer class label for each.
///
/// Loaders scale features to [0, 1] when the source has a known range
/// (digits /16, MNIST /255; CSV files as ``csv(path:labelColumn:name:scaling:)``
/// documents). Labels are in `0..<classCount`.
public struct Dataset<Scalar: TensorScalar>: Sendable {
    /// A short name for messages and reports ("digits", "mnist (train)").
    public var name: String
    /// Shape `[count, featureCount]`, row-major: row i is sample i.
    public var features: Tensor<Scalar>
    /// One label per row, each in `0..<classCount`.
    public var labels: [Int]
    /// The number of classes (at least the largest label + 1).
    public var classCount: Int

    /// The number of samples.
    public var count: Int { labels.count }
    /// The number of features per sample.
    public var featureCount: Int { features.rank == 2 ? features.shape[1] : 0 }

    /// A dataset from features of shape `[count, featureCount]` and one label
    /// per row.
    ///
    /// - Parameter classCount: the number of classes; `nil` takes the
    ///   largest label + 1 (0 for an empty dataset).
    /// - Throws: ``DataError`` (file: `name`) when the features are not a
    ///   matrix, the row and label counts differ, a label is negative, or
    ///   `classCount` is not above every label.
    public init(name: String, features: Tensor<Scalar>, labels: [Int], classCount: Int? = nil) throws(DataError) {
        guard features.rank == 2 else {
            throw DataError(
                file: name, problem: "features must have shape [count, featureCount], got shape \(features.shape)")
        }
        guard features.shape[0] == labels.count else {
            throw DataError(
                file: name, problem: "\(features.shape[0]) rows of features but \(labels.count) labels")
        }
        if let bad = labels.firstIndex(where: { $0 < 0 }) {
            throw DataError(file: name, problem: "label \(labels[bad]) of sample \(bad) is negative")
        }
        let largest = labels.max() ?? -1
        if let classCount, classCount <= largest {
            throw DataError(
                file: name, problem: "class count \(classCount) is too small for label \(largest)")
        }
        self.init(unchecked: name, features: features, labels: labels, classCount: classCount ?? largest + 1)
    }

    init(unchecked name: String, features: Tensor<Scalar>, labels: [Int], classCount: Int) {
        self.name = name
        self.features = features
        self.labels = labels
        self.classCount = classCount
    }

    /// The samples at `indices`, in that order (repeats allowed), with the
    /// same name and class count. Precondition: every index is in `0..<count`.
    public func subset(_ indices: [Int]) -> Dataset {
        var rows = Tensor<Scalar>(shape: [0, featureCount], repeating: 0)
        var subsetLabels: [Int] = []
        gather(indices[...], features: &rows, labels: &subsetLabels)
        return Dataset(unchecked: name, features: rows, labels: subsetLabels, classCount: classCount)
    }

    /// Copies the rows `indices` into `features` and their labels into
    /// `labels`, for minibatches.
    ///
    /// `features` ends with shape `[indices.count, featureCount]`; when it
    /// already has that shape and its storage is not shared, it is reused, so
    /// a training loop that keeps one batch tensor allocates nothing here.
    /// `labels` keeps its capacity. Precondition: every index is in `0..<count`.
    public func gather(_ indices: ArraySlice<Int>, features batch: inout Tensor<Scalar>, labels batchLabels: inout [Int]) {
        let width = featureCount
        let rows = count
        for i in indices {
            precondition(i >= 0 && i < rows, "Dataset.gather: index \(i) is out of range 0..<\(rows) in \(name)")
        }
        if batch.shape != [indices.count, width] {
            batch = Tensor(shape: [indices.count, width], repeating: 0)
        }
        // Raw byte copies: fast even in unspecialised generic code.
        let rowBytes = width * MemoryLayout<Scalar>.stride
        features.withUnsafeBufferPointer { source in
            batch.withUnsafeMutableBufferPointer { target in
                guard let from = UnsafeRawPointer(source.baseAddress),
                    let to = UnsafeMutableRawPointer(target.baseAddress)
                else { return }
                var row = 0
                for i in indices {
                    (to + row * rowBytes).copyMemory(from: from + i * rowBytes, byteCount: rowBytes)
                    row += 1
                }
            }
        }
        batchLabels.removeAll(keepingCapacity: true)
        for i in indices { batchLabels.append(labels[i]) }
    }

    /// The samples in an order fixed by `seed` (see ``split(testFraction:seed:)``
    /// for the generator).
    public func shuffled(seed: UInt64) -> Dataset {
        var generator = SeededGenerator(seed: seed)
        var order = Array(0..<count)
        shuffle(&order, using: &generator)
        return subset(order)
    }

    /// Splits into a training and a test set, shuffled with
    /// `SeededGenerator(seed:)`: the same seed gives the same split on every
    /// platform (the shuffle is this module's Fisher–Yates, not the
    /// standard library's, whose algorithm may change).
    ///
    /// The split is stratified: each class's samples are shuffled and the
    /// test set takes `testFraction` of them (rounded so that the test set
    /// has `round(testFraction · count)` samples in all and each class is
    /// within one sample of its exact share; largest remainders get the
    /// extra samples). Both sets are then shuffled, so neither is ordered by
    /// class. They keep the class count and are named "NAME (train)" and
    /// "NAME (test)".
    ///
    /// Precondition: `testFraction` is in [0, 1].
    public func split(testFraction: Double, seed: UInt64) -> (train: Dataset, test: Dataset) {
        precondition(
            testFraction >= 0 && testFraction <= 1,
            "Dataset.split: testFraction must be in [0, 1], got \(testFraction)")
        var generator = SeededGenerator(seed: seed)
        var byClass = [[Int]](repeating: [], count: classCount)
        for (i, label) in labels.enumerated() { byClass[label].append(i) }

        // Largest-remainder allocation of the test set over the classes.
        let exact = byClass.map { Double($0.count) * testFraction }
        var take = exact.map { Int($0.rounded(.down)) }
        let target = Int((Double(count) * testFraction).rounded())
        var missing = target - take.reduce(0, +)
        let order = exact.indices.sorted {
            let a = exact[$0] - exact[$0].rounded(.down), b = exact[$1] - exact[$1].rounded(.down)
            return a != b ? a > b : $0 < $1
        }
        for c in order where missing > 0 && take[c] < byClass[c].count {
            take[c] += 1
            missing -= 1
        }

        var train: [Int] = [], test: [Int] = []
        train.reserveCapacity(count - target)
        test.reserveCapacity(target)
        for c in byClass.indices {
            shuffle(&byClass[c], using: &generator)
            test += byClass[c][..<take[c]]
            train += byClass[c][take[c]...]
        }
        shuffle(&train, using: &generator)
        shuffle(&test, using: &generator)
        var trainSet = subset(train), testSet = subset(test)
        trainSet.name = "\(name) (train)"
        testSet.name = "\(name) (test)"
        return (trainSet, testSet)
    }

    /// The same dataset with features of another scalar type (each value
    /// rounded to the nearest `Other`).
    public func converted<Other: TensorScalar>(to: Other.Type) -> Dataset<Other> {
        Dataset<Other>(
            unchecked: name, features: features.convertedElements(to: Other.self), labels: labels,
            classCount: classCount)
    }

    /// The number of samples of each class, indexed by label.
    public var classCounts: [Int] {
        var counts = [Int](repeating: 0, count: classCount)
        for label in labels { counts[label] += 1 }
        return counts
    }
}

/// A training set and a test set, as a source provides them.
public struct DatasetSplit<Scalar: TensorScalar>: Sendable {
    public var train: Dataset<Scalar>
    public var test: Dataset<Scalar>

    public init(train: Dataset<Scalar>, test: Dataset<Scalar>) {
        self.train = train
        self.test = test
    }

    /// Both sets with features of another scalar type.
    public func converted<Other: TensorScalar>(to: Other.Type) -> DatasetSplit<Other> {
        DatasetSplit<Other>(train: train.converted(to: Other.self), test: test.converted(to: Other.self))
    }
}

/// Fisher–Yates with an unbiased bounded draw (Lemire's method), written out
/// so the permutation for a seed never changes with the Swift version.
func shuffle(_ values: inout [Int], using generator: inout SeededGenerator) {
    guard values.count > 1 else { return }
    for i in stride(from: values.count - 1, to: 0, by: -1) {
        let j = Int(uniformBelow(UInt64(i + 1), using: &generator))
        values.swapAt(i, j)
    }
}

/// A uniform integer in `0..<bound` (bound > 0).
func uniformBelow(_ bound: UInt64, using generator: inout SeededGenerator) -> UInt64 {
    var product = generator.next().multipliedFullWidth(by: bound)
    if product.low < bound {
        let threshold = (0 &- bound) % bound
        while product.low < threshold { product = generator.next().multipliedFullWidth(by: bound) }
    }
    return product.high
}

extension Tensor {
    /// The elements converted to another scalar type (the same storage when
    /// the types agree). Float and Double run specialised loops (see
    /// `unitScaledBytes`).
    func convertedElements<Other: TensorScalar>(to: Other.Type) -> Tensor<Other> {
        if let same = self as? Tensor<Other> { return same }
        if let floats = self as? Tensor<Float>, let t = floats.converting(to: Double.self) as? Tensor<Other> { return t }
        if let doubles = self as? Tensor<Double>, let t = doubles.converting(to: Float.self) as? Tensor<Other> { return t }
        return converting(to: Other.self)
    }

    private func converting<Other: TensorScalar>(to: Other.Type) -> Tensor<Other> {
        withUnsafeBufferPointer { source in
            Tensor<Other>(shape: shape) { target in
                for i in source.indices { target[i] = Other(source[i]) }
            }
        }
    }
}

/// `values` (row-major, `shape`) as a tensor of `Scalar`, with specialised
/// loops for Float and Double.
func tensorFromDoubles<Scalar: TensorScalar>(_ values: [Double], shape: [Int]) -> Tensor<Scalar> {
    Tensor<Double>(shape: shape) { target in
        values.withUnsafeBufferPointer { source in
            guard let from = source.baseAddress, let to = target.baseAddress else { return }
            to.initialize(from: from, count: target.count)
        }
    }.convertedElements(to: Scalar.self)
}
