import NablaTensor
import Testing

@Suite("Reductions")
struct ReductionTests {
    func reductions<S: TensorScalar>(_: S.Type) throws {
        // [2, 3, 4] holding 0..<24.
        let t = try Tensor<S>.range(from: 0, to: 24).reshaped(to: [2, 3, 4])
        #expect(t.sum().shape == [] && t.sum().scalar == 276)
        #expect(t.mean().scalar == 11.5)
        #expect(t.max().scalar == 23 && t.min().scalar == 0)

        let s0 = t.sum(alongAxis: 0)
        #expect(s0.shape == [3, 4])
        let columnSums: [S] = (0..<12).map { S(2 * $0 + 12) }
        #expect(s0.scalars == columnSums)
        let s1 = t.sum(alongAxis: 1, keepingDimensions: true)
        #expect(s1.shape == [2, 1, 4])
        #expect(s1.scalars == [12, 15, 18, 21, 48, 51, 54, 57])
        let s2 = t.sum(alongAxis: -1)
        #expect(s2.shape == [2, 3])
        #expect(s2.scalars == [6, 22, 38, 54, 70, 86])
        #expect(t.sum(alongAxis: 2, keepingDimensions: true).shape == [2, 3, 1])

        #expect(t.mean(alongAxis: 1).scalars == [4, 5, 6, 7, 16, 17, 18, 19])
        #expect(t.mean(alongAxis: 2, keepingDimensions: true).shape == [2, 3, 1])
        let upper: [S] = (12..<24).map { S($0) }
        #expect(t.max(alongAxis: 0).scalars == upper)
        #expect(t.max(alongAxis: 2).scalars == [3, 7, 11, 15, 19, 23])
        #expect(t.min(alongAxis: 1, keepingDimensions: true).scalars == [0, 1, 2, 3, 12, 13, 14, 15])
        #expect(t.min(alongAxis: -1).scalars == [0, 4, 8, 12, 16, 20])

        // A long contiguous line exercises the four-accumulator sum.
        let long = Tensor<S>.ones(shape: [3, 1003])
        #expect(long.sum(alongAxis: 1).scalars == [1003, 1003, 1003])
        #expect(long.sum().scalar == 3009)

        // Empty axes: sums are 0, means NaN.
        let empty = Tensor<S>.zeros(shape: [2, 0])
        #expect(empty.sum(alongAxis: 1).scalars == [0, 0])
        #expect(empty.sum().scalar == 0)
        let emptyMeans = empty.mean(alongAxis: 1).scalars
        #expect(emptyMeans.count == 2 && emptyMeans.allSatisfy { $0.isNaN })
        #expect(empty.sum(alongAxis: 0).shape == [0])
        #expect(empty.max(alongAxis: 0).shape == [0])

        // NaN propagates through max and min.
        let withNaN = try Tensor<S>([[1, S.nan], [3, 4]])
        #expect(withNaN.max(alongAxis: 1).scalars[0].isNaN)
        #expect(withNaN.max(alongAxis: 1).scalars[1] == 4)
        #expect(withNaN.min(alongAxis: 0).scalars[1].isNaN)
        #expect(withNaN.max().scalar.isNaN)
    }

    @Test func sumMeanMaxMin() throws {
        try reductions(Float.self)
        try reductions(Double.self)
    }

    func argmax<S: TensorScalar>(_: S.Type) throws {
        let m = try Tensor<S>([[1, 3, 3, 0], [5, 5, 2, 5], [-1, -2, -3, -1]])
        #expect(m.argmax(alongAxis: 1).scalars == [1, 0, 0])
        #expect(m.argmax(alongAxis: 1, keepingDimensions: true).shape == [3, 1])
        #expect(m.argmax(alongAxis: 0).scalars == [1, 1, 0, 1])
        #expect(m.argmax() == 4)
        #expect(Tensor<S>([2, 2, 2]).argmax() == 0)
        #expect(Tensor<S>([1, S.nan, 7, S.nan]).argmax() == 1)
        #expect(try Tensor<S>([[1, S.nan, 7]]).argmax(alongAxis: 1).scalars == [1])
        let t = try Tensor<S>.range(from: 0, to: 24).reshaped(to: [2, 3, 4])
        #expect(t.argmax(alongAxis: 1).scalars == [S](repeating: 2, count: 8))
        #expect(t.argmax(alongAxis: 0, keepingDimensions: true).shape == [1, 3, 4])
    }

    @Test func argmaxTakesTheFirstOfTies() throws {
        try argmax(Float.self)
        try argmax(Double.self)
    }
}
