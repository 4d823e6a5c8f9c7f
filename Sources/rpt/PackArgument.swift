import ArgumentParser
import Foundation
import PackSharing
import TaskPack

/// The PACK argument of check, try, eval and tune: a folder as before, or the name of an
/// installed pack (`NAME` or `NAME@VERSION`, a range picks the highest installed match, or the
/// version the project's rpt.lock pins).
enum PackArgument {
    /// Why a pack that eval, try, tune or compare was given does not load: a library pack said
    /// plainly (it has nothing to run), else every problem under what to run.
    static func loadFailure(_ pack: String, _ error: any Error, hint: String) -> String {
        (error as? PackLoadError)?.library != nil ? "\(pack) is a library pack: it has no task to run; a pack uses it with rpt.dependencies"
            : "\(pack) does not load (\(hint)):\n\(error)"
    }

    static func folder(_ pack: String) throws -> URL {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: pack, isDirectory: &isDir), isDir.boolValue { return URL(fileURLWithPath: pack) }
        guard !pack.contains("/"), let request = PackRequest(pack) else {
            throw ValidationError("'\(pack)' is not a folder: give the task pack folder, e.g. tasks/banking77, or NAME[@VERSION] of an installed pack (rpt list)")
        }
        do { return try PackStore.standard().find(request, lock: try PackLock.current()).folder } catch {
            throw ValidationError("'\(pack)' is not a folder, and \(error)")
        }
    }
}
