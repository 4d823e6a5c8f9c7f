import DidYouMean
import Foundation
import LuaHost

/// What a library pack's task.lua says of it.
public struct LibrarySpec: Sendable, Equatable {
    public let api: Int
    public let name: String, version: String, description: String
}

/// A library pack: Lua modules other packs `require` through `rpt.dependencies`, no task. Its
/// task.lua returns `{ api = 1, name = ..., version = ..., description = ..., library = true }`
/// and may declare dependencies and require its own modules; a task key is refused, so a pack
/// is never half a task.
public final class LibraryPack {
    public static let keys = ["api", "name", "version", "description", "library"]
    /// The most modules `rpt check` loads, and how deep it looks for them.
    static let maxModules = 1_000, maxDepth = 8

    public let spec: LibrarySpec
    public let directory: URL
    public let dependencies: PackDependencies
    let engine: LuaEngine
    let limits: LuaLimits

    init(_ loaded: LoadedTable, directory: URL) throws(PackLoadError) {
        (self.directory, dependencies, engine) = (directory, loaded.dependencies, loaded.engine)
        spec = try Self.validate(loaded.entries)
        limits = TaskValidation.validateLimits(nil, ceiling: loaded.ceiling, problem: { _ in })
        try dependencies.refuseCycle(through: spec.name)
        engine.limits = limits
        engine.settle()
    }

    static func validate(_ entries: [String: LuaEntry]) throws(PackLoadError) -> LibrarySpec {
        var problems: [PackError] = []
        func problem(_ message: String) { problems.append(PackError("task.lua", message)) }
        for key in entries.keys.sorted() where !keys.contains(key) {
            if TaskValidation.keys[key] != nil {
                problem("'\(key)' is a task key: a library pack (library = true) holds modules only, with \(keys.joined(separator: ", ")); "
                        + "remove '\(key)', or drop library = true to make this a task pack")
            } else {
                problem("unknown key '\(key)'" + Spelling.suggestion(for: key, among: keys))
            }
        }
        func string(_ key: String, _ def: String?) -> String? {
            switch entries[key] {
            case nil: if def == nil { problem("missing '\(key)': \(TaskValidation.keys[key]!)") }; return def
            case .value(.string(let s))?: return s
            default: problem("'\(key)' must be a string (\(TaskValidation.keys[key]!))"); return def
            }
        }
        if !(entries["api"].map { if case .value(.int(1)) = $0 { true } else { false } } ?? false) {
            problem("'api' must be the number 1 (the task pack API this rpt reads)")
        }
        let name = string("name", nil) ?? ""
        if !name.isEmpty, !name.allSatisfy({ $0.isLowercase || $0.isNumber || "-_.".contains($0) }) {
            problem("name '\(name)' must use lower case letters, digits, '-', '_' or '.'")
        }
        let version = string("version", "0.0.0") ?? "0.0.0"
        let description = string("description", "") ?? ""
        guard problems.isEmpty else { throw PackLoadError(problems: problems) }
        return LibrarySpec(api: 1, name: name, version: version, description: description)
    }

    /// The pack's modules as `require` names them: each `.lua` file but task.lua, outside
    /// tests/, types/, runs/ and hidden folders. A file no `require` can reach is a problem.
    public func modules() -> (names: [String], problems: [PackError]) {
        var names: [String] = [], problems: [PackError] = []
        let skipped: Set = ["tests", "types", "runs"]
        func walk(_ dir: URL, _ prefix: [String]) {
            guard prefix.count < Self.maxDepth, names.count < Self.maxModules else { return }
            let items = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).sorted()
            for item in items where !item.hasPrefix(".") {
                let url = dir.appendingPathComponent(item)
                var isDir: ObjCBool = false
                guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDir) else { continue }
                if isDir.boolValue {
                    if !(prefix.isEmpty && skipped.contains(item)) { walk(url, prefix + [item]) }
                    continue
                }
                guard item.hasSuffix(".lua"), !(prefix.isEmpty && item == "task.lua") else { continue }
                let parts = prefix + [String(item.dropLast(4))]
                let path = parts.joined(separator: "/") + ".lua"
                guard parts.allSatisfy(Self.isModulePart) else {
                    problems.append(PackError(path, "no require can name this file: use letters, digits, '_' or '-' in module and folder names"))
                    continue
                }
                if names.count < Self.maxModules { names.append(parts.joined(separator: ".")) }
            }
        }
        walk(directory, [])
        if names.count >= Self.maxModules { problems.append(PackError(directory.path, "more than \(Self.maxModules) modules: only the first were checked")) }
        return (names, problems)
    }

    /// Requires the module in a fresh environment under the pack limits: nil, or why it failed.
    public func load(module name: String) -> PackError? {
        do {
            let (env, _) = try engine.newEnvironment()
            let ref = try engine.run("return require(\"\(name)\")", chunkName: "check \(name)", env: env, limits: limits)
            engine.release(ref)
            return nil
        } catch {
            // A limit can strike inside the sandbox's require: the module is still what to fix.
            let path = name.replacingOccurrences(of: ".", with: "/") + ".lua"
            let at = error.location.flatMap { $0.hasPrefix(path + ":") ? $0 : nil } ?? path
            return PackError(at, "\(error.kind.rawValue): \(PackRuntime.strip(error.message))")
        }
    }

    static func isModulePart(_ s: String) -> Bool {
        !s.isEmpty && s.utf8.count <= 64 && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
    }
}
