import Foundation
@testable import PackSharing
import Synchronization
import Testing
import TestSupport

/// A web location in memory: what PackSharing sees of the network is only what its fetcher gives
/// (the real one, over libcurl, is tested in ModelClientTests and the CLI tests).
final class FakeWeb: PackFetcher {
    let files: [String: [UInt8]]
    let asked = Mutex<[String]>([])
    init(_ files: [String: [UInt8]]) { self.files = files }

    struct Missing: Error, CustomStringConvertible { let description: String }

    func data(_ url: String, maxBytes: Int) async throws -> [UInt8] {
        asked.withLock { $0.append(url) }
        guard let body = files[url] else { throw Missing(description: "\(url): the server answered HTTP 404") }
        guard body.count <= maxBytes else { throw Missing(description: "\(url) is larger than the \(maxBytes) bytes rpt takes for it") }
        return body
    }

    func download(_ url: String, to file: URL, maxBytes: Int) async throws {
        try Data(try await data(url, maxBytes: maxBytes)).write(to: file, options: .withoutOverwriting)
    }
}

/// An index at a static web location: URL/index.json and the archives beside it, nothing else.
@Suite struct RemoteIndexTests {
    static let base = "https://packs.example.com/team"

    /// A folder index with the tiny pack published, as a web location serving the same files.
    func published() throws -> (FakeWeb, PackIndex.Entry, URL) {
        let dir = try Scratch.folder("index")
        let entry = try PackIndex.publish(try Archives.write(Archives.manifest(), Archives.entries()), to: dir)
        let web = FakeWeb([
            Self.base + "/index.json": Array(try Data(contentsOf: dir.appendingPathComponent("index.json"))),
            Self.base + "/" + entry.file: Array(try Data(contentsOf: dir.appendingPathComponent(entry.file))),
        ])
        return (web, entry, dir)
    }

    @Test func installsByNameFromAWebIndex() async throws {
        let (web, entry, _) = try published()
        for given in [Self.base, Self.base + "/", Self.base + "/index.json"] {
            let source = try PackSource(given, fetcher: web)
            #expect(source.description == Self.base)
            #expect(try await source.index().best(PackRequest("tiny@^1.0")!) == entry)
        }
        let store = PackStore(root: try Scratch.folder("store"))
        let source = try PackSource(Self.base, fetcher: web)
        let scratch = try store.scratch()
        let file = try await source.archive(entry, into: scratch)
        let done = try await PackInstaller(store: store, source: source, rptVersion: "0.1.0").install(file, expect: entry.sha256)
        #expect(done.map(\.manifest.name) == ["tiny"])
        #expect(web.asked.withLock { $0 }.allSatisfy { $0.hasPrefix(Self.base + "/") })
    }

    @Test func aWrongOrCutArchiveLeavesNothingInTheStore() async throws {
        let (web, entry, _) = try published()
        let archive = web.files[Self.base + "/" + entry.file]!
        var altered = archive
        altered[archive.count - 2000] ^= 1
        for (body, why) in [(Array(archive.prefix(archive.count / 2)), "the index says \(entry.size) (cut off"),
                            (altered, "has sha256 ")] {
            var files = web.files
            files[Self.base + "/" + entry.file] = body
            let store = PackStore(root: try Scratch.folder("store"))
            let source = try PackSource(Self.base, fetcher: FakeWeb(files))
            await #expect { () async throws in
                let scratch = try store.scratch()
                defer { try? FileManager.default.removeItem(at: scratch) }
                _ = try await PackInstaller(store: store, source: source, rptVersion: "0.1.0")
                    .install(try await source.archive(entry, into: scratch), expect: entry.sha256)
            } throws: { "\($0)".contains(why) }
            #expect(store.list().isEmpty)
            #expect(try FileManager.default.contentsOfDirectory(atPath: store.root.path) == [])
        }
    }

    @Test func aHostileIndexIsRefused() async throws {
        let (web, _, dir) = try published()
        let good = try String(contentsOf: dir.appendingPathComponent("index.json"), encoding: .utf8)
        let cases: [(String, String)] = [
            ("{\"format\": 1, \"packs\": [", "is not an index rpt reads"),
            (String(repeating: " ", count: PackIndex.maxBytes + 1), "index.json is larger than the 16777216 bytes"),
            (good.replacingOccurrences(of: "\"tiny-1.0.0.rptpack\"", with: "\"../tiny-1.0.0.rptpack\""), "lists its archive at '../tiny-1.0.0.rptpack'"),
            (good.replacingOccurrences(of: "\"tiny-1.0.0.rptpack\"", with: "\"https://evil.example.com/tiny-1.0.0.rptpack\""),
             "lists its archive at 'https://evil.example.com/tiny-1.0.0.rptpack'"),
            (good.replacingOccurrences(of: "\"tiny-1.0.0.rptpack\"", with: "\"/etc/passwd\""), "lists its archive at '/etc/passwd'"),
            (good.replacingOccurrences(of: "\"name\" : \"tiny\"", with: "\"name\" : \"../tiny\""), "entry 1 ('../tiny 1.0.0')"),
            (good.replacingOccurrences(of: "\"size\" : ", with: "\"size\" : -"), "is not one an archive can have"),
            (good.replacingOccurrences(of: "\"dependencies\" : {\n\n      }", with: "\"dependencies\" : { \"x/..\": \"^1\" }"),
             "the dependency 'x/..' = '^1' is not a pack name and version range"),
            (good.replacingOccurrences(of: "\"format\" : 1", with: "\"format\" : 2"), "index format 2"),
        ]
        for (text, why) in cases {
            var files = web.files
            files[Self.base + "/index.json"] = Array(text.utf8)
            await #expect { _ = try await PackSource(Self.base, fetcher: FakeWeb(files)).index() } throws: { "\($0)".contains(why) }
        }
        var doubled = try PackIndex.read(dir)
        doubled.packs += doubled.packs
        var files = web.files
        files[Self.base + "/index.json"] = Array(try JSONEncoder().encode(doubled))
        await #expect { _ = try await PackSource(Self.base, fetcher: FakeWeb(files)).index() } throws: { "\($0)".contains("is listed twice") }
    }

    @Test func onlyPlainWebLocationsAreSources() throws {
        for (url, why) in [("https://user:secret@packs.example.com/x", "rpt sends no credentials"),
                           ("https://packs.example.com/x?token=1", "an index location has no query"),
                           ("http://packs.example.com/a b", "is not a URL rpt fetches"),
                           ("https:///nohost", "is not a URL rpt fetches")] {
            #expect { _ = try PackSource(url, fetcher: FakeWeb([:])) } throws: { "\($0)".contains(why) && !"\($0)".contains("secret") }
        }
        // A folder stays a folder, and an archive URL may carry a query (a signed link).
        #expect(try PackSource("some/folder", fetcher: nil).description.hasSuffix("some/folder"))
        #expect(try WebAddress.check("https://bucket.example.com/a.rptpack?sig=abc", query: true) == "https://bucket.example.com/a.rptpack?sig=abc")
    }
}
