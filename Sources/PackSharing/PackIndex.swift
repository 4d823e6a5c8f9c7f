import Foundation

/// A shared index without a server: a folder (a network share, a synced drive, a static web
/// location) holding `index.json` and the archives it lists. Publishing copies the archive in
/// and rewrites the index in one rename, under a lock, so two teams publishing at once both land.
public struct PackIndex: Codable, Sendable {
    public static let fileName = "index.json"
    /// The index is read whole and comes from elsewhere.
    static let maxBytes = 16 << 20

    public struct Entry: Codable, Sendable, Equatable {
        public var name: String, version: String, description: String
        public var sha256: String, size: Int, file: String
        public var api: Int
        public var minRpt: String
        public var licences: [String]
        /// The manifest's dependencies, so an install can plan them before it fetches them (absent
        /// in indexes written before dependencies existed). The archive's manifest is what counts.
        public var dependencies: [String: String]? = nil
        enum CodingKeys: String, CodingKey {
            case name, version, description, sha256, size, file, api, licences, dependencies
            case minRpt = "min_rpt"
        }
    }

    public var format = 1
    public var packs: [Entry] = []

    /// The index of `dir` (empty when the folder has none yet).
    public static func read(_ dir: URL) throws(PackStoreError) -> PackIndex {
        let file = dir.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: file.path) else { return PackIndex() }
        guard let h = FileHandle(forReadingAtPath: file.path), let data = try? h.read(upToCount: maxBytes + 1) else {
            throw PackStoreError("cannot read \(file.path)")
        }
        try? h.close()
        return try decode(data, from: file.path)
    }

    /// An index read from `source` (a file or a URL, for messages). It comes from elsewhere and
    /// its entries become paths and URLs: each must name a safe pack and version, list its archive
    /// as NAME-VERSION.rptpack beside index.json (no other folder, host or `..`), and give a
    /// 64-digit sha256 and a size an archive can have; a name and version is listed once.
    public static func decode(_ data: Data, from source: String) throws(PackStoreError) -> PackIndex {
        guard data.count <= maxBytes else { throw PackStoreError("\(source) is over \(maxBytes >> 20) MB: not an index rpt reads") }
        var index: PackIndex
        do { index = try JSONDecoder().decode(PackIndex.self, from: data) } catch {
            throw PackStoreError("\(source) is not an index rpt reads: \(String(String(describing: error).prefix(300)))")
        }
        guard index.format == 1 else { throw PackStoreError("\(source) has index format \(index.format), not one this rpt reads (1)") }
        var seen = Set<String>()
        for (i, e) in index.packs.enumerated() {
            let at = "\(source): entry \(i + 1) ('\(Ustar.shown(e.name)) \(Ustar.shown(e.version))')"
            guard PackName.isSafe(e.name), SemVer(e.version) != nil, e.file == archiveName(e.name, e.version) else {
                throw PackStoreError("\(at) lists its archive at '\(Ustar.shown(e.file))': an index lists each archive as NAME-VERSION.rptpack "
                                     + "beside index.json, with a safe name and a version like 1.2.0")
            }
            guard Manifest.isSHA256(e.sha256) else { throw PackStoreError("\(at): its sha256 is not 64 lowercase hex digits") }
            guard (0...ArchiveLimits.standard.maxArchiveBytes).contains(e.size) else { throw PackStoreError("\(at): its size \(e.size) is not one an archive can have") }
            guard seen.insert("\(e.name)@\(e.version)").inserted else { throw PackStoreError("\(at) is listed twice") }
            try Manifest.checkDependencies(e.dependencies ?? [:], of: at)
            index.packs[i].description = Ustar.shown(String(e.description.prefix(500)))
            index.packs[i].licences = e.licences.prefix(20).map { Ustar.shown(String($0.prefix(300))) }
        }
        return index
    }

    public static func archiveName(_ name: String, _ version: String) -> String { "\(name)-\(version).rptpack" }

    /// Verifies `archive`, copies it into `dir` and lists it. A version already published with
    /// other contents is refused: what a team installed once must stay what it was.
    public static func publish(_ archive: URL, to dir: URL) throws(PackStoreError) -> Entry {
        let (manifest, sha) = try ArchiveReader.read(archive, into: nil)
        let (size, _) = try ArchiveReader.digest(archive)
        do { try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            throw PackStoreError("cannot make \(dir.path): \(error.localizedDescription)")
        }
        let lockFD = open(dir.appendingPathComponent(".index.lock").path, O_RDWR | O_CREAT, 0o644)
        guard lockFD >= 0 else { throw PackStoreError("cannot write in \(dir.path): \(String(cString: strerror(errno)))") }
        defer { close(lockFD) }
        flock(lockFD, LOCK_EX)
        var index = try read(dir)
        let entry = Entry(name: manifest.name, version: manifest.version, description: manifest.description, sha256: sha, size: size,
                          file: archiveName(manifest.name, manifest.version), api: manifest.api, minRpt: manifest.minRpt,
                          licences: manifest.licences.map { "\($0.file): \($0.summary)" }, dependencies: manifest.dependencies)
        if let old = index.packs.first(where: { $0.name == entry.name && $0.version == entry.version }) {
            guard old.sha256 == sha else {
                throw PackStoreError("\(entry.name) \(entry.version) is already published in \(dir.path) with other contents: bump the version")
            }
            return old
        }
        do {
            let copied = dir.appendingPathComponent(entry.file)
            try AtomicFile.copy(archive, to: copied)
            // The copy is what installers get: it must be the archive that was verified.
            guard try ArchiveReader.digest(copied).1 == sha else {
                try? FileManager.default.removeItem(at: copied)
                throw PackStoreError("\(archive.path) changed while it was published: publish again")
            }
            index.packs.append(entry)
            index.packs.sort { ($0.name, SemVer($0.version)!) < ($1.name, SemVer($1.version)!) }
            let e = JSONEncoder()
            e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            try AtomicFile.write(try e.encode(index) + Data("\n".utf8), to: dir.appendingPathComponent(fileName))
        } catch { throw PackStoreError("cannot publish to \(dir.path): \(error)") }
        return entry
    }

    /// Packs whose name or description contains `word` (case-insensitive), every version.
    public func search(_ word: String) -> [Entry] {
        packs.filter { $0.name.localizedCaseInsensitiveContains(word) || $0.description.localizedCaseInsensitiveContains(word) }
    }

    /// The highest version of `request` the index lists.
    public func best(_ request: PackRequest) throws(PackStoreError) -> Entry {
        let versions = packs.filter { $0.name == request.name }
        guard let v = request.range.best(versions.map(\.version)), let e = versions.first(where: { $0.version == v }) else {
            throw PackStoreError(versions.isEmpty ? "the index has no pack \(request.name)"
                                 : "no version of \(request.name) in the index matches \(request.range) (it has \(versions.map(\.version).joined(separator: ", ")))")
        }
        return e
    }
}
