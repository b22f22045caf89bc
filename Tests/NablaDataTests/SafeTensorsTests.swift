import Foundation
import NablaData
import NablaTensor
import Testing

/// A safetensors file from a header text and data bytes, as written by hand.
func safetensorsBytes(_ header: String, _ data: [UInt8]) -> [UInt8] {
    let h = Array(header.utf8)
    return withUnsafeBytes(of: UInt64(h.count).littleEndian) { Array($0) } + h + data
}

func safetensorsProblem(_ bytes: [UInt8]) -> String? {
    let error = dataError { try SafeTensorsFile(bytes: bytes, file: "t.safetensors") }
    #expect(error == nil || error?.file == "t.safetensors")
    return error?.problem
}

let floatValues: [Float] = [0.1, -1.5e-7, .pi, .greatestFiniteMagnitude, .leastNonzeroMagnitude, -0.0]
let doubleValues: [Double] = [1.0 / 3, -1e300, .infinity, .leastNormalMagnitude]
let awkwardName = "layer.0/weight \"q\" \\ ü"
let awkwardMetadata = ["epoch": "3", "note": "tab\there \"quoted\" back\\slash\nnewline \u{1} ü", "": "empty key"]

func sampleFile() throws -> SafeTensorsFile {
    var file = SafeTensorsFile(metadata: awkwardMetadata)
    file.set(awkwardName, try Tensor<Float>(shape: [2, 3], scalars: floatValues))
    file.set("double", Tensor<Double>(doubleValues))
    file.set("scalar", Tensor<Float>(42))
    file.set("empty", Tensor<Double>(shape: [0, 4], repeating: 0))
    return file
}

@Suite struct SafeTensorsTests {
    @Test func roundTripIsBitExact() throws {
        let file = try sampleFile()
        #expect(file.names == [awkwardName, "double", "scalar", "empty"])
        #expect(file.entries.map(\.dtype) == [.f32, .f64, .f32, .f64])
        let read = try SafeTensorsFile(bytes: file.serialized(), file: "memory")
        #expect(read == file)
        #expect(read.metadata == awkwardMetadata)
        let floats = try read.tensor(awkwardName, as: Float.self)
        #expect(floats.shape == [2, 3])
        #expect(floats.scalars.map(\.bitPattern) == floatValues.map(\.bitPattern))
        let doubles: Tensor<Double> = try read.tensor("double")
        #expect(doubles.scalars.map(\.bitPattern) == doubleValues.map(\.bitPattern))
        #expect(try read.tensor("scalar", as: Float.self).shape == [])
        #expect(try read.tensor("scalar", as: Float.self).scalar == 42)
        #expect(try read.tensor("empty", as: Double.self).shape == [0, 4])
        // Conversions between F32 and F64.
        #expect(try read.tensor(awkwardName, as: Double.self).scalars == floatValues.map { Double($0) })
        #expect(try read.tensor("double", as: Float.self).scalars == doubleValues.map { Float($0) })
    }

    @Test func setReplacesInPlace() throws {
        var file = try sampleFile()
        file.set("double", Tensor<Float>([1, 2]))
        #expect(file.names == [awkwardName, "double", "scalar", "empty"])
        #expect(file.entries[1].dtype == .f32 && file.entries[1].shape == [2])
    }

    @Test func headerLayout() throws {
        var file = SafeTensorsFile(metadata: ["k": "v"])
        file.set("b", Tensor<Float>([1, 2]))
        file.set("a", Tensor<Double>([3]))
        let bytes = file.serialized()
        let length = bytes[0..<8].reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect(length % 8 == 0)
        #expect(bytes.count == 8 + length + 8 + 8)
        let header = String(decoding: bytes[8..<(8 + length)], as: UTF8.self)
        let expected = #"{"__metadata__":{"k":"v"},"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"F64","shape":[1],"data_offsets":[8,16]}}"#
        #expect(header == expected + String(repeating: " ", count: length - expected.utf8.count))
        #expect(length - expected.utf8.count < 8)
        #expect(Array(bytes[(8 + length)...]) == [0, 0, 0x80, 0x3F, 0, 0, 0, 0x40] + [0, 0, 0, 0, 0, 0, 8, 0x40])
        // No metadata: no __metadata__ key.
        #expect(!String(decoding: SafeTensorsFile().serialized(), as: UTF8.self).contains("__metadata__"))
        #expect(SafeTensorsFile().serialized() == [8, 0, 0, 0, 0, 0, 0, 0] + Array("{}      ".utf8))
    }

    @Test func otherDTypes() throws {
        let header = #"{"h":{"dtype":"F16","shape":[4],"data_offsets":[0,8]},"# + #""bf":{"dtype":"BF16","shape":[1],"data_offsets":[8,10]},"#
            + #""i":{"dtype":"I32","shape":[2],"data_offsets":[10,18]},"u":{"dtype":"U8","shape":[2],"data_offsets":[18,20]},"#
            + #""t":{"dtype":"BOOL","shape":[2],"data_offsets":[20,22]},"f8":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[22,23]}}"#
        let data: [UInt8] = [0x00, 0x3C, 0x00, 0xC0, 0xFF, 0x7B, 0x01, 0x00, 0x80, 0x3F]
            + [0xFF, 0xFF, 0xFF, 0xFF, 7, 0, 0, 0] + [200, 3] + [0, 1] + [0x38]
        let file = try SafeTensorsFile(bytes: safetensorsBytes(header, data), file: "t")
        #expect(file.names == ["h", "bf", "i", "u", "t", "f8"])
        #expect(try file.tensor("h", as: Float.self).scalars == [1, -2, 65504, 0x1p-24])
        #expect(try file.tensor("bf", as: Double.self).scalars == [1])
        #expect(try file.tensor("i", as: Float.self).scalars == [-1, 7])
        #expect(try file.tensor("u", as: Float.self).scalars == [200, 3])
        #expect(try file.tensor("t", as: Float.self).scalars == [0, 1])
        #expect(dataError { try file.tensor("f8", as: Float.self) }?.problem
            == "tensor \"f8\": converting F8_E4M3 to floating point is not supported")
        #expect(try SafeTensorsFile(bytes: file.serialized(), file: "again") == file)
    }

    @Test func missingNameListsTheNames() throws {
        let file = try sampleFile()
        let error = dataError { try file.tensor("weights", as: Float.self) }
        #expect(error?.file == "safetensors")
        #expect(error?.problem == "no tensor named \"weights\"; the file has: \(awkwardName), double, scalar, empty")
        #expect(dataError { try SafeTensorsFile().tensor("x", as: Float.self) }?.problem
            == "no tensor named \"x\"; the file has no tensors")
    }

    @Test func corruptFiles() {
        let eight = [UInt8](repeating: 0, count: 8)
        #expect(safetensorsProblem([1, 2, 3])?.hasPrefix("too short") == true)
        var huge = safetensorsBytes("{}", [])
        huge[0] = 0xFF
        huge[5] = 0x01
        #expect(safetensorsProblem(huge)?.contains("over the 100 MB limit") == true)
        var long = safetensorsBytes("{}", [])
        long[0] = 200
        #expect(safetensorsProblem(long) == "header length 200 runs past the end of the file (10 bytes)")
        #expect(safetensorsProblem(safetensorsBytes(#"{"a": "#, []))?.hasPrefix("the header is not valid JSON") == true)
        #expect(safetensorsProblem(safetensorsBytes("[1, 2]", [])) == "the header does not start with \"{\"")
        #expect(safetensorsProblem(safetensorsBytes("{\"\u{FF}\"}", []))?.hasPrefix("the header is not valid JSON") == true)
        var badUTF8 = safetensorsBytes("{\"x\":1}", [])
        badUTF8[10] = 0xFF
        #expect(safetensorsProblem(badUTF8) == "the header is not valid UTF-8")
        #expect(safetensorsProblem(safetensorsBytes(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}}"#, eight))
            == "tensor \"a\": data_offsets [0, 16] are out of bounds of the 8 data bytes")
        #expect(safetensorsProblem(safetensorsBytes(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,4]}}"#, eight))?
            .contains("out of bounds") == true)
        #expect(safetensorsProblem(safetensorsBytes(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, eight))
            == "tensor \"a\": shape [3] of F32 needs 12 bytes, data_offsets [0, 8] hold 8")
        #expect(safetensorsProblem(safetensorsBytes(
            #"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#,
            eight + [0, 0, 0, 0])) == "tensors \"a\" and \"b\" overlap (data at 4 starts before 8)")
        #expect(safetensorsProblem(safetensorsBytes(
            #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#,
            eight + [0, 0, 0, 0])) == "data bytes 4..<8 belong to no tensor (a gap before \"b\")")
        #expect(safetensorsProblem(safetensorsBytes(#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, eight))
            == "4 data bytes after the last tensor belong to no tensor")
        #expect(safetensorsProblem(safetensorsBytes(
            #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#,
            eight)) == "the header names \"a\" twice")
        #expect(safetensorsProblem(safetensorsBytes(#"{"a":{"shape":[2],"data_offsets":[0,8]}}"#, eight))
            == "tensor \"a\" has no dtype string")
        #expect(safetensorsProblem(safetensorsBytes(#"{"a":{"dtype":"Q4","shape":[2],"data_offsets":[0,8]}}"#, eight))?
            .hasPrefix("tensor \"a\" has unknown dtype \"Q4\" (known: F64, F32,") == true)
        #expect(safetensorsProblem(safetensorsBytes(#"{"a":{"dtype":"F32","data_offsets":[0,8]}}"#, eight))
            == "tensor \"a\" has no shape array")
        #expect(safetensorsProblem(safetensorsBytes(#"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, eight))?
            .contains("must hold non-negative integers") == true)
        #expect(safetensorsProblem(safetensorsBytes(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}}"#, eight))
            == "tensor \"a\" has no data_offsets [begin, end]")
        #expect(safetensorsProblem(safetensorsBytes(#"{"a":[1]}"#, eight)) == "tensor \"a\" is not a JSON object")
        #expect(safetensorsProblem(safetensorsBytes(#"{"__metadata__":{"n":1}}"#, []))
            == "__metadata__ value for \"n\" is not a string")
        #expect(safetensorsProblem(safetensorsBytes(#"{"__metadata__":[]}"#, [])) == "__metadata__ is not a JSON object")
        // Random garbage.
        for seed in 0..<20 {
            #expect(safetensorsProblem(randomBytes(64 + seed * 13, seed: UInt64(seed))) != nil)
        }
    }

    @Test func writeValidatesAndIsAtomic() throws {
        try withTemporaryDirectory { (dir: String) throws in
            let path = dir + "/model.safetensors"
            let file = try sampleFile()
            try file.write(to: path)
            #expect(try SafeTensorsFile.read(from: path) == file)
            #expect(try listing(dir) == ["model.safetensors"])

            var duplicate = file
            duplicate.entries.append(duplicate.entries[1])
            #expect(dataError { try duplicate.write(to: path) } == DataError(file: path, problem: "two tensors are named \"double\""))
            var wrongSize = file
            wrongSize.entries[0].data.removeLast()
            #expect(dataError { try wrongSize.write(to: path) }?.problem.contains("do not fit shape [2, 3]") == true)
            #expect(try SafeTensorsFile.read(from: path) == file)

            try writeBytes([1, 2, 3, 4, 5, 6, 7, 8, 9], path)
            let error = dataError { try SafeTensorsFile.read(from: path) }
            #expect(error?.file == path)
            #expect(dataError { try SafeTensorsFile.read(from: dir + "/none") }?.problem == "cannot open: No such file or directory")
        }
    }
}

@Suite(.enabled(if: pythonWithNumpy, "needs python3 with numpy"))
struct SafeTensorsPythonTests {
    @Test func pythonReadsWhatSwiftWrites() throws {
        let script = """
            import json, struct, sys
            import numpy as np
            data = open(sys.argv[1], "rb").read()
            n = struct.unpack("<Q", data[:8])[0]
            header = json.loads(data[8:8 + n].decode("utf-8"))
            body = data[8 + n:]
            out = {"header_length": n, "metadata": header.pop("__metadata__", {}), "tensors": {}}
            for name, info in header.items():
                value_type, bits_type = {"F32": ("<f4", "<u4"), "F64": ("<f8", "<u8")}[info["dtype"]]
                begin, end = info["data_offsets"]
                values = np.frombuffer(body[begin:end], dtype=value_type).reshape(info["shape"])
                bits = np.frombuffer(body[begin:end], dtype=bits_type)
                out["tensors"][name] = {
                    "dtype": info["dtype"], "shape": list(values.shape), "order": begin,
                    "repr": [repr(float(v)) for v in values.reshape(-1)],
                    "bits": [str(int(b)) for b in bits]}
            print(json.dumps(out))
            """
        try withTemporaryDirectory { (dir: String) throws in
            let file = try sampleFile()
            try file.write(to: dir + "/swift.safetensors")
            let run = try runPython(script, [dir + "/swift.safetensors"])
            try #require(run.status == 0, "python failed: \(run.errors)")
            let json = try #require(
                try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])
            #expect(json["metadata"] as? [String: String] == awkwardMetadata)
            #expect((json["header_length"] as? Int).map { $0 % 8 } == 0)
            let tensors = try #require(json["tensors"] as? [String: [String: Any]])
            #expect(Set(tensors.keys) == Set(file.names))
            for entry in file.entries {
                let python = try #require(tensors[entry.name])
                #expect(python["dtype"] as? String == entry.dtype.rawValue)
                #expect(python["shape"] as? [Int] == entry.shape)
                let bits = (python["bits"] as? [String] ?? []).compactMap { UInt64($0) }
                let reprs = (python["repr"] as? [String] ?? []).compactMap { Double($0) }
                let expected = try file.tensor(entry.name, as: Double.self).scalars
                if entry.dtype == .f32 {
                    let floats = try file.tensor(entry.name, as: Float.self).scalars
                    #expect(bits == floats.map { UInt64($0.bitPattern) }, "\(entry.name)")
                } else {
                    #expect(bits == expected.map(\.bitPattern), "\(entry.name)")
                }
                #expect(reprs.map(\.bitPattern) == expected.map(\.bitPattern), "\(entry.name)")
            }
        }
    }

    @Test func swiftReadsWhatPythonWrites() throws {
        let script = """
            import json, struct, sys
            import numpy as np
            a = (np.arange(6, dtype=np.float32) / np.float32(7)).reshape(2, 3)
            b = np.array([0.1, -2.5, 1e300], dtype=np.float64)
            c = np.array([[1, -2], [3, 2**40]], dtype=np.int64)
            header = {"__metadata__": {"format": "np", "\\u00fc": "\\u00df"}}
            body = b""
            for name, dtype, array in [("a", "F32", a), ("b", "F64", b), ("c", "I64", c)]:
                raw = array.astype(array.dtype.newbyteorder("<")).tobytes()
                header[name] = {"dtype": dtype, "shape": list(array.shape),
                                "data_offsets": [len(body), len(body) + len(raw)]}
                body += raw
            text = json.dumps(header).encode("ascii")
            open(sys.argv[1], "wb").write(struct.pack("<Q", len(text)) + text + body)
            """
        try withTemporaryDirectory { (dir: String) throws in
            let path = dir + "/python.safetensors"
            let run = try runPython(script, [path])
            try #require(run.status == 0, "python failed: \(run.errors)")
            let file = try SafeTensorsFile.read(from: path)
            #expect(file.names == ["a", "b", "c"])
            #expect(file.metadata == ["format": "np", "ü": "ß"])
            let a = try file.tensor("a", as: Float.self)
            #expect(a.shape == [2, 3])
            #expect(a.scalars == (0..<6).map { Float($0) / 7 })
            #expect(try file.tensor("b", as: Double.self).scalars == [0.1, -2.5, 1e300])
            #expect(try file.tensor("c", as: Double.self).scalars == [1, -2, 3, 0x1p40])
            #expect(try file.tensor("c", as: Double.self).shape == [2, 2])
        }
    }
}
