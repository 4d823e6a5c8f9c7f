import Foundation
import LuaHost

/// Streams the rows of a JSONL or CSV dataset. A bad row is an error naming `file:line`,
/// never skipped; blank lines in JSONL are not rows.
public enum DatasetReader {
    /// A row's fields as read, and its `file:line`, to the fields the pack sees (`DataFile`'s
    /// `set` and `map`): applied before the id is read, so the id may come from a mapped field.
    public typealias Reshape = ([String: LuaValue], String) throws -> [String: LuaValue]

    /// Calls `body` with each example in file order; `body` returns false to stop early.
    /// `display` is how the file is named in errors (e.g. relative to the pack).
    public static func forEach(path: String, display: String, idField: String = "id", reshape: Reshape? = nil,
                               _ body: (Example) throws -> Bool) throws {
        if path.lowercased().hasSuffix(".csv") {
            try CSVReader.forEach(path: path, display: display) { row, line in
                try body(example(row, line: line, display: display, idField: idField, reshape: reshape))
            }
            return
        }
        guard path.lowercased().hasSuffix(".jsonl") || path.lowercased().hasSuffix(".ndjson") else {
            throw PackError(display, "unknown dataset format: use .jsonl (one JSON object per line) or .csv (with a header row)")
        }
        var lines = try ByteLines(path: path, display: display)
        while true {
            var keepGoing = true
            let more = try lines.next { bytes, line -> Bool in
                guard bytes.contains(where: { $0 != 0x20 && $0 != 0x09 }) else { return true }
                let value: LuaValue
                do {
                    value = try JSON.decode(bytes)
                } catch let error as JSON.ParseError {
                    throw PackError("\(display):\(line)", "invalid JSON: \(error.message) at column \(error.column)")
                }
                guard case .object(let fields) = value else {
                    throw PackError("\(display):\(line)", "each line must be a JSON object, found a \(value.typeName)")
                }
                keepGoing = try body(example(fields, line: line, display: display, idField: idField, reshape: reshape))
                return true
            }
            if more == nil || !keepGoing { return }
        }
    }

    /// All rows of a file (up to `limit`).
    public static func read(path: String, display: String, idField: String = "id", limit: Int = .max,
                            reshape: Reshape? = nil) throws -> [Example] {
        var out: [Example] = []
        guard limit > 0 else { return out }
        try forEach(path: path, display: display, idField: idField, reshape: reshape) { ex in
            out.append(ex)
            return out.count < limit
        }
        return out
    }

    static func example(_ row: [String: LuaValue], line: Int, display: String, idField: String,
                        reshape: Reshape?) throws -> Example {
        let source = "\(display):\(line)"
        let fields = try reshape?(row, source) ?? row
        let id: String
        switch fields[idField] {
        case .string(let s)?: id = s
        case .int(let i)?: id = String(i)
        case nil: id = "\((display as NSString).lastPathComponent)#\(line)"
        case let other?:
            throw PackError(source, "the id field '\(idField)' must be a string or an integer, found a \(other.typeName)")
        }
        return Example(id: id, fields: fields, source: source)
    }
}
