import Foundation
@testable import PackSharing
import StableHash
import Testing
import TestSupport

/// Every archive another team could send to harm the machine is refused with a message that
/// names the problem, and the store is left as it was: no pack, no temporary folder.
@Suite struct HostileArchiveTests {
    func refused(_ archive: URL, expect: String? = nil, saying words: String) throws {
        let store = PackStore(root: try Scratch.folder("store"))
        #expect {
            _ = try store.install(archive: archive, expect: expect, rptVersion: "0.1.0")
        } throws: { error in
            let said = "\(error)"
            #expect(said.contains(words), "\(said)")
            return true
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.root.path) == [])
    }

    @Test func aValidArchiveInstalls() throws {
        let store = PackStore(root: try Scratch.folder("store"))
        let done = try store.install(archive: try Archives.write(Archives.manifest(), Archives.entries()), rptVersion: "0.1.0")
        #expect(try String(contentsOf: done.folder.appendingPathComponent("task.lua"), encoding: .utf8) == "return {}\n")
        #expect(store.list().map(\.manifest.version) == ["1.0.0"])
    }

    @Test func pathTraversal() throws {
        try refused(try Archives.write(Archives.manifest(), Archives.entries() + [RawEntry("../evil.lua", "x")]), saying: "leads outside the pack")
        try refused(try Archives.write(Archives.manifest(), Archives.entries() + [RawEntry("data/../../evil", "x")]), saying: "leads outside the pack")
        let listed = Archives.manifest(files: Archives.files + [("../evil.lua", "x")])
        try refused(try Archives.write(listed, Archives.entries()), saying: "leads outside the pack")
    }

    @Test func absolutePath() throws {
        try refused(try Archives.write(Archives.manifest(), [RawEntry("/tmp/evil", "x")] + Archives.entries()), saying: "absolute path")
    }

    @Test func linksAndDevices() throws {
        for (type, words) in [("2", "symbolic link"), ("1", "hard link"), ("3", "device"), ("4", "device"), ("6", "named pipe"), ("5", "folder entry")] {
            let bad = RawEntry("task.lua", "", type: UInt8(ascii: Unicode.Scalar(type)!))
            try refused(try Archives.write(Archives.manifest(), [bad] + Archives.entries()), saying: words)
        }
    }

    @Test func duplicateEntries() throws {
        try refused(try Archives.write(Archives.manifest(), Archives.entries() + [RawEntry("task.lua", "return {}\n")]), saying: "in the archive twice")
    }

    @Test func aFileNotInTheManifestOrAManifestFileMissing() throws {
        try refused(try Archives.write(Archives.manifest(), Archives.entries() + [RawEntry("extra.lua", "x")]), saying: "not in its manifest")
        try refused(try Archives.write(Archives.manifest(), Array(Archives.entries().prefix(1))), saying: "in the manifest but not in the archive")
    }

    @Test func sizesOverTheCaps() throws {
        var big = Archives.manifest()
        big.files[1].size = 600 << 20
        try refused(try Archives.write(big, Archives.entries()), saying: "more than the")
        var many = Archives.manifest()
        many.files = (0..<5).map { Manifest.File(path: "data/\($0).jsonl", size: 500 << 20, sha256: String(repeating: "0", count: 64)) }
        try refused(try Archives.write(many, []), saying: "unpacks to more than")
        var lying = Archives.entries()
        lying[1].claimedSize = 1 << 30
        try refused(try Archives.write(Archives.manifest(), lying), saying: "the manifest says")
    }

    @Test func aChecksumMismatch() throws {
        var altered = Archives.entries()
        altered[1].data = Array("return {x}".utf8)
        try refused(try Archives.write(Archives.manifest(), altered), saying: "does not match its sha256")
        let good = try Archives.write(Archives.manifest(), Archives.entries())
        try refused(good, expect: String(repeating: "a", count: 64), saying: "not the expected")
    }

    @Test func unsafeNamesAndVersions() throws {
        for name in ["../evil", "Evil", "a/b", "", ".hidden"] {
            try refused(try Archives.write(Archives.manifest(name: name), Archives.entries()), saying: "not a safe pack name")
        }
        for version in ["1.0", "../1.0.0", "1.0.0/x", "01.0.0"] {
            try refused(try Archives.write(Archives.manifest(version: version), Archives.entries()), saying: "is not a version")
        }
    }

    @Test func notAnArchive() throws {
        let junk = Scratch.url("junk")
        try Data(repeating: 0x41, count: 2048).write(to: junk)
        try refused(junk, saying: "not a pack archive")
        let truncated = try Archives.write(Archives.manifest(), Archives.entries())
        let data = try Data(contentsOf: truncated)
        try data.prefix(1600).write(to: truncated)
        try refused(truncated, saying: "truncated")
    }
}
