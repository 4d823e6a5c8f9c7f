import Foundation
@testable import PackSharing
import Testing
import TestSupport

/// The index folder is written by other teams: what it lists becomes paths, so it is checked.
@Suite struct PackIndexTests {
    @Test func publishingAVersionAgainWithOtherContentsIsRefused() throws {
        let index = try Scratch.folder("index")
        let first = try PackIndex.publish(try Archives.write(Archives.manifest(), Archives.entries()), to: index)
        #expect(try PackIndex.read(index).packs == [first])
        let other = Archives.files.map { ($0.0, $0.1 + "-- changed\n") }
        #expect { try PackIndex.publish(try Archives.write(Archives.manifest(files: other), Archives.entries(other)), to: index) }
            throws: { "\($0)".contains("already published") && "\($0)".contains("bump the version") }
        #expect(try PackIndex.read(index).best(PackRequest("tiny@^1")!).sha256 == first.sha256)
    }

    @Test func anIndexEntryThatWouldLeadElsewhereIsRefused() throws {
        let index = try Scratch.folder("index")
        _ = try PackIndex.publish(try Archives.write(Archives.manifest(), Archives.entries()), to: index)
        let file = index.appendingPathComponent(PackIndex.fileName)
        let text = try String(contentsOf: file, encoding: .utf8)
        try text.replacingOccurrences(of: "\"tiny-1.0.0.rptpack\"", with: "\"../../etc/passwd\"").write(to: file, atomically: true, encoding: .utf8)
        #expect { try PackIndex.read(index) } throws: { "\($0)".contains("lists its archive at '../../etc/passwd': an index lists each archive as NAME-VERSION.rptpack beside index.json") }
    }

    @Test func tooManyFilesIsRefused() throws {
        var many = Archives.manifest()
        many.files = (0..<10_001).map { Manifest.File(path: "data/\($0)", size: 0, sha256: String(repeating: "0", count: 64)) }
        let store = PackStore(root: try Scratch.folder("store"))
        #expect { try store.install(archive: try Archives.write(many, []), rptVersion: "0.1.0") } throws: { "\($0)".contains("more than the 10000") }
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.root.path) == [])
    }
}
