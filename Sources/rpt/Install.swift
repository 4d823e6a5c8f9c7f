import ArgumentParser
import Foundation
import ModelClient
import PackSharing
import TaskPack

struct Install: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Install a task pack into the pack store, verifying every checksum first.",
        discussion: """
            SOURCE is an archive (NAME-VERSION.rptpack, or its http(s):// URL), a pack folder (packed first), \
            or NAME[@RANGE] with --from DIR|URL (a shared index: a folder, or a web location serving \
            URL/index.json and the archives beside it; ^1.2 picks the highest 1.x at least 1.2). The packs the \
            pack depends on are installed too, from the same --from. Everything installed is pinned in \
            rpt.lock; --locked installs exactly what rpt.lock pins, or fails naming what differs. \
            The store is $RPT_PACK_DIR, else $XDG_DATA_HOME/rpt/packs.
            """)

    @Argument(help: "An archive (a file or an http(s) URL), a pack folder, or NAME[@RANGE] with --from.") var source: String?
    @Option(help: "The sha256 the archive must have.") var sha256: String?
    @Option(help: "A shared index to install from (and the dependencies): a folder or an http(s) URL.") var from: String?
    @Flag(help: "Install exactly the packs rpt.lock pins (with --from for those not installed).") var locked = false
    @Option(help: "The lock file to pin in or read.") var lock = "rpt.lock"

    func validate() throws {
        if locked {
            guard source == nil, sha256 == nil else { throw ValidationError("--locked installs what the lock file pins: give no SOURCE or --sha256") }
        } else if source == nil {
            throw ValidationError("give an archive, a pack folder or NAME[@RANGE] --from DIR|URL (or --locked)")
        }
        if let sha256, !(sha256.count == 64 && sha256.allSatisfy(\.isHexDigit)) { throw ValidationError("--sha256 must be 64 hex digits") }
    }

    func run() async throws {
        let store = PackStore.standard()
        let index = try from.map { try PackSource($0, fetcher: CurlFetcher()) }
        if locked { return try await LockedInstall(store: store, lock: URL(fileURLWithPath: lock), from: index).run() }
        let installer = PackInstaller(store: store, source: index, rptVersion: Packer.rptVersion, vet: Self.vet)
        let scratch = try store.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        let (archive, expect) = try await archive(source!, index: index, scratch: scratch)
        let done = try await installer.install(archive, expect: expect)
        var pins = try PackLock.current(URL(fileURLWithPath: lock)) ?? PackLock()
        for p in done { pins.pin(.init(name: p.manifest.name, version: p.manifest.version, sha256: p.sha256)) }
        try pins.write(URL(fileURLWithPath: lock))
        let pack = done.last!
        for dep in done.dropLast() { print("using \(dep.manifest.name) \(dep.manifest.version) (a dependency)") }
        print("installed \(pack.manifest.name) \(pack.manifest.version)")
        print("  \(pack.folder.path)")
        print("  sha256 \(pack.sha256), pinned in \(lock)" + (done.count > 1 ? " with its dependencies" : ""))
    }

    /// The archive `source` names, as a local file, and the sha256 it must have.
    private func archive(_ source: String, index: PackSource?, scratch: URL) async throws -> (URL, String?) {
        var isDir: ObjCBool = false
        // With --from, a bare NAME[@RANGE] names a pack of that source, even beside a folder so named.
        let named = index != nil && !source.contains("/") && !source.hasSuffix(".rptpack") && PackRequest(source) != nil
        if !named, FileManager.default.fileExists(atPath: source, isDirectory: &isDir) {
            guard isDir.boolValue else { return (URL(fileURLWithPath: source), sha256) }
            return (try Packer.pack(URL(fileURLWithPath: source), out: scratch).file, sha256)
        }
        if HTTPGet.isWeb(source) { return (try await PackSource.download(source, fetcher: CurlFetcher(), into: scratch), sha256) }
        guard let index, let request = PackRequest(source) else {
            throw Refusal("'\(source)' is not an archive, a folder or a URL" + (from == nil && PackRequest(source) != nil ? " (to install by name, give --from DIR|URL)" : ""))
        }
        let entry = try await index.index().best(request)
        if let sha256, sha256.lowercased() != entry.sha256 {
            throw Refusal("the index lists \(entry.name) \(entry.version) with sha256 \(entry.sha256), not \(sha256)")
        }
        return (try await index.archive(entry, into: scratch), entry.sha256)
    }

    /// Every install's last check: its task.lua must load (in the sandbox, its dependencies from
    /// the store) and name the same pack and version as the manifest, and its history must be the
    /// manifest's, before it is moved in.
    static let vet: @Sendable (URL, Manifest) throws(PackStoreError) -> Void = { dir, manifest throws(PackStoreError) in
        let spec: LoadedPack
        do { spec = try PackRuntime.load(directory: dir) } catch {
            throw PackStoreError("\(manifest.name) \(manifest.version): its task.lua does not load:\n\(error)")
        }
        guard spec.name == manifest.name, spec.version == manifest.version else {
            throw PackStoreError("the manifest says \(manifest.name) \(manifest.version) but task.lua says \(spec.name) \(spec.version)")
        }
        guard spec.isLibrary == manifest.isLibrary else {
            throw PackStoreError("the manifest says \(manifest.name) is \(manifest.isLibrary ? "a library" : "a task") pack but its task.lua makes it \(spec.isLibrary ? "a library" : "a task") pack")
        }
        try HistoryInManifest.vet(dir, manifest)
    }
}

/// `rpt install --locked`: every pin checked first (installed with that sha256, or in the index
/// with it), and only when all agree is anything installed, the packs others need first.
struct LockedInstall {
    let store: PackStore, lock: URL, from: PackSource?

    func run() async throws {
        let pins = try PackLock.read(lock)
        let index = try await from?.index()
        var missing: [PackIndex.Entry] = []
        var problems: [String] = []
        for pin in pins.packs {
            if let there = try? store.installed(pin.name, pin.version) {
                if there.sha256 != pin.sha256 { problems.append("\(pin.name) \(pin.version) is installed with sha256 \(there.sha256), \(lock.lastPathComponent) pins \(pin.sha256)") }
                continue
            }
            guard let index, let from else { problems.append("\(pin.name) \(pin.version) is not installed (give --from DIR|URL to install it)"); continue }
            guard let entry = index.packs.first(where: { $0.name == pin.name && $0.version == pin.version }) else {
                problems.append("\(pin.name) \(pin.version) is not in \(from)"); continue
            }
            guard entry.sha256 == pin.sha256 else {
                problems.append("\(pin.name) \(pin.version) in \(from) has sha256 \(entry.sha256), \(lock.lastPathComponent) pins \(pin.sha256)"); continue
            }
            missing.append(entry)
        }
        guard problems.isEmpty else {
            throw Refusal("\(lock.path) cannot be reproduced:\n  " + problems.joined(separator: "\n  "))
        }
        let scratch = try store.scratch()
        defer { try? FileManager.default.removeItem(at: scratch) }
        for entry in Self.dependenciesFirst(missing) {
            let file = try await from!.archive(entry, into: scratch)
            _ = try store.install(archive: file, expect: entry.sha256, rptVersion: Packer.rptVersion, vet: Install.vet)
            print("installed \(entry.name) \(entry.version)")
        }
        print("\(pins.packs.count) pack(s) as \(lock.lastPathComponent) pins them (\(missing.count) installed now)")
    }

    /// The entries ordered so that a pack comes after those it depends on (as the index says;
    /// a wrong index only makes an install fail its vet, never install something else).
    static func dependenciesFirst(_ entries: [PackIndex.Entry]) -> [PackIndex.Entry] {
        var out: [PackIndex.Entry] = [], placed = Set<String>()
        func place(_ e: PackIndex.Entry, _ depth: Int) {
            guard depth < 64, !placed.contains(e.name) else { return }
            for dep in (e.dependencies ?? [:]).keys.sorted() { if let d = entries.first(where: { $0.name == dep }) { place(d, depth + 1) } }
            if placed.insert(e.name).inserted { out.append(e) }
        }
        for e in entries { place(e, 0) }
        return out
    }
}

/// libcurl's GET (ModelClient) as the fetcher PackSharing is given for http(s) sources.
struct CurlFetcher: PackFetcher {
    let get = HTTPGet()
    func data(_ url: String, maxBytes: Int) async throws -> [UInt8] { try await get.data(url, maxBytes: maxBytes) }
    func download(_ url: String, to file: URL, maxBytes: Int) async throws { try await get.download(url, to: file, maxBytes: maxBytes) }
}
