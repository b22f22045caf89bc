import Foundation
import NablaData
import NablaTensor
import Testing

@Suite struct CSVTests {
    /// Writes `text` to a CSV file in a fresh directory and loads it.
    func load(
        _ text: String, labelColumn: Int? = nil, scaling: FeatureScaling = .automatic
    ) throws -> Result<Dataset<Double>, DataError> {
        try withTemporaryDirectory { (dir: String) throws in
            let path = dir + "/data.csv"
            try writeFileAtomically(text, to: path)
            return Result { () throws(DataError) in
                try Dataset<Double>.csv(path: path, labelColumn: labelColumn, scaling: scaling)
            }
        }
    }

    func problem(_ text: String, labelColumn: Int? = nil) throws -> String? {
        guard case .failure(let error) = try load(text, labelColumn: labelColumn) else { return nil }
        #expect(error.file.hasSuffix("/data.csv"))
        return error.problem
    }

    @Test func withoutHeaderLabelLast() throws {
        let data = try load("0,0.5,1\n1,0.25,0\n0.75,1,2\n").get()
        #expect(data.name == "data.csv")
        #expect(data.features.shape == [3, 2])
        #expect(data.features.scalars == [0, 0.5, 1, 0.25, 0.75, 1])  // already in [0, 1]: unchanged
        #expect(data.labels == [1, 0, 2])
        #expect(data.classCount == 3)
    }

    @Test func headerLabelFirstCRLFBlankLinesQuotes() throws {
        let text = "label, x, y\r\n\r\n3, 2, 10\r\n\"0\",4,\"6\"\r\n  \r\n1.0,0,8"
        let data = try load(text, labelColumn: 0).get()
        #expect(data.labels == [3, 0, 1])
        #expect(data.classCount == 4)
        // Outside [0, 1]: one global min-max, 0 -> 0 and 10 -> 1.
        #expect(data.features.scalars == [0.2, 1, 0.4, 0.6, 0, 0.8])
    }

    @Test func scalingChoices() throws {
        let text = "-1,10,0\n1,30,1\n"
        #expect(try load(text, scaling: .none).get().features.scalars == [-1, 10, 1, 30])
        #expect(try load(text, scaling: .perColumn).get().features.scalars == [0, 0, 1, 1])
        #expect(try load(text, scaling: .divide(by: 10)).get().features.scalars == [-0.1, 1, 0.1, 3])
        #expect(try load(text).get().features.scalars == [0, 11.0 / 31, 2.0 / 31, 1])
        #expect(try load("5,0\n5,1\n").get().features.scalars == [0, 0])  // constant: all 0
    }

    @Test func numberFormats() throws {
        let data = try load("1e-1,-0.0,+2.5,0x10,12345678901234567890,0.1234567890123456789,0\n", scaling: .none).get()
        #expect(data.features.scalars == [0.1, -0.0, 2.5, 16, 12345678901234567168, 0.1234567890123456789])
    }

    @Test func errors() throws {
        #expect(try problem("1,2,0\n3,abc,1\n") == "line 2, column 2: \"abc\" is not a number")
        #expect(try problem("x,y,label\n1,2,0\n\n3,4,1\n5,,1\n") == "line 5, column 2: empty field")
        #expect(try problem("1,2,0\n3,4\n") == "line 2 has 2 fields, but line 1 has 3")
        #expect(try problem("a,b,c\n1,2,0\n3,4,5,6\n") == "line 3 has 4 fields, but line 1 has 3")
        #expect(try problem("1,2,0\n3,4,nan\n") == "line 2, column 3: \"nan\" is not a number")
        #expect(try problem("1,2,0\n3,4,-1\n") == "line 2, column 3: label -1.0 is not an integer from 0 to 1000000")
        #expect(try problem("1,2,0\n3,4,1.5\n") == "line 2, column 3: label 1.5 is not an integer from 0 to 1000000")
        #expect(try problem("-2,1,0\n", labelColumn: 0) == "line 1, column 1: label -2.0 is not an integer from 0 to 1000000")
        #expect(try problem("1,2,0\n", labelColumn: 3) == "label column 3 is out of range: rows have 3 columns (0-2)")
        #expect(try problem("") == "no data: the file is empty")
        #expect(try problem("\n\n") == "no data: the file is empty")
        #expect(try problem("a,b,label\n") == "no data rows after the header")
        let missing = dataError { try Dataset<Float>.csv(path: "/nonexistent/x.csv") }
        #expect(missing == DataError(file: "/nonexistent/x.csv", problem: "cannot open: No such file or directory"))
    }

    @Test func gzipCSVAndSource() throws {
        try withTemporaryDirectory { (dir: String) throws in
            var text = "f1,f2,label\n"
            for i in 0..<50 { text += "\(i),\(50 - i),\(i % 2)\n" }
            try writeGzip(Array(text.utf8), to: dir + "/data.csv.gz")
            let data = try Dataset<Float>.csv(path: dir + "/data.csv.gz", name: "pairs")
            #expect(data.name == "pairs" && data.count == 50 && data.classCounts == [25, 25])
            let split = try DataSource(parsing: "csv:" + dir + "/data.csv.gz").load(as: Float.self, seed: 1)
            #expect(split.train.count == 40 && split.test.count == 10)
            #expect(split.test.classCounts == [5, 5])
        }
    }
}
