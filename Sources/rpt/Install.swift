import ArgumentParser
import Foundation
import PackSharing
import TaskPack

struct Install: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Install a task pack into the pack store, verifying every checksum first.",
        discussion: """
            SOURCE is an archive (NAME-VERSION.rptpack), a pack folder (packed first), or NAME[@RANGE] with \
            --from DIR (a shared index; ^1.2 picks the highest 1.x at least 1.2). The pack is pinned in \
            rpt.lock; --locked installs exactly what rpt.lock pins, or fails naming what differs. \
            The store is $RPT_PACK_DIR, else $XDG_DATA_HOME/rpt/packs.
            """)

    @Argument(help: "An archive, a pack folder, or NAME[@RANGE] with --from.") var source: String?
    @Option(help: "The sha256 the archive must have.") var sha256: String?
    @Option(help: "A shared index folder (with index.json) to install from.") var from: String?
    @Flag(help: "Install exactly the packs rpt.lock pins (with --from for those not installed).") var locked = false
    @Option(help: "The lock file to pin in or read.") var lock = "rpt.lock"

    func validate() throws {
        if locked {
            guard source == nil, sha256 == nil else { throw ValidationError("--locked installs what the lock file pins: give no SOURCE or --sha256") }
        } else if source == nil {
            throw ValidationError("give an archive, a pack folder or NAME[@RANGE] --from DIR (or --locked)")
        }
        if let sha256, !(sha256.count == 64 && sha256.allSatisfy(\.isHexDigit)) { throw ValidationError("--sha256 must be 64 hex digits") }
    }

    func run() throws {
        let store = PackStore.standard()
        if locked { return try LockedInstall(store: store, lock: URL(fileURLWithPath: lock), from: from.map { URL(fileURLWithPath: $0) }).run() }
        let source = source!
        var isDir: ObjCBool = false
        let done: PackStore.Installed
        if FileManager.default.fileExists(atPath: source, isDirectory: &isDir) {
            if isDir.boolValue {
                let tmp = try scratchFolder()
                defer { try? FileManager.default.removeItem(at: tmp) }
                let made = try Packer.pack(URL(fileURLWithPath: source), out: tmp)
                done = try Self.install(made.file, expect: sha256, into: store)
            } else {
                done = try Self.install(URL(fileURLWithPath: source), expect: sha256, into: store)
            }
        } else if let from, let request = PackRequest(source) {
            let dir = URL(fileURLWithPath: from)
            let entry = try PackIndex.read(dir).best(request)
            if let sha256, sha256.lowercased() != entry.sha256 {
                throw Refusal("the index lists \(entry.name) \(entry.version) with sha256 \(entry.sha256), not \(sha256)")
            }
            done = try Self.install(dir.appendingPathComponent(entry.file), expect: entry.sha256, into: store)
        } else {
            throw Refusal("'\(source)' is not an archive or a folder" + (from == nil && PackRequest(source) != nil ? " (to install by name, give --from DIR)" : ""))
        }
        var pins = FileManager.default.fileExists(atPath: lock) ? try PackLock.read(URL(fileURLWithPath: lock)) : PackLock()
        pins.pin(.init(name: done.manifest.name, version: done.manifest.version, sha256: done.sha256))
        try pins.write(URL(fileURLWithPath: lock))
        print("installed \(done.manifest.name) \(done.manifest.version)")
        print("  \(done.folder.path)")
        print("  sha256 \(done.sha256), pinned in \(lock)")
    }

    private func scratchFolder() throws -> URL {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("rpt-install-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        return tmp
    }

    /// Installs a verified archive; its task.lua must load (in the sandbox) and name the same
    /// pack and version as the manifest, before the pack is moved into the store.
    static func install(_ archive: URL, expect: String?, into store: PackStore) throws -> PackStore.Installed {
        try store.install(archive: archive, expect: expect, rptVersion: Packer.rptVersion) { (dir, manifest) throws(PackStoreError) in
            let spec: TaskSpec
            do { spec = try PackRuntime(directory: dir).spec } catch {
                throw PackStoreError("\(manifest.name) \(manifest.version): its task.lua does not load:\n\(error)")
            }
            guard spec.name == manifest.name, spec.version == manifest.version else {
                throw PackStoreError("the manifest says \(manifest.name) \(manifest.version) but task.lua says \(spec.name) \(spec.version)")
            }
            try HistoryInManifest.vet(dir, manifest)
        }
    }
}

/// `rpt install --locked`: every pin checked first (installed with that sha256, or in the index
/// with it), and only when all agree is anything installed.
struct LockedInstall {
    let store: PackStore, lock: URL, from: URL?

    func run() throws {
        let pins = try PackLock.read(lock)
        let index = try from.map { try PackIndex.read($0) }
        var missing: [(PackLock.Pin, PackIndex.Entry)] = []
        var problems: [String] = []
        for pin in pins.packs {
            if let there = try? store.installed(pin.name, pin.version) {
                if there.sha256 != pin.sha256 { problems.append("\(pin.name) \(pin.version) is installed with sha256 \(there.sha256), \(lock.lastPathComponent) pins \(pin.sha256)") }
                continue
            }
            guard let index, let from else { problems.append("\(pin.name) \(pin.version) is not installed (give --from DIR to install it)"); continue }
            guard let entry = index.packs.first(where: { $0.name == pin.name && $0.version == pin.version }) else {
                problems.append("\(pin.name) \(pin.version) is not in \(from.path)"); continue
            }
            guard entry.sha256 == pin.sha256 else {
                problems.append("\(pin.name) \(pin.version) in \(from.path) has sha256 \(entry.sha256), \(lock.lastPathComponent) pins \(pin.sha256)"); continue
            }
            missing.append((pin, entry))
        }
        guard problems.isEmpty else {
            throw Refusal("\(lock.path) cannot be reproduced:\n  " + problems.joined(separator: "\n  "))
        }
        for (pin, entry) in missing {
            _ = try Install.install(from!.appendingPathComponent(entry.file), expect: pin.sha256, into: store)
            print("installed \(pin.name) \(pin.version)")
        }
        print("\(pins.packs.count) pack(s) as \(lock.lastPathComponent) pins them (\(missing.count) installed now)")
    }
}
