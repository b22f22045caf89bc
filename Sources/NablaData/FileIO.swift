import CZlib
import Foundation

// Reading whole files (gzip or plain, through zlib), writing them atomically,
// and gzip compression in memory.

/// The text of the current `errno`, e.g. "No such file or directory".
func errnoText(_ code: Int32 = errno) -> String {
    String(cString: strerror(code))
}

/// The size of a regular file, or a `DataError` saying why it cannot be read.
private func regularFileSize(_ path: String) throws(DataError) -> Int {
    var info = stat()
    guard stat(path, &info) == 0 else {
        throw DataError(file: path, problem: "cannot open: \(errnoText())")
    }
    if (info.st_mode & S_IFMT) == S_IFDIR {
        throw DataError(file: path, problem: "is a directory, not a file")
    }
    return Int(info.st_size)
}

/// How many bytes `readFile` should expect: the file size for a plain file,
/// the size recorded in the gzip trailer (modulo 2³², so only a hint) for a
/// gzip file.
private func expectedContentSize(_ path: String, fileSize: Int) -> Int {
    guard fileSize >= 18 else { return fileSize }
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return fileSize }
    defer { close(fd) }
    var magic: [UInt8] = [0, 0]
    var trailer: [UInt8] = [0, 0, 0, 0]
    guard pread(fd, &magic, 2, 0) == 2, magic == [0x1F, 0x8B],
        pread(fd, &trailer, 4, off_t(fileSize - 4)) == 4
    else { return fileSize }
    let recorded = Int(trailer[0]) | Int(trailer[1]) << 8 | Int(trailer[2]) << 16 | Int(trailer[3]) << 24
    // Only a hint: a multi-member file or one over 4 GiB records less than it
    // holds, and a truncated or corrupt one anything; deflate cannot expand
    // more than 1032-fold. The buffer grows when the hint is short.
    return min(max(recorded, fileSize), fileSize * 1032)
}

/// The whole contents of the file at `path`, transparently decompressed when
/// it is gzip-compressed (plain files are read as they are).
///
/// Reads through zlib in 1 MiB chunks into one preallocated buffer (sized
/// from the gzip trailer), so a 47 MB MNIST file costs one allocation.
///
/// - Throws: ``DataError`` naming `path` when the file is missing or
///   unreadable, when the gzip data is corrupt (bad header, checksum or
///   deflate stream), or when it is truncated (the stream ends before its
///   end marker).
public func readFile(path: String) throws(DataError) -> [UInt8] {
    let fileSize = try regularFileSize(path)
    guard let gz = gzopen(path, "rb") else {
        throw DataError(file: path, problem: "cannot open: \(errnoText())")
    }
    _ = gzbuffer(gz, 1 << 17)
    let chunk = 1 << 20
    var total = 0
    var readError: String? = nil
    var finished = false
    /// Reads up to `count` bytes (at most a chunk) into `target` and says how
    /// many; sets `finished` at the end or on an error.
    func readChunk(_ target: UnsafeMutableRawPointer, _ count: Int) -> Int {
        let n = gzread(gz, target, UInt32(min(count, chunk)))
        if n < 0 {
            var code: Int32 = 0
            let message = gzerror(gz, &code).map { String(cString: $0) } ?? "unknown zlib error"
            readError = code == Z_ERRNO ? "read error: \(errnoText())" : "corrupt gzip data (\(message))"
        }
        if n <= 0 { finished = true }
        return max(0, Int(n))
    }
    // Into uninitialised memory of the expected size (+1, to see the end
    // without growing), then in chunks if the hint was short.
    let capacity = expectedContentSize(path, fileSize: fileSize) + 1
    var buffer = [UInt8](unsafeUninitializedCapacity: capacity) { memory, initialized in
        guard let base = memory.baseAddress else { return }
        while !finished && total < capacity {
            total += readChunk(base + total, capacity - total)
        }
        initialized = total
    }
    if !finished {
        var extra = [UInt8](repeating: 0, count: chunk)
        while !finished {
            let n = extra.withUnsafeMutableBytes { raw in raw.baseAddress.map { readChunk($0, chunk) } ?? 0 }
            buffer += extra[0..<n]
            total += n
        }
    }
    // A wrong hint (a damaged trailer) must not pin a large allocation.
    if buffer.capacity > 2 * total + 65536 { buffer = Array(buffer) }
    var code: Int32 = 0
    _ = gzerror(gz, &code)
    let wasGzip = gzdirect(gz) == 0
    let closeResult = gzclose_r(gz)
    if let readError { throw DataError(file: path, problem: readError) }
    if code == Z_BUF_ERROR || closeResult == Z_BUF_ERROR {
        throw DataError(
            file: path,
            problem: "truncated gzip file: the compressed data ends early (after \(total) decompressed bytes)")
    }
    if closeResult != Z_OK {
        throw DataError(
            file: path, problem: wasGzip ? "corrupt gzip data (zlib error \(closeResult))" : "read error")
    }
    return buffer
}

/// `bytes` compressed in the gzip format (RFC 1952) with zlib at `level`
/// (0 to 9, default 6).
///
/// - Throws: ``DataError`` (with `file` set to `name`) only if zlib fails
///   (out of memory).
public func gzipCompressed(_ bytes: [UInt8], level: Int32 = 6, name: String = "gzip") throws(DataError) -> [UInt8] {
    var stream = z_stream()
    // windowBits 15 + 16: gzip wrapper instead of zlib's.
    let status = deflateInit2_(
        &stream, max(0, min(9, level)), Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY,
        zlibVersion(), Int32(MemoryLayout<z_stream>.size))
    guard status == Z_OK else {
        throw DataError(file: name, problem: "zlib cannot start compressing (error \(status))")
    }
    defer { deflateEnd(&stream) }
    var output = [UInt8]()
    output.reserveCapacity(Int(deflateBound(&stream, UInt(bytes.count))))
    var chunk = [UInt8](repeating: 0, count: 1 << 18)
    let inputStep = 1 << 20
    var failure: Int32 = Z_OK
    bytes.withUnsafeBufferPointer { input in
        chunk.withUnsafeMutableBufferPointer { out in
            guard let outBase = out.baseAddress else { return }
            var position = 0
            repeat {
                let n = min(inputStep, input.count - position)
                let last = position + n == input.count
                stream.next_in = input.baseAddress.map { UnsafeMutablePointer(mutating: $0 + position) }
                stream.avail_in = UInt32(n)
                repeat {
                    stream.next_out = outBase
                    stream.avail_out = UInt32(out.count)
                    let result = deflate(&stream, last ? Z_FINISH : Z_NO_FLUSH)
                    if result == Z_STREAM_ERROR { failure = result; return }
                    output.append(contentsOf: out[0..<(out.count - Int(stream.avail_out))])
                } while stream.avail_out == 0
                position += n
            } while position < input.count
        }
    }
    guard failure == Z_OK else {
        throw DataError(file: name, problem: "zlib failed while compressing (error \(failure))")
    }
    return output
}

/// The data of a gzip stream held in memory (the inverse of
/// ``gzipCompressed(_:level:name:)``).
///
/// - Throws: ``DataError`` (with `file` set to `name`) when the bytes are not
///   a complete, valid gzip stream.
public func gzipDecompressed(_ bytes: [UInt8], name: String = "gzip") throws(DataError) -> [UInt8] {
    var stream = z_stream()
    // windowBits 15 + 16: expect the gzip wrapper.
    guard inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
        throw DataError(file: name, problem: "zlib cannot start decompressing")
    }
    defer { inflateEnd(&stream) }
    var output = [UInt8]()
    var chunk = [UInt8](repeating: 0, count: 1 << 18)
    var status: Int32 = Z_OK
    bytes.withUnsafeBufferPointer { input in
        chunk.withUnsafeMutableBufferPointer { out in
            guard let outBase = out.baseAddress else { return }
            stream.next_in = input.baseAddress.map { UnsafeMutablePointer(mutating: $0) }
            stream.avail_in = UInt32(input.count)
            repeat {
                stream.next_out = outBase
                stream.avail_out = UInt32(out.count)
                status = inflate(&stream, Z_NO_FLUSH)
                output.append(contentsOf: out[0..<(out.count - Int(stream.avail_out))])
            } while status == Z_OK && (stream.avail_in > 0 || stream.avail_out == 0)
        }
    }
    guard status == Z_STREAM_END else {
        let reason = status == Z_OK || status == Z_BUF_ERROR ? "the gzip data ends too early" : "the gzip data is corrupt (zlib error \(status))"
        throw DataError(file: name, problem: reason)
    }
    return output
}

/// Writes `bytes` gzip-compressed to `path`, atomically (see
/// `writeFileAtomically(_:to:)` for bytes). ``readFile(path:)`` reads it back.
public func writeGzip(_ bytes: [UInt8], to path: String, level: Int32 = 6) throws(DataError) {
    try writeFileAtomically(try gzipCompressed(bytes, level: level, name: path), to: path)
}

/// Writes `text` as UTF-8 to `path`, atomically (see
/// `writeFileAtomically(_:to:)` for bytes).
public func writeFileAtomically(_ text: String, to path: String) throws(DataError) {
    try writeFileAtomically(Array(text.utf8), to: path)
}

/// Replaces the file at `path` with `bytes` so that readers see either the
/// old contents or the new ones, never a mixture, even if the program or the
/// machine stops part-way.
///
/// Writes a temporary file with a unique name in the same directory
/// (`.NAME.tmp-PID-RANDOM`), writes everything, `fsync`s it, and renames it
/// over `path` (then `fsync`s the directory, best effort). An existing
/// file's permission bits are kept; a new file gets 0666 less the umask. On
/// any failure the old file is untouched and the temporary file removed.
///
/// - Throws: ``DataError`` naming `path` and the system's reason (the
///   `errno` text), e.g. when the directory does not exist.
public func writeFileAtomically(_ bytes: [UInt8], to path: String) throws(DataError) {
    guard !path.isEmpty else { throw DataError(file: path, problem: "empty file name") }
    let slash = path.lastIndex(of: "/")
    let directory = slash.map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
    let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
    guard !name.isEmpty, name != ".", name != ".." else {
        throw DataError(file: path, problem: "is a directory, not a file name")
    }
    var existingMode: mode_t? = nil
    var info = stat()
    if stat(path, &info) == 0 {
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw DataError(file: path, problem: "is a directory, not a file")
        }
        existingMode = info.st_mode & 0o7777
    }

    // A unique temporary file next to the target (rename is atomic only
    // within one file system).
    let prefix = slash == nil ? "" : (directory == "/" ? "/" : directory + "/")
    var temporary = ""
    var fd: Int32 = -1
    for _ in 0..<64 {
        temporary = prefix + ".\(name).tmp-\(getpid())-\(String(UInt32.random(in: .min ... .max), radix: 16))"
        fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        if fd >= 0 || errno != EEXIST { break }
    }
    guard fd >= 0 else {
        throw DataError(file: path, problem: "cannot create a temporary file in \(directory): \(errnoText())")
    }
    func fail(_ what: String, _ code: Int32) -> DataError {
        unlink(temporary)
        return DataError(file: path, problem: "\(what): \(errnoText(code))")
    }

    if let existingMode, fchmod(fd, existingMode) != 0 {
        let code = errno
        close(fd)
        throw fail("cannot set permissions of the temporary file", code)
    }
    var writeFailure: Int32 = 0
    bytes.withUnsafeBytes { raw in
        guard let base = raw.baseAddress else { return }
        var written = 0
        while written < raw.count {
            let n = write(fd, base + written, min(raw.count - written, 1 << 30))
            if n < 0 {
                if errno == EINTR { continue }
                writeFailure = errno
                return
            }
            written += n
        }
    }
    if writeFailure != 0 {
        close(fd)
        throw fail("cannot write", writeFailure)
    }
    if fsync(fd) != 0 {
        let code = errno
        close(fd)
        throw fail("cannot flush to disk (fsync)", code)
    }
    if close(fd) != 0 { throw fail("cannot close the temporary file", errno) }
    if rename(temporary, path) != 0 { throw fail("cannot replace the file (rename)", errno) }
    // Make the rename itself durable; not every file system supports it.
    let directoryFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
    if directoryFD >= 0 {
        _ = fsync(directoryFD)
        close(directoryFD)
    }
}
