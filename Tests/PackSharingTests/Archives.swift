import Foundation
@testable import PackSharing
import StableHash
import TestSupport

/// Archives written byte by byte, so a test can make every kind of hostile one: any path, any
/// entry type, a size the header claims, a manifest that lies.
struct RawEntry {
    var path: String
    var type = UInt8(ascii: "0")
    var data: [UInt8]
    var claimedSize: Int? = nil

    init(_ path: String, _ text: String, type: UInt8 = UInt8(ascii: "0")) {
        (self.path, self.data, self.type) = (path, Array(text.utf8), type)
    }
}

enum Archives {
    /// A small pack's files.
    static let files: [(String, String)] = [("data/LICENSE", "CC0 1.0\n"), ("task.lua", "return {}\n")]

    static func manifest(name: String = "tiny", version: String = "1.0.0", files: [(String, String)] = files) -> Manifest {
        Manifest(name: name, version: version, api: 1, minRpt: "0.1.0", description: "a tiny pack", licences: [], dependencies: [:],
                 files: files.map { Manifest.File(path: $0.0, size: $0.1.utf8.count, sha256: SHA256.hex(of: Array($0.1.utf8))) })
    }

    static func entries(_ files: [(String, String)] = files) -> [RawEntry] { files.map { RawEntry($0.0, $0.1) } }

    /// The archive of `manifest` followed by `entries`, written to a scratch file.
    static func write(_ manifest: Manifest, _ entries: [RawEntry]) throws -> URL {
        var out = [UInt8]()
        func add(_ e: RawEntry) throws {
            var h = try Ustar.header(path: e.path.count > 100 ? "x" : e.path, size: e.claimedSize ?? e.data.count)
            if e.path.count > 100 { for (i, b) in e.path.utf8.prefix(100).enumerated() { h[i] = b } }
            h[156] = e.type
            for i in 148..<156 { h[i] = UInt8(ascii: " ") }
            let sum = String(h.reduce(0) { $0 + Int($1) }, radix: 8)
            for (i, b) in (String(repeating: "0", count: 6 - sum.count) + sum).utf8.enumerated() { h[148 + i] = b }
            h[154] = 0
            out += h + e.data + [UInt8](repeating: 0, count: Ustar.padding(e.data.count))
        }
        try add(RawEntry(Manifest.fileName, String(decoding: try manifest.encoded(), as: UTF8.self)))
        for e in entries { try add(e) }
        out += [UInt8](repeating: 0, count: 1024)
        let url = Scratch.url("archive").appendingPathExtension("rptpack")
        try Data(out).write(to: url)
        return url
    }

    /// A pack folder with `files`.
    static func folder(_ files: [(String, String)] = files) throws -> URL {
        let dir = try Scratch.folder("pack")
        for (path, text) in files {
            let url = dir.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        return dir
    }
}
