import Foundation
import StableHash

/// Reads a `.rptpack` from another team: the manifest first, validated, then each entry checked
/// against it (listed, not seen before, its size, its SHA-256) while it streams to a folder that
/// the caller keeps out of sight until this returns. Every refusal is a `PackStoreError`.
public enum ArchiveReader {
    /// Verifies `archive` and, with `into`, writes its files there (a fresh, empty folder).
    /// Returns the manifest and the archive's own SHA-256.
    @discardableResult
    public static func read(_ archive: URL, into dest: URL?, limits: ArchiveLimits = .standard) throws(PackStoreError) -> (Manifest, String) {
        guard let h = FileHandle(forReadingAtPath: archive.path) else { throw PackStoreError("cannot read \(archive.path)") }
        defer { try? h.close() }
        var whole = SHA256()
        func next(_ count: Int) throws(PackStoreError) -> Data {
            var out = Data()
            while out.count < count {
                let chunk: Data?
                do { chunk = try h.read(upToCount: count - out.count) } catch { throw PackStoreError("cannot read \(archive.path): \(error.localizedDescription)") }
                guard let chunk, !chunk.isEmpty else { throw PackStoreError("the archive ends in the middle of an entry (truncated?)") }
                out.append(chunk)
            }
            whole.update(out)
            return out
        }

        guard let first = try Ustar.parse(Array(try next(Ustar.block))), first.path == Manifest.fileName else {
            throw PackStoreError("the archive does not start with \(Manifest.fileName): make it with rpt pack")
        }
        guard first.size <= Manifest.maxBytes else { throw PackStoreError("the archive's manifest is over \(Manifest.maxBytes >> 20) MB") }
        let manifest = try Manifest.decode(try next(first.size))
        _ = try next(Ustar.padding(first.size))
        try manifest.validate(limits: limits)

        let listed = Dictionary(uniqueKeysWithValues: manifest.files.map { ($0.path, $0) })
        var seen = Set<String>()
        while true {
            guard let entry = try Ustar.parse(Array(try next(Ustar.block))) else { break }
            let shown = Ustar.shown(entry.path)
            try PackPath.check(entry.path)
            guard let file = listed[entry.path] else { throw PackStoreError("\(shown) is in the archive but not in its manifest") }
            guard seen.insert(entry.path).inserted else { throw PackStoreError("\(shown) is in the archive twice") }
            guard entry.size == file.size else { throw PackStoreError("\(shown) is \(entry.size) bytes, the manifest says \(file.size)") }
            let out = try dest.map { d throws(PackStoreError) in try create(entry.path, in: d) }
            defer { try? out?.close() }
            var sha = SHA256(), left = entry.size
            while left > 0 {
                let chunk = try next(min(left, 1 << 20))
                sha.update(chunk); left -= chunk.count
                do { try out?.write(contentsOf: chunk) } catch { throw PackStoreError("cannot write \(shown): \(error.localizedDescription)") }
            }
            guard sha.hex() == file.sha256 else { throw PackStoreError("\(shown) does not match its sha256 in the manifest (damaged or altered)") }
            _ = try next(Ustar.padding(entry.size))
        }
        if let missing = manifest.files.first(where: { !seen.contains($0.path) }) {
            throw PackStoreError("\(Ustar.shown(missing.path)) is in the manifest but not in the archive")
        }
        // The rest of the file (the second end block) counts in the archive's checksum.
        do { while let rest = try h.read(upToCount: 1 << 16), !rest.isEmpty { whole.update(rest) } } catch {}
        return (manifest, whole.hex())
    }

    /// The manifest alone, checked (`validate`), without reading the files after it: what an
    /// install plans with before it verifies the whole archive.
    public static func manifest(of archive: URL, limits: ArchiveLimits = .standard) throws(PackStoreError) -> Manifest {
        guard let h = FileHandle(forReadingAtPath: archive.path) else { throw PackStoreError("cannot read \(archive.path)") }
        defer { try? h.close() }
        func next(_ count: Int) throws(PackStoreError) -> Data {
            guard let d = try? h.read(upToCount: count), d.count == count else { throw PackStoreError("the archive ends in the middle of an entry (truncated?)") }
            return d
        }
        guard let first = try Ustar.parse(Array(try next(Ustar.block))), first.path == Manifest.fileName else {
            throw PackStoreError("the archive does not start with \(Manifest.fileName): make it with rpt pack")
        }
        guard first.size <= Manifest.maxBytes else { throw PackStoreError("the archive's manifest is over \(Manifest.maxBytes >> 20) MB") }
        let manifest = try Manifest.decode(try next(first.size))
        try manifest.validate(limits: limits)
        return manifest
    }

    /// The size and SHA-256 of a whole file.
    public static func digest(_ file: URL) throws(PackStoreError) -> (Int, String) {
        try PackArchive.digest(file, file.lastPathComponent)
    }

    /// A new file at `path` under `dest`: its folders made as needed, the file itself created
    /// exclusively and without following a link (nothing in `dest` is a link, but a race is not
    /// a way out either).
    static func create(_ path: String, in dest: URL) throws(PackStoreError) -> FileHandle {
        let url = dest.appendingPathComponent(path)
        do { try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true) } catch {
            throw PackStoreError("cannot make the folder of \(Ustar.shown(path)): \(error.localizedDescription)")
        }
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw PackStoreError("cannot write \(Ustar.shown(path)): \(String(cString: strerror(errno)))") }
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }
}
