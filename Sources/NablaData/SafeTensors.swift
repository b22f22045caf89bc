import Foundation
import NablaTensor

/// A file in the safetensors format (https://huggingface.co/docs/safetensors),
/// the format of Hugging Face model weights, readable from Python with
/// `safetensors` or with a few lines of NumPy.
///
/// Layout: an 8-byte little-endian header length N; N bytes of UTF-8 JSON
/// `{"__metadata__": {"key": "value", ...}, "name": {"dtype": "F32",
/// "shape": [2, 3], "data_offsets": [begin, end]}, ...}`, padded with spaces
/// so that the data starts at a multiple of 8; then the tensors' bytes,
/// little-endian, row-major, offsets counted from the start of the data.
///
/// Writing keeps the order of ``entries`` for the data (no re-sorting, so
/// the caller decides the layout) and writes the JSON header with
/// `__metadata__` first (keys sorted) and then the tensors in data order, as
/// the reference implementation does. Reading lists the entries in data
/// order. Reading is strict: a bad file gives a ``DataError`` saying what is
/// wrong, never a crash or a partial result.
public struct SafeTensorsFile: Sendable, Equatable {
    /// Element types of the format.
    public enum DType: String, Sendable, CaseIterable {
        case f64 = "F64", f32 = "F32", f16 = "F16", bf16 = "BF16"
        case i64 = "I64", i32 = "I32", i16 = "I16", i8 = "I8"
        case u64 = "U64", u32 = "U32", u16 = "U16", u8 = "U8"
        case bool = "BOOL", f8e4m3 = "F8_E4M3", f8e5m2 = "F8_E5M2"

        /// Bytes per element.
        public var byteSize: Int {
            switch self {
            case .f64, .i64, .u64: 8
            case .f32, .i32, .u32: 4
            case .f16, .bf16, .i16, .u16: 2
            case .i8, .u8, .bool, .f8e4m3, .f8e5m2: 1
            }
        }
    }

    /// One named tensor: its type, shape and raw little-endian bytes.
    public struct Entry: Sendable, Equatable {
        public var name: String
        public var dtype: DType
        public var shape: [Int]
        public var data: [UInt8]

        public init(name: String, dtype: DType, shape: [Int], data: [UInt8]) {
            self.name = name
            self.dtype = dtype
            self.shape = shape
            self.data = data
        }

        /// The number of elements: the product of the shape (1 for `[]`).
        public var elementCount: Int { shape.reduce(1, *) }
    }

    /// The tensors, in the order their data is stored.
    public var entries: [Entry]
    /// The `__metadata__` strings.
    public var metadata: [String: String]
    /// Where the file was read from, for messages (not compared by `==`).
    var origin = "safetensors"

    public init(entries: [Entry] = [], metadata: [String: String] = [:]) {
        self.entries = entries
        self.metadata = metadata
    }

    public static func == (a: SafeTensorsFile, b: SafeTensorsFile) -> Bool {
        a.entries == b.entries && a.metadata == b.metadata
    }

    /// The tensor names, in data order.
    public var names: [String] { entries.map(\.name) }

    /// Stores `tensor` under `name` as F32 (for `Float`) or F64 (for
    /// `Double`), replacing an entry of that name in place or appending one.
    public mutating func set<S: TensorScalar>(_ name: String, _ tensor: Tensor<S>) {
        let isDouble = S.self == Double.self
        let dtype: DType = isDouble ? .f64 : .f32
        let n = tensor.count
        let data = tensor.withUnsafeBufferPointer { source in
            [UInt8](unsafeUninitializedCapacity: n * dtype.byteSize) { buffer, initialized in
                guard let target = buffer.baseAddress else { return }
                if hostIsLittleEndian && (S.self == Float.self || isDouble), let from = source.baseAddress {
                    UnsafeMutableRawPointer(target).copyMemory(from: from, byteCount: n * dtype.byteSize)
                } else if isDouble {
                    for i in 0..<n {
                        UnsafeMutableRawPointer(target).storeBytes(
                            of: Double(source[i]).bitPattern.littleEndian, toByteOffset: 8 * i, as: UInt64.self)
                    }
                } else {
                    for i in 0..<n {
                        UnsafeMutableRawPointer(target).storeBytes(
                            of: Float(source[i]).bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
                    }
                }
                initialized = n * dtype.byteSize
            }
        }
        let entry = Entry(name: name, dtype: dtype, shape: tensor.shape, data: data)
        if let i = entries.firstIndex(where: { $0.name == name }) {
            entries[i] = entry
        } else {
            entries.append(entry)
        }
    }

    /// The tensor stored under `name`, converted to `S` when its dtype
    /// differs (F32 and F64 either way, also F16, BF16, the integer types and
    /// BOOL; each value rounded to the nearest `S`).
    ///
    /// - Throws: ``DataError`` when there is no such tensor (listing the
    ///   names present), its dtype is an 8-bit float, or its data does not
    ///   match its shape.
    public func tensor<S: TensorScalar>(_ name: String, as: S.Type = S.self) throws(DataError) -> Tensor<S> {
        guard let entry = entries.first(where: { $0.name == name }) else {
            let present = entries.isEmpty ? "the file has no tensors" : "the file has: " + names.joined(separator: ", ")
            throw DataError(file: origin, problem: "no tensor named \"\(name)\"; \(present)")
        }
        guard entry.shape.allSatisfy({ $0 >= 0 }), entry.data.count == entry.elementCount * entry.dtype.byteSize else {
            throw DataError(
                file: origin,
                problem: "tensor \"\(name)\": \(entry.data.count) bytes of data do not fit shape \(entry.shape) of \(entry.dtype.rawValue)")
        }
        let n = entry.elementCount
        let dtype = entry.dtype
        if dtype == .f8e4m3 || dtype == .f8e5m2 {
            throw DataError(
                file: origin, problem: "tensor \"\(name)\": converting \(dtype.rawValue) to floating point is not supported")
        }
        if let copied = Self.copiedTensor(entry, as: S.self) { return copied }
        return entry.data.withUnsafeBytes { raw in
            Tensor<S>(shape: entry.shape) { out in
                // A file-level helper rather than a nested generic function
                // capturing `raw`: that form was part of the miscompile
                // described at `copiedTensor(_:as:)`.
                switch dtype {
                case .f32: for i in 0..<n { out[i] = S(Float(bitPattern: littleEndianElement(raw, i, UInt32.self))) }
                case .f64: for i in 0..<n { out[i] = S(Double(bitPattern: littleEndianElement(raw, i, UInt64.self))) }
                case .f16: for i in 0..<n { out[i] = S(halfToFloat(littleEndianElement(raw, i, UInt16.self))) }
                case .bf16: for i in 0..<n { out[i] = S(Float(bitPattern: UInt32(littleEndianElement(raw, i, UInt16.self)) << 16)) }
                case .i64: for i in 0..<n { out[i] = S(littleEndianElement(raw, i, Int64.self)) }
                case .i32: for i in 0..<n { out[i] = S(littleEndianElement(raw, i, Int32.self)) }
                case .i16: for i in 0..<n { out[i] = S(littleEndianElement(raw, i, Int16.self)) }
                case .i8: for i in 0..<n { out[i] = S(littleEndianElement(raw, i, Int8.self)) }
                case .u64: for i in 0..<n { out[i] = S(littleEndianElement(raw, i, UInt64.self)) }
                case .u32: for i in 0..<n { out[i] = S(littleEndianElement(raw, i, UInt32.self)) }
                case .u16: for i in 0..<n { out[i] = S(littleEndianElement(raw, i, UInt16.self)) }
                case .u8: for i in 0..<n { out[i] = S(raw[i]) }
                case .bool: for i in 0..<n { out[i] = raw[i] == 0 ? 0 : 1 }
                case .f8e4m3, .f8e5m2: for i in 0..<n { out[i] = 0 }  // excluded above
                }
            }
        }
    }

    /// F32 as Float and F64 as Double by copying the bytes, on little-endian
    /// hosts; nil for other combinations.
    ///
    /// A separate function on purpose: the same copy written as a branch
    /// inside the conversion closure of ``tensor(_:as:)`` returned a tensor
    /// with a corrupt storage reference in release builds of Swift 6.3.1 with
    /// multi-threaded whole-module optimisation (SwiftPM's `-num-threads`),
    /// though not with single-threaded WMO or in debug builds: apparently a
    /// miscompile, which also needed the nested generic `load` function that
    /// closure had and the String-backed `DType` (not reduced further).
    private static func copiedTensor<S: TensorScalar>(_ entry: Entry, as: S.Type) -> Tensor<S>? {
        guard hostIsLittleEndian else { return nil }
        if entry.dtype == .f32 && S.self == Float.self { return bytesCopied(entry, as: Float.self) as? Tensor<S> }
        if entry.dtype == .f64 && S.self == Double.self { return bytesCopied(entry, as: Double.self) as? Tensor<S> }
        return nil
    }

    private static func bytesCopied<T: TensorScalar>(_ entry: Entry, as: T.Type) -> Tensor<T> {
        Tensor<T>(shape: entry.shape) { out in
            entry.data.withUnsafeBytes { raw in _ = raw.copyBytes(to: UnsafeMutableRawBufferPointer(out)) }
        }
    }

    /// Checks what ``serialized()`` relies on: unique names (and none called
    /// `__metadata__`), non-negative shapes, and data sizes that match the
    /// shapes.
    public func validate() throws(DataError) {
        var seen = Set<String>()
        for entry in entries {
            guard entry.name != "__metadata__" else {
                throw DataError(file: origin, problem: "\"__metadata__\" cannot name a tensor")
            }
            guard seen.insert(entry.name).inserted else {
                throw DataError(file: origin, problem: "two tensors are named \"\(entry.name)\"")
            }
            guard entry.shape.allSatisfy({ $0 >= 0 }), entry.data.count == entry.elementCount * entry.dtype.byteSize
            else {
                throw DataError(
                    file: origin,
                    problem: "tensor \"\(entry.name)\": \(entry.data.count) bytes of data do not fit shape "
                        + "\(entry.shape) of \(entry.dtype.rawValue)")
            }
        }
    }

    /// The file's bytes. Entries must satisfy ``validate()`` (``write(to:)``
    /// checks it).
    public func serialized() -> [UInt8] {
        var parts: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map { "\(jsonString($0)):\(jsonString(metadata[$0] ?? ""))" }
            parts.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for entry in entries {
            let shape = entry.shape.map(String.init).joined(separator: ",")
            parts.append(
                "\(jsonString(entry.name)):{\"dtype\":\"\(entry.dtype.rawValue)\",\"shape\":[\(shape)],"
                    + "\"data_offsets\":[\(offset),\(offset + entry.data.count)]}")
            offset += entry.data.count
        }
        var header = Array("{\(parts.joined(separator: ","))}".utf8)
        header += repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes += $0 }
        bytes += header
        for entry in entries { bytes += entry.data }
        return bytes
    }

    /// Writes the file atomically (see `writeFileAtomically(_:to:)`).
    ///
    /// - Throws: ``DataError`` naming `path` if ``validate()`` fails or the
    ///   file cannot be written.
    public func write(to path: String) throws(DataError) {
        var named = self
        named.origin = path
        try named.validate()
        try writeFileAtomically(serialized(), to: path)
    }

    /// Reads and validates the file at `path` (gzip-compressed files are
    /// decompressed).
    public static func read(from path: String) throws(DataError) -> SafeTensorsFile {
        try SafeTensorsFile(bytes: readFile(path: path), file: path)
    }

    /// Parses and validates a safetensors file's bytes; `file` names it in
    /// errors.
    ///
    /// - Throws: ``DataError`` when the file is shorter than 8 bytes, the
    ///   header length is over 100 MB or runs past the end, the header is
    ///   not valid UTF-8 JSON whose top level is an object, a key repeats,
    ///   `__metadata__` is not an object of strings, an entry lacks or has a
    ///   malformed `dtype`, `shape` or `data_offsets`, offsets lie outside
    ///   the data, a byte count differs from the shape's, or tensors overlap
    ///   or leave gaps (including bytes after the last tensor).
    public init(bytes: [UInt8], file: String) throws(DataError) {
        func problem(_ text: String) -> DataError { DataError(file: file, problem: text) }
        guard bytes.count >= 8 else {
            throw problem("too short for a safetensors file: \(bytes.count) bytes, the header length alone takes 8")
        }
        var length: UInt64 = 0
        for i in (0..<8).reversed() { length = length << 8 | UInt64(bytes[i]) }
        guard length <= 100_000_000 else {
            throw problem("header length \(length) is over the 100 MB limit (not a safetensors file?)")
        }
        guard 8 + Int(length) <= bytes.count else {
            throw problem("header length \(length) runs past the end of the file (\(bytes.count) bytes)")
        }
        let headerBytes = Array(bytes[8..<(8 + Int(length))])
        guard String(validating: headerBytes, as: UTF8.self) != nil else {
            throw problem("the header is not valid UTF-8")
        }
        guard headerBytes.first == UInt8(ascii: "{") else {
            throw problem("the header does not start with \"{\"")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(headerBytes))
        } catch {
            throw problem("the header is not valid JSON (\(error.localizedDescription))")
        }
        guard let dictionary = object as? [String: Any] else {
            throw problem("the header is not a JSON object")
        }
        if let key = duplicateTopLevelKey(headerBytes) {
            throw problem("the header names \(key) twice")
        }

        var metadata: [String: String] = [:]
        if let raw = dictionary["__metadata__"] {
            guard let values = raw as? [String: Any] else { throw problem("__metadata__ is not a JSON object") }
            for (key, value) in values {
                guard let text = value as? String else {
                    throw problem("__metadata__ value for \(jsonString(key)) is not a string")
                }
                metadata[key] = text
            }
        }

        let dataStart = 8 + Int(length)
        let dataSize = bytes.count - dataStart
        struct Located { var entry: Entry; var begin: Int; var end: Int }
        var located: [Located] = []
        for (name, value) in dictionary where name != "__metadata__" {
            let quoted = jsonString(name)
            guard let info = value as? [String: Any] else { throw problem("tensor \(quoted) is not a JSON object") }
            guard let dtypeText = info["dtype"] as? String else {
                throw problem("tensor \(quoted) has no dtype string")
            }
            guard let dtype = DType(rawValue: dtypeText) else {
                throw problem(
                    "tensor \(quoted) has unknown dtype \(jsonString(dtypeText)) (known: "
                        + DType.allCases.map(\.rawValue).joined(separator: ", ") + ")")
            }
            guard let shapeList = info["shape"] as? [Any] else {
                throw problem("tensor \(quoted) has no shape array")
            }
            var shape: [Int] = []
            var elements = 1
            for dimension in shapeList {
                guard let size = dimension as? Int, size >= 0 else {
                    throw problem("tensor \(quoted): shape \(shapeList) must hold non-negative integers")
                }
                let (product, overflow) = elements.multipliedReportingOverflow(by: size)
                guard !overflow else { throw problem("tensor \(quoted): shape \(shapeList) is too large") }
                elements = product
                shape.append(size)
            }
            guard let offsets = info["data_offsets"] as? [Any], offsets.count == 2,
                let begin = offsets[0] as? Int, let end = offsets[1] as? Int
            else {
                throw problem("tensor \(quoted) has no data_offsets [begin, end]")
            }
            guard begin >= 0, begin <= end, end <= dataSize else {
                throw problem(
                    "tensor \(quoted): data_offsets [\(begin), \(end)] are out of bounds of the \(dataSize) data bytes")
            }
            let (needed, overflow) = elements.multipliedReportingOverflow(by: dtype.byteSize)
            guard !overflow, needed == end - begin else {
                throw problem(
                    "tensor \(quoted): shape \(shape) of \(dtype.rawValue) needs \(overflow ? "too many" : String(needed)) "
                        + "bytes, data_offsets [\(begin), \(end)] hold \(end - begin)")
            }
            located.append(Located(entry: Entry(name: name, dtype: dtype, shape: shape, data: []), begin: begin, end: end))
        }
        located.sort { ($0.begin, $0.end, $0.entry.name) < ($1.begin, $1.end, $1.entry.name) }
        var expected = 0
        var previous: String? = nil
        for item in located {
            if item.begin < expected {
                throw problem(
                    "tensors \(jsonString(previous ?? "")) and \(jsonString(item.entry.name)) overlap "
                        + "(data at \(item.begin) starts before \(expected))")
            }
            if item.begin > expected {
                throw problem("data bytes \(expected)..<\(item.begin) belong to no tensor (a gap before \(jsonString(item.entry.name)))")
            }
            expected = item.end
            previous = item.entry.name
        }
        guard expected == dataSize else {
            throw problem("\(dataSize - expected) data bytes after the last tensor belong to no tensor")
        }
        self.entries = located.map { item in
            var entry = item.entry
            entry.data = Array(bytes[(dataStart + item.begin)..<(dataStart + item.end)])
            return entry
        }
        self.metadata = metadata
        self.origin = file
    }
}

let hostIsLittleEndian = 1.littleEndian == 1

/// `text` as a JSON string literal: quotes, backslashes and control
/// characters escaped, everything else (UTF-8) as it is. Also what the
/// command line's `--json` output quotes with.
package func jsonString(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case "\u{08}": result += "\\b"
        case "\u{0C}": result += "\\f"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F:
            let digits = String(scalar.value, radix: 16)
            result += "\\u" + String(repeating: "0", count: 4 - digits.count) + digits
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result + "\""
}

/// The first key that appears twice at the top level of a JSON object
/// (JSONSerialization silently keeps one of them), quoted as in the text.
private func duplicateTopLevelKey(_ json: [UInt8]) -> String? {
    var depth = 0
    var seen = Set<String>()
    var i = 0
    while i < json.count {
        let c = json[i]
        if c == UInt8(ascii: "\"") {
            var j = i + 1
            while j < json.count && json[j] != UInt8(ascii: "\"") { j += json[j] == UInt8(ascii: "\\") ? 2 : 1 }
            let token = Array(json[i..<min(j + 1, json.count)])
            var k = j + 1
            while k < json.count && (json[k] == 0x20 || json[k] == 0x09 || json[k] == 0x0A || json[k] == 0x0D) { k += 1 }
            if depth == 1 && k < json.count && json[k] == UInt8(ascii: ":") {
                // Compare keys by their decoded text, so "a" and "\u0061" match.
                let decoded =
                    (try? JSONSerialization.jsonObject(with: Data(token), options: .fragmentsAllowed)) as? String
                let key = decoded ?? String(decoding: token, as: UTF8.self)
                if !seen.insert(key).inserted { return String(decoding: token, as: UTF8.self) }
            }
            i = j + 1
            continue
        }
        if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") { depth += 1 }
        if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") { depth -= 1 }
        i += 1
    }
    return nil
}

/// Element `i` of little-endian `T`s in `raw` (unaligned).
@inline(__always)
func littleEndianElement<T: FixedWidthInteger>(_ raw: UnsafeRawBufferPointer, _ i: Int, _: T.Type) -> T {
    T(littleEndian: raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
}

/// An IEEE half-precision value as a Float (exact).
func halfToFloat(_ bits: UInt16) -> Float {
    let sign: Float = bits & 0x8000 != 0 ? -1 : 1
    let exponent = Int((bits >> 10) & 0x1F)
    let fraction = Float(bits & 0x3FF)
    switch exponent {
    case 0: return sign * fraction * 0x1p-24
    case 31: return fraction == 0 ? sign * .infinity : .nan
    default: return sign * (1 + fraction / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
    }
}
