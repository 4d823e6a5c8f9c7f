import LuaHost

/// RFC 4180 CSV with a header row; every value is a string. A broken quote or a row with the
/// wrong number of fields is an error at the exact line.
enum CSVReader {
    static func forEach(path: String, display: String,
                        _ body: ([String: LuaValue], Int) throws -> Bool) throws {
        var lines = try ByteLines(path: path, display: display)
        var header: [String]?
        var fields: [String] = []
        var field: [UInt8] = []
        var inQuotes = false
        var afterQuote = false
        var recordLine = 0

        func fail(_ line: Int, _ message: String) -> PackError { PackError("\(display):\(line)", message) }

        while true {
            let result = try lines.next { bytes, line -> Bool? in
                if !inQuotes {
                    recordLine = line
                    if bytes.isEmpty { return nil }            // a blank line is not a record
                } else {
                    field.append(0x0A)
                }
                for b in bytes {
                    if inQuotes {
                        if b == UInt8(ascii: "\"") { inQuotes = false; afterQuote = true } else { field.append(b) }
                        continue
                    }
                    switch b {
                    case UInt8(ascii: "\"") where afterQuote:
                        field.append(b); inQuotes = true; afterQuote = false   // "" inside quotes
                    case UInt8(ascii: "\"") where field.isEmpty:
                        inQuotes = true
                    case UInt8(ascii: "\""):
                        throw fail(line, "a quote inside an unquoted field: quote the whole field and double the inner quote (\"\")")
                    case UInt8(ascii: ","):
                        fields.append(String(decoding: field, as: UTF8.self)); field.removeAll(keepingCapacity: true)
                        afterQuote = false
                    default:
                        if afterQuote {
                            throw fail(line, "unexpected text after a closing quote (a quote inside a field must be doubled: \"\")")
                        }
                        field.append(b)
                    }
                }
                if inQuotes { return nil }                     // the record goes on on the next line
                fields.append(String(decoding: field, as: UTF8.self)); field.removeAll(keepingCapacity: true)
                afterQuote = false
                defer { fields.removeAll(keepingCapacity: true) }
                guard let header else {
                    if let dup = Dictionary(grouping: fields, by: { $0 }).first(where: { $0.value.count > 1 }) {
                        throw fail(recordLine, "the header names the column '\(dup.key)' twice")
                    }
                    header = fields
                    return true
                }
                guard fields.count == header.count else {
                    throw fail(recordLine, "\(fields.count) fields, but the header has \(header.count)")
                }
                var row: [String: LuaValue] = [:]
                for (k, v) in zip(header, fields) { row[k] = .string(v) }
                return try body(row, recordLine)
            }
            switch result {
            case nil:
                if inQuotes { throw fail(recordLine, "a quoted field opened on this line is never closed") }
                if header == nil { throw PackError(display, "the CSV file is empty: it needs a header row") }
                return
            case .some(.some(false)): return
            default: continue
            }
        }
    }
}
