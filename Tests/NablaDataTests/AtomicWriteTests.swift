import Foundation
import NablaData
import Testing

@Suite struct AtomicWriteTests {
    @Test func replacesEntirelyAndLeavesNoTemporaryFiles() throws {
        try withTemporaryDirectory { (dir: String) throws in
            let path = dir + "/out.txt"
            try writeFileAtomically(String(repeating: "long old contents\n", count: 1000), to: path)
            try writeFileAtomically("new", to: path)
            #expect(try String(contentsOfFile: path, encoding: .utf8) == "new")
            try writeFileAtomically([UInt8](), to: path)
            #expect(try readBytes(path) == [])
            #expect(try listing(dir) == ["out.txt"])
        }
    }

    @Test func keepsPermissions() throws {
        try withTemporaryDirectory { (dir: String) throws in
            let path = dir + "/secret"
            try writeFileAtomically("a", to: path)
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
            try writeFileAtomically("b", to: path)
            let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
    }

    @Test func missingDirectoryFailsCleanly() throws {
        try withTemporaryDirectory { (dir: String) throws in
            let path = dir + "/missing/out.bin"
            let error = dataError { try writeFileAtomically([1, 2, 3], to: path) }
            #expect(error?.file == path)
            #expect(error?.problem == "cannot create a temporary file in \(dir)/missing: No such file or directory")
            #expect(error?.description.hasPrefix(path + ": ") == true)
            #expect(try listing(dir) == [])
        }
    }

    @Test func directoryAsTargetFailsAndLeavesItAlone() throws {
        try withTemporaryDirectory { (dir: String) throws in
            // A non-empty directory where the file should go.
            try FileManager.default.createDirectory(atPath: dir + "/target", withIntermediateDirectories: false)
            try writeFileAtomically("keep", to: dir + "/target/inner")
            let error = dataError { try writeFileAtomically("x", to: dir + "/target") }
            #expect(error?.problem == "is a directory, not a file")
            #expect(try listing(dir) == ["target"])
            #expect(try listing(dir + "/target") == ["inner"])
            #expect(dataError { try writeFileAtomically("x", to: dir + "/") } != nil)
            #expect(dataError { try writeFileAtomically("x", to: "") }?.problem == "empty file name")
        }
    }
}
