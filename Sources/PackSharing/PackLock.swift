import Foundation

/// `rpt.lock`: the exact packs a project uses (name, version, archive SHA-256), for CI to
/// reproduce with `rpt install --locked`. One version per name; sorted, so it diffs well.
public struct PackLock: Codable, Sendable, Equatable {
    public struct Pin: Codable, Sendable, Equatable {
        public var name: String, version: String, sha256: String
        public init(name: String, version: String, sha256: String) { (self.name, self.version, self.sha256) = (name, version, sha256) }
    }

    public var packs: [Pin] = []
    public init(packs: [Pin] = []) { self.packs = packs }

    public static func read(_ file: URL) throws(PackStoreError) -> PackLock {
        guard let data = FileManager.default.contents(atPath: file.path) else { throw PackStoreError("cannot read \(file.path)") }
        let lock: PackLock
        do { lock = try JSONDecoder().decode(PackLock.self, from: data) } catch { throw PackStoreError("\(file.path) is not a lock file rpt reads: \(error)") }
        for p in lock.packs where !PackName.isSafe(p.name) || SemVer(p.version) == nil {
            throw PackStoreError("\(file.path): '\(Ustar.shown(p.name)) \(Ustar.shown(p.version))' is not a pack name and version")
        }
        return lock
    }

    /// Pins `pin`, replacing the name's earlier pin.
    public mutating func pin(_ pin: Pin) {
        packs.removeAll { $0.name == pin.name }
        packs.append(pin)
        packs.sort { $0.name < $1.name }
    }

    public func write(_ file: URL) throws(PackStoreError) {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        do { try AtomicFile.write(try e.encode(self) + Data("\n".utf8), to: file) } catch {
            throw PackStoreError("cannot write \(file.path): \(error)")
        }
    }
}

extension PackLock {
    /// The project's lock in the current folder, if there is one: the versions its runs use.
    public static func current(_ file: URL = URL(fileURLWithPath: "rpt.lock")) throws(PackStoreError) -> PackLock? {
        FileManager.default.fileExists(atPath: file.path) ? try read(file) : nil
    }

    public func pin(of name: String) -> Pin? { packs.first { $0.name == name } }
}

extension PackLock.Pin {
    /// Whether `installed` is exactly what this pin records: its version and archive.
    public func holds(_ installed: PackStore.Installed) -> Bool {
        installed.manifest.name == name && installed.manifest.version == version && installed.sha256 == sha256
    }
}

extension PackStore {
    /// The installed pack `request` names, held to `lock` when it pins that name: a project runs
    /// exactly the version and archive its rpt.lock records, as its authors did, not merely the
    /// highest one installed.
    public func find(_ request: PackRequest, lock: PackLock?) throws(PackStoreError) -> Installed {
        guard let pin = lock?.pin(of: request.name) else { return try find(request) }
        guard request.range.best([pin.version]) != nil else {
            throw PackStoreError("rpt.lock pins \(pin.name) \(pin.version), which \(request.range) does not match: "
                                 + "ask for \(pin.name)@\(pin.version), or pin another with rpt install \(request)")
        }
        guard FileManager.default.fileExists(atPath: folder(pin.name, pin.version).path) else {
            throw PackStoreError("rpt.lock pins \(pin.name) \(pin.version), which is not installed in \(root.path): rpt install --locked --from DIR|URL")
        }
        let found = try installed(pin.name, pin.version)
        guard pin.holds(found) else {
            throw PackStoreError("the installed \(pin.name) \(pin.version) is not the archive rpt.lock pins (its sha256 differs): "
                                 + "rpt remove \(pin.name)@\(pin.version), then rpt install --locked --from DIR|URL")
        }
        return found
    }
}
