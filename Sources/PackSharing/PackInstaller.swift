import Foundation
import TaskPack

/// `rpt install` of an archive with what it depends on: the packs its manifest names are chosen
/// (DependencyResolution: installed versions and those the source lists), the missing ones
/// fetched from the same source and installed first, each verified and vetted like any install.
/// Nothing of the pack itself is visible until its dependencies are in place.
public struct PackInstaller: Sendable {
    public let store: PackStore
    public let source: PackSource?
    public let rptVersion: String
    public let vet: @Sendable (URL, Manifest) throws(PackStoreError) -> Void

    public init(store: PackStore, source: PackSource?, rptVersion: String,
                vet: @escaping @Sendable (URL, Manifest) throws(PackStoreError) -> Void = { _, _ in }) {
        (self.store, self.source, self.rptVersion, self.vet) = (store, source, rptVersion, vet)
    }

    /// The packs installed or already there, dependencies first, `archive`'s own pack last.
    public func install(_ archive: URL, expect: String?) async throws(PackStoreError) -> [PackStore.Installed] {
        let manifest = try ArchiveReader.manifest(of: archive)
        guard !manifest.dependencies.isEmpty else { return [try store.install(archive: archive, expect: expect, rptVersion: rptVersion, vet: vet)] }
        // No dependency is installed for an archive that is not the one expected.
        let (_, sha) = try ArchiveReader.digest(archive)
        if let expect, sha != expect.lowercased() { throw PackStoreError("\(archive.lastPathComponent) has sha256 \(sha), not the expected \(expect)") }
        let root = "\(manifest.name) \(manifest.version)"
        let index = manifest.dependencies.isEmpty ? nil : try await source?.index()
        let installed = store.list()
        let source = source
        let plan = try DependencyResolution.resolve(
            root: root, rootName: manifest.name, needs: manifest.dependencies,
            candidates: { name in
                DependencyResolution.Candidate.installed(name, in: installed)
                    + (index?.packs ?? []).filter { $0.name == name }.map { .init(name: name, version: $0.version, dependencies: $0.dependencies ?? [:], installed: false) }
            },
            unavailable: { name, range, by, have in
                let there = have.isEmpty ? "" : " (there: \(have.joined(separator: ", ")))"
                guard let source else {
                    return "\(by) needs \(name) \(range), which is not installed\(there): give --from DIR|URL to install it along, "
                        + "or rpt install \(name)@\(range) --from DIR|URL first"
                }
                return "\(by) needs \(name) \(range), which neither the pack store nor \(source) has\(there)"
            })
        let scratch = try store.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        var done: [PackStore.Installed] = []
        for c in plan {
            if c.installed { done.append(try store.installed(c.name, c.version)); continue }
            guard let source, let entry = index?.packs.first(where: { $0.name == c.name && $0.version == c.version }) else {
                throw PackStoreError("\(c.name) \(c.version) is not in the index")     // chosen from it, so it is there
            }
            let file = try await source.archive(entry, into: scratch)
            done.append(try store.install(archive: file, expect: entry.sha256, rptVersion: rptVersion) { dir, m throws(PackStoreError) in
                guard m.dependencies == c.dependencies else {
                    throw PackStoreError("\(source) lists \(c.name) \(c.version) with other dependencies than its manifest has: the index is wrong (publish it again)")
                }
                try vet(dir, m)
            })
        }
        done.append(try store.install(archive: archive, expect: sha, rptVersion: rptVersion, vet: vet))
        return done
    }
}

/// The pack store as packs load with it (`rpt.dependencies`): installed versions only, the
/// highest that every pack asking for it accepts.
public struct StoreDependencies: DependencyResolver {
    public let store: PackStore
    /// The project's rpt.lock (read when a pack declares dependencies): a name it pins resolves
    /// to that version and archive only, so a run uses what the authors locked.
    public let lockFile: URL?
    public init(store: PackStore, lockFile: URL? = nil) { (self.store, self.lockFile) = (store, lockFile) }

    public func resolve(_ declared: [String: String]) throws -> [ResolvedPack] {
        let lock = try lockFile.flatMap { file throws(PackStoreError) in try PackLock.current(file) }
        let installed = store.list().filter { p in
            lock?.pin(of: p.manifest.name).map { $0.holds(p) } ?? true
        }
        let plan = try DependencyResolution.resolve(
            root: "task.lua", rootName: nil, needs: declared,
            candidates: { DependencyResolution.Candidate.installed($0, in: installed) },
            unavailable: { name, range, by, have in
                if let pin = lock?.pin(of: name) {
                    return "\(by) needs \(name) \(range); rpt.lock pins \(name) \(pin.version), which "
                        + (installed.contains { $0.manifest.name == name } ? "does not match it: pin another with rpt install \(name)@\(range)"
                           : "is not installed (or not the archive pinned): rpt install --locked --from DIR|URL")
                }
                return "\(by) needs \(name) \(range), which is not installed" + (have.isEmpty ? "" : " (installed: \(have.joined(separator: ", ")))")
                    + ": rpt install \(name)@\(range) --from DIR|URL"
            })
        return plan.map { ResolvedPack(name: $0.name, version: $0.version, folder: store.folder($0.name, $0.version), dependencies: $0.dependencies.keys.sorted()) }
    }
}
