import Foundation

/// The installed packs: `ROOT/NAME/VERSION/` with the pack's files and its manifest. A pack
/// becomes visible only by one rename of a folder whose every file was verified, so a reader
/// never sees half a pack and a refused archive leaves nothing behind.
public struct PackStore: Sendable {
    public let root: URL
    /// The archive's SHA-256, beside the manifest (hidden: packs never read hidden files).
    static let shaFile = ".rptpack.sha256"

    public init(root: URL) { self.root = root }

    /// RPT_PACK_DIR, else $XDG_DATA_HOME/rpt/packs, else ~/.local/share/rpt/packs.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> PackStore {
        if let dir = environment["RPT_PACK_DIR"], !dir.isEmpty { return PackStore(root: URL(fileURLWithPath: dir)) }
        let data = environment["XDG_DATA_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".local/share").path
        return PackStore(root: URL(fileURLWithPath: data).appendingPathComponent("rpt/packs"))
    }

    public struct Installed: Sendable {
        public let manifest: Manifest
        public let sha256: String
        public let folder: URL
    }

    public func folder(_ name: String, _ version: String) -> URL {
        root.appendingPathComponent(name).appendingPathComponent(version)
    }

    /// Verifies `archive` into a temporary folder inside the store, then renames it into place.
    /// `expect` is a SHA-256 the archive must have (`--sha256`, an index, rpt.lock).
    /// `vet` looks at the verified folder before it is moved in (rpt loads its task.lua there).
    public func install(archive: URL, expect: String? = nil, rptVersion: String, limits: ArchiveLimits = .standard,
                        vet: (URL, Manifest) throws(PackStoreError) -> Void = { _, _ in }) throws(PackStoreError) -> Installed {
        let tmp = try scratch("install")
        defer { try? FileManager.default.removeItem(at: tmp) }
        if let expect {
            // Checked before anything is unpacked, so a swapped archive is not even parsed.
            let (_, sha) = try ArchiveReader.digest(archive)
            guard sha == expect.lowercased() else { throw PackStoreError("\(archive.lastPathComponent) has sha256 \(sha), not the expected \(expect)") }
        }
        let (manifest, sha) = try ArchiveReader.read(archive, into: tmp, limits: limits)
        if let expect, sha != expect.lowercased() { throw PackStoreError("\(archive.lastPathComponent) changed while it was read") }
        if let need = SemVer(manifest.minRpt), let have = SemVer(rptVersion), have < need {
            throw PackStoreError("\(manifest.name) \(manifest.version) needs rpt \(manifest.minRpt) or later (this is \(rptVersion))")
        }
        try vet(tmp, manifest)
        do {
            try manifest.encoded().write(to: tmp.appendingPathComponent(Manifest.fileName))
            try Data((sha + "\n").utf8).write(to: tmp.appendingPathComponent(Self.shaFile))
        } catch { throw PackStoreError("cannot write in the pack store: \(error.localizedDescription)") }

        let dest = folder(manifest.name, manifest.version)
        if let there = try? installed(manifest.name, manifest.version) {
            guard there.sha256 == sha else {
                throw PackStoreError("\(manifest.name) \(manifest.version) is already installed with other contents (sha256 \(there.sha256)): "
                                     + "a version is never replaced; rpt remove \(manifest.name)@\(manifest.version) first")
            }
            return there
        }
        do { try FileManager.default.createDirectory(at: dest.deletingLastPathComponent(), withIntermediateDirectories: true) } catch {
            throw PackStoreError("cannot write in the pack store: \(error.localizedDescription)")
        }
        guard rename(tmp.path, dest.path) == 0 else {
            rmdir(dest.deletingLastPathComponent().path)
            throw PackStoreError("cannot move \(manifest.name) \(manifest.version) into the store: \(String(cString: strerror(errno)))")
        }
        return Installed(manifest: manifest, sha256: sha, folder: dest)
    }

    /// A new hidden folder in the store (never listed: not a pack name), on the store's file
    /// system so what is verified there moves into place by a rename. The caller removes it.
    public func scratch(_ purpose: String = "download") throws(PackStoreError) -> URL {
        do { try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true) } catch {
            throw PackStoreError("cannot make the pack store \(root.path): \(error.localizedDescription)")
        }
        let tmp = root.appendingPathComponent(".\(purpose)-\(UUID().uuidString)")
        do { try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: false) } catch {
            throw PackStoreError("cannot write in the pack store \(root.path): \(error.localizedDescription)")
        }
        return tmp
    }

    /// An installed version, read back (its manifest as written on install).
    public func installed(_ name: String, _ version: String) throws(PackStoreError) -> Installed {
        let dir = folder(name, version)
        guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent(Manifest.fileName).path) else {
            throw PackStoreError("\(name) \(version) is not installed (rpt list shows what is)")
        }
        let manifest = try Manifest.decode(data)
        let sha = (try? String(contentsOf: dir.appendingPathComponent(Self.shaFile), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return Installed(manifest: manifest, sha256: sha, folder: dir)
    }

    /// Every installed pack, by name then version.
    public func list() -> [Installed] {
        let fm = FileManager.default
        let names = ((try? fm.contentsOfDirectory(atPath: root.path)) ?? []).filter(PackName.isSafe).sorted()
        return names.flatMap { name -> [Installed] in
            let versions = ((try? fm.contentsOfDirectory(atPath: root.appendingPathComponent(name).path)) ?? []).compactMap(SemVer.init).sorted()
            return versions.compactMap { try? installed(name, $0.description) }
        }
    }

    /// The highest installed version that `request` matches.
    public func find(_ request: PackRequest) throws(PackStoreError) -> Installed {
        let versions = list().filter { $0.manifest.name == request.name }
        guard let v = request.range.best(versions.map(\.manifest.version)) else {
            let have = versions.map(\.manifest.version).joined(separator: ", ")
            throw PackStoreError(versions.isEmpty ? "no pack \(request.name) is installed in \(root.path) (rpt install it, or give a folder)"
                                 : "no installed version of \(request.name) matches \(request.range) (installed: \(have))")
        }
        return try installed(request.name, v)
    }

    /// Removes one version: renamed out of sight first, so a half-removed pack is never used.
    public func remove(_ name: String, _ version: String) throws(PackStoreError) {
        _ = try installed(name, version)
        let gone = root.appendingPathComponent(".remove-\(UUID().uuidString)")
        guard rename(folder(name, version).path, gone.path) == 0 else {
            throw PackStoreError("cannot remove \(name) \(version): \(String(cString: strerror(errno)))")
        }
        try? FileManager.default.removeItem(at: gone)
        rmdir(root.appendingPathComponent(name).path)      // only when no other version is left
    }
}
