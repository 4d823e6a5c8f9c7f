import LuaHost

/// One dataset file as `data` names it: a path, or `{ file = ..., set = {...}, map = {...} }`,
/// so data in another shape (an out-of-scope file without labels, a column named `question`)
/// needs no preprocessing script. A split may list several.
public struct DataFile: Sendable, Equatable {
    /// Relative to the pack; read through `PackFiles` like every pack file.
    public var path: String
    /// Fields every row of the file gets, replacing its own: `set = { label = "oos" }`.
    public var set: [String: LuaValue] = [:]
    /// Fields renamed: `map = { text = "question" }` gives each row a `text` holding what its
    /// `question` held (and no `question`).
    public var map: [String: String] = [:]

    public init(path: String, set: [String: LuaValue] = [:], map: [String: String] = [:]) {
        self.path = path
        self.set = set
        self.map = map
    }

    /// How a list of files is named in provenance lines: "data/test.jsonl + data/oos.jsonl".
    public static func names(_ files: [DataFile]) -> String { files.map(\.path).joined(separator: " + ") }

    /// The row as the pack sees it: renamed by `map`, then `set`. A row without a field that
    /// `map` reads is an error at its line.
    func reshape(_ fields: [String: LuaValue], at source: String) throws -> [String: LuaValue] {
        guard !set.isEmpty || !map.isEmpty else { return fields }
        var out = fields
        for from in map.values { out[from] = nil }
        for (to, from) in map.sorted(by: { $0.key < $1.key }) {
            guard let v = fields[from] else {
                throw PackError(source, "no field '\(from)' in this row, which map = { \(to) = \"\(from)\" } reads for \(path)")
            }
            out[to] = v
        }
        for (key, v) in set { out[key] = v }
        return out
    }

    static let keys = ["file", "set", "map"]

    /// The files a `data` value names (`name` is where it stands, e.g. `data.test`): a path, one
    /// `{ file = ... }` table, or a list of either. Problems go to `problem`; nil if unusable.
    static func list(_ value: LuaValue, at name: String, problem: (String) -> Void) -> [DataFile]? {
        let items: [(LuaValue, String)]
        switch value {
        case .string: items = [(value, name)]
        case .object(let t) where !t.isEmpty: items = [(value, name)]
        case .array(let list) where !list.isEmpty: items = list.enumerated().map { ($1, "\(name)[\($0 + 1)]") }
        default:
            problem("'\(name)' must be a file name, { file = ..., set = {...}, map = {...} }, or a list of them")
            return nil
        }
        var files: [DataFile] = []
        for (item, at) in items {
            guard let file = entry(item, at: at, problem: problem) else { continue }
            if file.path.hasPrefix("/") || file.path.split(separator: "/").contains("..") {
                problem("data file '\(file.path)' must be inside the pack (a relative path without '..')")
            }
            files.append(file)
        }
        return files.count == items.count ? files : nil
    }

    private static func entry(_ value: LuaValue, at name: String, problem: (String) -> Void) -> DataFile? {
        if let path = value.string { return DataFile(path: path) }
        guard let table = value.object else {
            problem("'\(name)' must be a file name or { file = ..., set = {...}, map = {...} }, found a \(value.typeName)")
            return nil
        }
        var ok = true
        for key in table.keys.sorted() where !keys.contains(key) {
            problem("unknown key '\(name).\(key)'" + TaskValidation.suggestion(for: key, among: keys) + "; a file may have file, set, map")
            ok = false
        }
        guard let path = table["file"]?.string else {
            problem("'\(name).file' must be the file's name (a string)")
            return nil
        }
        var file = DataFile(path: path)
        switch table["set"] {
        case nil: break
        case .object(let fields)?: file.set = fields
        case .array(let a)? where a.isEmpty: break
        default: problem("'\(name).set' must be a table of fields every row gets: set = { label = \"oos\" }"); ok = false
        }
        switch table["map"] {
        case nil: break
        case .object(let fields)?:
            for (to, from) in fields.sorted(by: { $0.key < $1.key }) {
                guard let from = from.string else {
                    problem("'\(name).map.\(to)' must name the file's field that \(to) comes from (a string)"); ok = false; continue
                }
                if file.set[to] != nil { problem("'\(name)' both sets and maps '\(to)': keep one"); ok = false }
                file.map[to] = from
            }
        case .array(let a)? where a.isEmpty: break
        default: problem("'\(name).map' must be a table of renamed fields: map = { text = \"question\" }"); ok = false
        }
        return ok ? file : nil
    }
}
