import Foundation
import StableHash
import TaskPack

/// What the pack says about itself (from its loaded task table); the rest of the manifest is
/// read off its files.
public struct PackInfo: Sendable {
    public var name: String, version: String, api: Int, description: String
    public var dependencies: [String: String]
    /// The pack's tuning history as JSON (rpt reads and checks history.json before packing).
    public var history: ManifestHistory?
    /// A library pack: modules for other packs, no task.
    public var library: Bool
    public init(name: String, version: String, api: Int, description: String, dependencies: [String: String] = [:],
                history: ManifestHistory? = nil, library: Bool = false) {
        (self.name, self.version, self.api, self.description, self.dependencies) = (name, version, api, description, dependencies)
        (self.history, self.library) = (history, library)
    }
}

/// `rpt pack`: a pack folder as one reproducible archive, the manifest first, then every file in
/// sorted order, each with a fixed header (no owner, time or mode of the packing machine).
public enum PackArchive {
    /// The folder's files as a pack ships them: regular files (a link is followed only to a file
    /// inside the pack, as PackFiles reads them), without hidden files or the top-level runs/.
    public static func files(of root: URL) throws(PackStoreError) -> [String] {
        var out: [String] = []
        try walk(root, "", into: &out)
        return out.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    }

    private static func walk(_ root: URL, _ rel: String, into out: inout [String]) throws(PackStoreError) {
        let dir = rel.isEmpty ? root : root.appendingPathComponent(rel)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else {
            throw PackStoreError("\(rel.isEmpty ? root.path : rel): cannot read the folder")
        }
        for name in names where !name.hasPrefix(".") {
            let path = rel.isEmpty ? name : rel + "/" + name
            if rel.isEmpty && (name == "runs" || name.hasSuffix(".rptpack")) { continue }
            var info = stat()
            guard lstat(root.appendingPathComponent(path).path, &info) == 0 else { throw PackStoreError("\(path): cannot read it") }
            switch info.st_mode & S_IFMT {
            case S_IFDIR: try walk(root, path, into: &out)
            case S_IFREG, S_IFLNK:
                do { _ = try PackFiles.resolve(path, in: root, maxBytes: PackFiles.maxDataBytes) } catch {
                    throw PackStoreError("\(path) \(error.message)")
                }
                try PackPath.check(path)
                out.append(path)
            default: throw PackStoreError("\(path) is not a regular file (a device or pipe): a pack holds regular files only")
            }
        }
    }

    /// The manifest of the folder: every file's size and SHA-256, and its data licences.
    public static func manifest(of root: URL, info: PackInfo, minRpt: String) throws(PackStoreError) -> Manifest {
        var listed: [Manifest.File] = []
        for path in try files(of: root) {
            let (size, sha) = try digest(root.appendingPathComponent(path), path)
            listed.append(Manifest.File(path: path, size: size, sha256: sha))
        }
        let licences = listed.map(\.path).filter(isLicence).map { Manifest.Licence(file: $0, summary: summary(root.appendingPathComponent($0))) }
        return Manifest(name: info.name, version: info.version, api: info.api, minRpt: minRpt, description: info.description,
                        licences: licences, dependencies: info.dependencies, files: listed, history: info.history,
                        library: info.library ? true : nil)
    }

    static func isLicence(_ path: String) -> Bool {
        let parts = path.lowercased().split(separator: "/")
        guard parts.count <= 2, parts.count == 1 || parts[0] == "data", let last = parts.last else { return false }
        return last.hasPrefix("license") || last.hasPrefix("licence") || last.hasPrefix("copying") || last == "source.md"
    }

    /// The first line with text, for `rpt show` and the index (the file itself ships too).
    static func summary(_ url: URL) -> String {
        guard let h = FileHandle(forReadingAtPath: url.path), let head = try? h.read(upToCount: 4096) else { return "" }
        try? h.close()
        let line = String(decoding: head, as: UTF8.self).split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .first { !$0.isEmpty && !$0.allSatisfy { $0 == "#" || $0 == "=" || $0 == "-" } } ?? ""
        return String(line.trimmingCharacters(in: CharacterSet(charactersIn: "# ")).prefix(200))
    }

    static func digest(_ url: URL, _ path: String) throws(PackStoreError) -> (Int, String) {
        guard let h = FileHandle(forReadingAtPath: url.path) else { throw PackStoreError("\(path): cannot read it") }
        defer { try? h.close() }
        var sha = SHA256(), size = 0
        do {
            while let chunk = try h.read(upToCount: 1 << 20), !chunk.isEmpty { sha.update(chunk); size += chunk.count }
        } catch { throw PackStoreError("\(path): \(error.localizedDescription)") }
        return (size, sha.hex())
    }

    /// Writes the archive for `manifest` to `out` (through a temporary file, so a failed pack
    /// leaves no half archive). A file that changed since the manifest was made stops it.
    public static func write(_ manifest: Manifest, from root: URL, to out: URL) throws(PackStoreError) {
        let tmp = out.deletingLastPathComponent().appendingPathComponent(".\(out.lastPathComponent).\(UUID().uuidString).tmp")
        guard FileManager.default.createFile(atPath: tmp.path, contents: nil), let h = FileHandle(forWritingAtPath: tmp.path) else {
            throw PackStoreError("cannot write \(out.path)")
        }
        var done = false
        defer { try? h.close(); if !done { try? FileManager.default.removeItem(at: tmp) } }
        do {
            let head: Data
            do { head = try manifest.encoded() } catch { throw PackStoreError("cannot encode the manifest: \(error)") }
            try h.write(contentsOf: try Ustar.header(path: Manifest.fileName, size: head.count))
            try h.write(contentsOf: head + Data(count: Ustar.padding(head.count)))
            for f in manifest.files {
                try h.write(contentsOf: try Ustar.header(path: f.path, size: f.size))
                guard let r = FileHandle(forReadingAtPath: root.appendingPathComponent(f.path).path) else { throw PackStoreError("\(f.path): cannot read it") }
                defer { try? r.close() }
                var sha = SHA256(), size = 0
                while size < f.size, let chunk = try r.read(upToCount: min(1 << 20, f.size - size)), !chunk.isEmpty {
                    sha.update(chunk); size += chunk.count
                    try h.write(contentsOf: chunk)
                }
                guard size == f.size, sha.hex() == f.sha256 else { throw PackStoreError("\(f.path) changed while it was being packed: pack again") }
                try h.write(contentsOf: Data(count: Ustar.padding(f.size)))
            }
            try h.write(contentsOf: Data(count: 2 * Ustar.block))     // the end of the archive
            try h.synchronize()
            guard rename(tmp.path, out.path) == 0 else { throw PackStoreError("cannot write \(out.path): \(String(cString: strerror(errno)))") }
            done = true
        } catch let e as PackStoreError { throw e } catch { throw PackStoreError("cannot write \(out.path): \(error.localizedDescription)") }
    }
}
