import Foundation
import StableHash
import TaskPack

/// What a run's pack was made of: the SHA-256 of every file the run reads (its Lua, but not its
/// tests or editor annotations, its data files, the prompt files task.lua read, its history). A resume compares them, so a pack or data
/// edited between a kill and `--resume` is refused instead of mixing two datasets in one log.
public enum PackFingerprint {
    /// `dependencies`: the installed packs its `rpt.dependencies` chose, whose Lua it runs too; their
    /// files are recorded as `NAME@VERSION/path`, so a resume refuses another version or an edit.
    public static func files(of spec: TaskSpec, directory: URL, dependencies: [ResolvedPack] = []) throws -> [String: String] {
        var paths = Set(spec.data.files.values.joined().map(\.path))
        if let carve = spec.data.carve { paths.formUnion(carve.pool.map(\.path)) }
        paths.formUnion(spec.regression.map(\.path))
        paths.formUnion(spec.promptFiles)
        // The tuning history seeds the optimizer's memory, so it is part of what a run read (held
        // to the pack's file rules first: a link to /dev/zero is refused, not hashed forever).
        if let refused = historyRefusal(directory) { throw PackError(PackHistory.fileName, refused) }
        if FileManager.default.fileExists(atPath: directory.appendingPathComponent(PackHistory.fileName).path) { paths.insert(PackHistory.fileName) }
        paths.formUnion(luaFiles(directory))
        var out: [String: String] = [:]
        for rel in paths { out[rel] = try sha256(directory, rel) }
        for dep in dependencies {
            for rel in luaFiles(dep.folder) { out["\(dep.name)@\(dep.version)/\(rel)"] = try sha256(dep.folder, rel) }
        }
        return out
    }

    /// The Lua files of a pack folder a run may load (not its tests, annotations or run folders).
    static func luaFiles(_ directory: URL) -> Set<String> {
        var paths = Set<String>()
        guard let walk = FileManager.default.enumerator(atPath: directory.standardizedFileURL.path) else { return paths }
        while let rel = walk.nextObject() as? String {
            let top = rel.split(separator: "/").first.map(String.init) ?? rel
            if top.hasPrefix(".") || top == "tests" || top == "types" || top == "runs" { walk.skipDescendants(); continue }
            if rel.hasSuffix(".lua") { paths.insert(rel) }
        }
        return paths
    }

    static func sha256(_ directory: URL, _ rel: String) throws -> String {
        guard let h = FileHandle(forReadingAtPath: directory.appendingPathComponent(rel).path) else {
            throw PackError(rel, "cannot read the file to record what the run was made of")
        }
        defer { try? h.close() }
        var sha = SHA256()
        while let chunk = try h.read(upToCount: 1 << 20), !chunk.isEmpty { sha.update(chunk) }
        return sha.hex()
    }

    /// Why the pack's history.json may not be read, if it may not (a missing one may).
    static func historyRefusal(_ directory: URL) -> String? {
        do throws(PackFiles.Refusal) {
            _ = try PackFiles.resolve(PackHistory.fileName, in: directory, maxBytes: PackHistory.maxBytes)
            return nil
        } catch {
            return error == .missing ? nil : error.message
        }
    }

    /// The files that differ between a run's record and now ("changed", "added", "removed").
    public static func differences(recorded: [String: String], now: [String: String]) -> [String] {
        Set(recorded.keys).union(now.keys).sorted().compactMap { f in
            switch (recorded[f], now[f]) {
            case let (a?, b?) where a != b: return "\(f) changed"
            case (nil, _?): return "\(f) added"
            case (_?, nil): return "\(f) removed"
            default: return nil
            }
        }
    }
}
