import Foundation
import PackSharing
import TaskPack
import Tuning

/// A pack's history.json and its copy in the manifest: `rpt pack` puts what it read (strictly)
/// into the manifest, `rpt install` refuses an archive whose two disagree, and `rpt show` reads
/// the manifest's. PackSharing carries it as JSON it does not interpret; Tuning's reader decides.
enum HistoryInManifest {
    /// The manifest's `history` for the pack in `dir`: nil without history.json, a refusal naming
    /// the field for one rpt cannot read (it is not packed).
    static func field(of dir: URL) throws -> ManifestHistory? {
        do { return try PackHistory.read(folder: dir).map { ManifestHistory($0.json) } } catch {
            throw Refusal("\(error)\nThe pack's tuning history is packed into the manifest: fix or remove \(PackHistory.fileName) first")
        }
    }

    /// The manifest's history, read as strictly as history.json (nil when it has none).
    static func read(_ manifest: Manifest) throws(FieldError) -> PackHistory? {
        try manifest.history.map { h throws(FieldError) in try PackHistory.parse(h.json, file: "the manifest's history") }
    }

    /// On install: the history the manifest shows is the one the pack's files hold.
    static func vet(_ dir: URL, _ manifest: Manifest) throws(PackStoreError) {
        do {
            guard try PackHistory.read(folder: dir) == read(manifest) else {
                throw PackStoreError("\(manifest.name) \(manifest.version): the manifest's history is not the pack's \(PackHistory.fileName): the archive was not made by rpt pack")
            }
        } catch let e as PackStoreError { throw e } catch { throw PackStoreError("\(manifest.name) \(manifest.version): \(error)") }
    }
}

/// `rpt show`'s history part, and `rpt show DIR` (a pack folder: what it is and its history).
extension Show {
    static func folder(_ pack: String) -> URL? {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: pack, isDirectory: &isDir) && isDir.boolValue ? URL(fileURLWithPath: pack) : nil
    }

    static func history(_ m: Manifest) -> String {
        do { return try HistoryInManifest.read(m).map { HistoryText.render($0) } ?? "  tuning history: none (rpt export adds it)\n" } catch {
            return "  tuning history: cannot be read: \(error)\n"
        }
    }

    static let libraryLine = "library pack: Lua modules other packs require (rpt.dependencies); no task to run"

    func showFolder(_ dir: URL) throws {
        let pack: LoadedPack
        do { pack = try PackRuntime.load(directory: dir) } catch { throw Refusal("\(dir.path) does not load (run rpt check \(dir.path)):\n\(error)") }
        print("\(pack.name) \(pack.version)")
        print("  \(pack.description)")
        print("  pack API \(pack.api), folder \(dir.path) (not installed)")
        if pack.isLibrary { print("  " + Self.libraryLine) }
        if case .task(let runtime) = pack, !runtime.spec.promptFiles.isEmpty { print("  prompt read from " + runtime.spec.promptFiles.joined(separator: ", ")) }
        let history: PackHistory?
        do { history = try PackHistory.read(folder: dir) } catch { throw Refusal("\(error)") }
        print(history.map { HistoryText.render($0) } ?? "  tuning history: none (rpt export adds it)\n", terminator: "")
    }
}
