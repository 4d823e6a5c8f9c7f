import Foundation
import LuaHost

/// The one way rpt opens a file of a pack (task.lua, modules, tests, data): the path is resolved
/// through every symbolic link and must end at a regular file inside the pack folder, of bounded
/// size. A link to a secret elsewhere, to /dev/zero or to a pipe is refused with a clear error,
/// never read.
public enum PackFiles {
    /// Lua files (task.lua, modules, tests/*.lua).
    public static let maxSourceBytes = 4 << 20
    /// Dataset files: rows are held in memory, so a bound keeps a pack from exhausting it.
    public static let maxDataBytes = 512 << 20

    /// Why a pack file cannot be read.
    public enum Refusal: Error, Sendable, Equatable {
        case missing
        case outside
        case notRegular
        case tooBig(Int, limit: Int)

        public var message: String {
            switch self {
            case .missing: return "no such file"
            case .outside: return "leads outside the pack (a symbolic link?): a pack may read only its own files"
            case .notRegular: return "is not a regular file (a folder, device or pipe): a pack may read only regular files"
            case .tooBig(let n, let limit): return "is \(n >> 20) MB, more than the \(limit >> 20) MB a pack file may have"
            }
        }
    }

    /// The real path of `relative` in the pack at `root`, once checked.
    public static func resolve(_ relative: String, in root: URL, maxBytes: Int) throws(Refusal) -> String {
        guard let base = realPath(root.path) else { throw .missing }
        guard let path = realPath(root.appendingPathComponent(relative).path) else { throw .missing }
        guard path.hasPrefix(base.hasSuffix("/") ? base : base + "/") else { throw .outside }
        var info = stat()
        guard stat(path, &info) == 0 else { throw .missing }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .notRegular }
        guard Int(info.st_size) <= maxBytes else { throw .tooBig(Int(info.st_size), limit: maxBytes) }
        return path
    }

    /// The text of a Lua file of the pack.
    public static func source(_ relative: String, in root: URL) throws(Refusal) -> String {
        let path = try resolve(relative, in: root, maxBytes: maxSourceBytes)
        guard let data = FileManager.default.contents(atPath: path), data.count <= maxSourceBytes else { throw .missing }
        return String(decoding: data, as: UTF8.self)
    }

    /// A dataset file, checked, as a `PackError` naming it.
    static func data(_ relative: String, in root: URL) throws(PackError) -> String {
        do { return try resolve(relative, in: root, maxBytes: maxDataBytes) } catch {
            throw PackError(relative, error == .missing ? "cannot open the file (does it exist and is it readable?)" : error.message)
        }
    }

    /// What `require` finds for a module name (`lib.util` is `lib/util.lua`).
    static func module(_ name: String, in root: URL) -> ModuleLookup {
        let path = name.replacingOccurrences(of: ".", with: "/") + ".lua"
        do { return .found(source: try source(path, in: root), path: path) } catch {
            return error == .missing ? .missing(path: path) : .refused("\(path) \(error.message)")
        }
    }

    private static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }
}
