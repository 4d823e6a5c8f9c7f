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
