import Foundation
@testable import PackSharing
import Testing
import TestSupport

@Suite struct PackStoreTests {
    let info = PackInfo(name: "tiny", version: "1.2.0", api: 1, description: "a tiny pack")

    @Test func packingTwiceGivesTheSameBytes() throws {
        let dir = try Archives.folder(Archives.files + [("labels.lua", "return {}\n"), ("tests/cases.lua", "return {}\n")])
        let a = Scratch.url("a"), b = Scratch.url("b")
        try PackArchive.write(try PackArchive.manifest(of: dir, info: info, minRpt: "0.1.0"), from: dir, to: a)
        // Times and modes of the packing machine do not reach the archive.
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: 1e9), .posixPermissions: 0o600],
                                              ofItemAtPath: dir.appendingPathComponent("task.lua").path)
        try PackArchive.write(try PackArchive.manifest(of: dir, info: info, minRpt: "0.1.0"), from: dir, to: b)
        #expect(try Data(contentsOf: a) == Data(contentsOf: b))
        let (manifest, _) = try ArchiveReader.read(a, into: nil)
        #expect(manifest.files.map(\.path) == ["data/LICENSE", "labels.lua", "task.lua", "tests/cases.lua"])
        #expect(manifest.licences == [Manifest.Licence(file: "data/LICENSE", summary: "CC0 1.0")])
    }

    @Test func hiddenFilesAndRunsStayOut() throws {
        let dir = try Archives.folder(Archives.files + [(".git/config", "x"), ("runs/r1/events.jsonl", "x"), ("data/.cache", "x")])
        #expect(try PackArchive.files(of: dir) == ["data/LICENSE", "task.lua"])
    }

    @Test func aLinkOutOfThePackIsRefused() throws {
        let dir = try Archives.folder()
        let secret = try Archives.folder([("key", "secret")])
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("data/key").path,
                                                   withDestinationPath: secret.appendingPathComponent("key").path)
        #expect { try PackArchive.files(of: dir) } throws: { "\($0)".contains("data/key leads outside the pack") }
        // A link to a file inside the pack ships as that file's bytes.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("data/key"))
        try FileManager.default.createSymbolicLink(atPath: dir.appendingPathComponent("copy.lua").path, withDestinationPath: "task.lua")
        #expect(try PackArchive.files(of: dir).contains("copy.lua"))
    }

    @Test func installListFindRemove() throws {
        let dir = try Archives.folder()
        let store = PackStore(root: try Scratch.folder("store"))
        for version in ["1.2.0", "1.3.0", "2.0.0"] {
            var i = info
            i.version = version
            let file = Scratch.url("p")
            try PackArchive.write(try PackArchive.manifest(of: dir, info: i, minRpt: "0.1.0"), from: dir, to: file)
            _ = try store.install(archive: file, rptVersion: "0.1.0")
        }
        #expect(store.list().map(\.manifest.version) == ["1.2.0", "1.3.0", "2.0.0"])
        #expect(try store.find(PackRequest("tiny@^1.2")!).manifest.version == "1.3.0")
        #expect(try store.find(PackRequest("tiny")!).manifest.version == "2.0.0")
        #expect(try store.find(PackRequest("tiny@1.2.0")!).manifest.version == "1.2.0")
        #expect { try store.find(PackRequest("tiny@^3")!) } throws: { "\($0)".contains("installed: 1.2.0, 1.3.0, 2.0.0") }
        try store.remove("tiny", "1.3.0")
        #expect(store.list().map(\.manifest.version) == ["1.2.0", "2.0.0"])
        try store.remove("tiny", "1.2.0"); try store.remove("tiny", "2.0.0")
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.root.path) == [])
    }

    @Test func aVersionIsNeverReplacedByOtherContents() throws {
        let store = PackStore(root: try Scratch.folder("store"))
        _ = try store.install(archive: try Archives.write(Archives.manifest(), Archives.entries()), rptVersion: "0.1.0")
        let other = Archives.files.map { ($0.0, $0.1 + "-- changed\n") }
        let archive = try Archives.write(Archives.manifest(files: other), Archives.entries(other))
        #expect { try store.install(archive: archive, rptVersion: "0.1.0") } throws: { "\($0)".contains("already installed with other contents") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.root.path) == ["tiny"])
    }

    @Test func versionsAndRanges() {
        #expect(SemVer("1.2.3") != nil && SemVer("1.2.3-rc.1") != nil)
        #expect(SemVer("1.2") == nil && SemVer("v1.2.3") == nil && SemVer("1.2.3+b") == nil && SemVer("1.02.3") == nil)
        let all = ["0.9.0", "1.1.0", "1.2.0", "1.2.5", "1.9.0", "2.0.0-rc.1", "2.0.0"]
        #expect(VersionRange("^1.2")!.best(all) == "1.9.0")
        #expect(VersionRange("~1.2")!.best(all) == "1.2.5")
        #expect(VersionRange(">=1.2")!.best(all) == "2.0.0")
        #expect(VersionRange("^0.9")!.best(all) == "0.9.0")
        #expect(VersionRange("1")!.best(all) == "1.9.0" && VersionRange("1.2")!.best(all) == "1.2.5")
        #expect(VersionRange("2.0.0-rc.1")!.best(all) == "2.0.0-rc.1")
        #expect(VersionRange("*")!.best(["1.0.0", "2.0.0-rc.1"]) == "1.0.0")
        #expect(VersionRange("^x") == nil && PackRequest("a@") == nil && PackRequest("../a") == nil)
    }
}
