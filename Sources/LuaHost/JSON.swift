/// JSON to and from `LuaValue`: one small parser over UTF-8 bytes, used for datasets (fast, and
/// errors with line and column) and for `rpt.json` in packs.
public enum JSON {
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let message: String
        public let offset: Int
        public let line: Int
        public let column: Int
        public var description: String { "\(message) at line \(line), column \(column)" }
    }

    public static func decode(_ text: String) throws(ParseError) -> LuaValue {
        var text = text
        let result = text.withUTF8 { bytes in Result { () throws(ParseError) in try decode(bytes) } }
        return try result.get()
    }

    /// Parses one whole JSON document; anything but white space after it is an error.
    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>) throws(ParseError) -> LuaValue {
        try decode(bytes, maxValues: .max).value
    }

    /// As `decode`, refusing documents of more than `maxValues` values; returns how many it made.
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>, maxValues: Int) throws(ParseError) -> (value: LuaValue, values: Int) {
        var p = Parser(bytes: bytes, pos: 0, valuesLeft: maxValues)
        do throws(ParseError) {
            let value = try p.value(depth: 0)
            p.skipSpace()
            if p.pos != bytes.count { throw p.error("unexpected text after the JSON value") }
            return (value, maxValues - p.valuesLeft)
        } catch { throw error.located(in: bytes) }
    }

    /// Parses the JSON value that starts at `start`, returning it and the offset just past it.
    public static func decodePrefix(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) throws(ParseError) -> (LuaValue, Int) {
        var p = Parser(bytes: bytes, pos: start)
        do throws(ParseError) {
            let value = try p.value(depth: 0)
            return (value, p.pos)
        } catch { throw error.located(in: bytes) }
    }

    /// The first JSON object (or array, if no object parses) in chatty model text: code fences,
    /// prose before and after are ignored.
    public static func extract(_ text: String) -> LuaValue? {
        try? extract(text, pay: { (_: Int) throws(LuaError) in })
    }

    /// As `extract`, calling `pay` with the values each failed attempt parsed, so a caller can
    /// bound the work.
    static func extract(_ text: String, pay: (Int) throws(LuaError) -> Void) throws(LuaError) -> LuaValue? {
        var text = text
        let result = text.withUTF8 { bytes in
            Result { () throws(LuaError) -> LuaValue? in
                var p = Parser(bytes: bytes, pos: 0)   // tracking from the first failure on
                for opener in [UInt8(ascii: "{"), UInt8(ascii: "[")] {
                    for i in 0..<bytes.count where bytes[i] == opener && Parser.mayStart(bytes, at: i) {
                        p.pos = i
                        let before = p.valuesLeft
                        do throws(ParseError) { return try p.value(depth: 0) } catch {
                            p.forgetAttempt(failedAt: error.offset)   // no line counting here: quadratic
                            p.tracking = true
                            try pay(before - p.valuesLeft)
                        }
                    }
                }
                return nil
            }
        }
        return try result.get()
    }

    // MARK: encoding

    /// Compact JSON with object keys sorted, so equal values encode to equal text.
    public static func encode(_ value: LuaValue) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func write(_ value: LuaValue, to out: inout [UInt8]) {
        switch value {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .int(let i): out += Array(String(i).utf8)
        case .double(let d):
            if d.isNaN || d.isInfinite { out += Array("null".utf8) }
            else if d == d.rounded(), abs(d) < 1e15 { out += Array(String(Int64(d)).utf8) }
            else { out += Array("\(d)".utf8) }
        case .string(let s): writeString(s, to: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(v, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            for (i, k) in o.keys.sorted().enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(k, to: &out)
                out.append(UInt8(ascii: ":"))
                write(o[k]!, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func writeString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out += [0x5C, 0x22]
            case UInt8(ascii: "\\"): out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]]
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension JSON.ParseError {
    /// With its line and column filled in. Counting lines is linear in the offset, so it is done
    /// once, when an error leaves the parser, and never for extract's failed attempts (quadratic).
    func located(in bytes: UnsafeBufferPointer<UInt8>) -> JSON.ParseError {
        var line = 1, col = 1
        for i in 0..<min(offset, bytes.count) {
            if bytes[i] == 0x0A { line += 1; col = 1 } else { col += 1 }
        }
        return JSON.ParseError(message: message, offset: offset, line: line, column: col)
    }
}

private struct Parser {
    let bytes: UnsafeBufferPointer<UInt8>
    var pos: Int
    var valuesLeft = Int.max
    /// While extracting: containers being parsed, and those that failed (start -> where).
    var tracking = false
    var open: [Int] = []
    var failed: [Int: Int] = [:]
    static let maxDepth = 200

    /// Whether the opener at `i` can start a value at all (what follows it): most stray braces
    /// in chatty text are ruled out without a parse.
    static func mayStart(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        var j = i + 1
        while j < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[j]) { j += 1 }
        guard j < bytes.count else { return false }
        if bytes[i] == UInt8(ascii: "{") { return bytes[j] == UInt8(ascii: "\"") || bytes[j] == UInt8(ascii: "}") }
        return "{[\"]-0123456789tfn".utf8.contains(bytes[j])
    }

    func error(_ message: String) -> JSON.ParseError {
        JSON.ParseError(message: message, offset: pos, line: 0, column: 0)
    }

    mutating func skipSpace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    mutating func value(depth: Int) throws(JSON.ParseError) -> LuaValue {
        skipSpace()
        guard pos < bytes.count else { throw error("unexpected end of JSON") }
        if depth > Parser.maxDepth { throw error("JSON nested too deeply") }
        valuesLeft -= 1
        if valuesLeft < 0 { throw error("JSON too large: more values than the memory limit allows") }
        switch bytes[pos] {
        case UInt8(ascii: "{"), UInt8(ascii: "["): return try container(depth: depth)
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
        default: throw error("unexpected character '\(Character(Unicode.Scalar(bytes[pos])))'")
        }
    }

    /// An object or array. While extracting (`tracking`), a container that failed once fails
    /// again at once: extract tries every opener, and without this each one could re-parse the
    /// same long or deep text (a depth failure counts too: 300 `[` cost 300 steps, not 300²).
    mutating func container(depth: Int) throws(JSON.ParseError) -> LuaValue {
        guard tracking else {
            return bytes[pos] == UInt8(ascii: "{") ? try object(depth: depth) : try array(depth: depth)
        }
        if let offset = failed[pos] { pos = offset; throw error("not JSON") }
        open.append(pos)
        let v = bytes[pos] == UInt8(ascii: "{") ? try object(depth: depth) : try array(depth: depth)
        open.removeLast()
        return v
    }

    /// After a failed attempt: every container still open failed where the attempt did.
    mutating func forgetAttempt(failedAt offset: Int) {
        for start in open { failed[start] = offset }
        open.removeAll(keepingCapacity: true)
    }

    mutating func literal(_ word: StaticString) throws(JSON.ParseError) {
        let n = word.utf8CodeUnitCount
        guard pos + n <= bytes.count else { throw error("unexpected end of JSON") }
        for i in 0..<n where bytes[pos + i] != word.utf8Start[i] {
            throw error("invalid literal")
        }
        pos += n
    }

    mutating func object(depth: Int) throws(JSON.ParseError) -> LuaValue {
        pos += 1
        var dict: [String: LuaValue] = [:]
        skipSpace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(dict) }
        while true {
            skipSpace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else { throw error("expected a string key") }
            let key = try string()
            skipSpace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else { throw error("expected ':' after key") }
            pos += 1
            dict[key] = try value(depth: depth + 1)
            skipSpace()
            guard pos < bytes.count else { throw error("unexpected end of JSON in an object") }
            if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if bytes[pos] == UInt8(ascii: "}") { pos += 1; return .object(dict) }
            throw error("expected ',' or '}' in an object")
        }
    }

    mutating func array(depth: Int) throws(JSON.ParseError) -> LuaValue {
        pos += 1
        var items: [LuaValue] = []
        skipSpace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
        while true {
            items.append(try value(depth: depth + 1))
            skipSpace()
            guard pos < bytes.count else { throw error("unexpected end of JSON in an array") }
            if bytes[pos] == UInt8(ascii: ",") { pos += 1; continue }
            if bytes[pos] == UInt8(ascii: "]") { pos += 1; return .array(items) }
            throw error("expected ',' or ']' in an array")
        }
    }

    mutating func string() throws(JSON.ParseError) -> String {
        pos += 1
        let start = pos
        // Fast path: no escapes.
        while pos < bytes.count {
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
                pos += 1
                return s
            }
            if b == UInt8(ascii: "\\") { break }
            if b < 0x20 { throw error("control character in a string") }
            pos += 1
        }
        var out = [UInt8](UnsafeBufferPointer(rebasing: bytes[start..<pos]))
        while pos < bytes.count {
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                pos += 1
                return String(decoding: out, as: UTF8.self)
            }
            if b < 0x20 { throw error("control character in a string") }
            if b != UInt8(ascii: "\\") { out.append(b); pos += 1; continue }
            pos += 1
            guard pos < bytes.count else { break }
            let e = bytes[pos]
            pos += 1
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar), pos + 1 < bytes.count,
                   bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u") {
                    pos += 2
                    let low = try hex4()
                    if (0xDC00..<0xE000).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    }
                }
                let u = Unicode.Scalar(scalar) ?? "\u{FFFD}"
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default: throw error("invalid escape '\\\(Character(Unicode.Scalar(e)))'")
            }
        }
        throw error("unterminated string")
    }

    mutating func hex4() throws(JSON.ParseError) -> UInt32 {
        guard pos + 4 <= bytes.count else { throw error("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[pos]
            let d: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
            default: throw error("bad hex digit in \\u escape")
            }
            v = v << 4 | UInt32(d)
            pos += 1
        }
        return v
    }

    mutating func number() throws(JSON.ParseError) -> LuaValue {
        let start = pos
        var isInt = true
        if bytes[pos] == UInt8(ascii: "-") { pos += 1 }
        let digitsStart = pos
        while pos < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[pos]) { pos += 1 }
        if pos == digitsStart { throw error("expected a digit") }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
            isInt = false
            pos += 1
            let fracStart = pos
            while pos < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[pos]) { pos += 1 }
            if pos == fracStart { throw error("expected a digit after '.'") }
        }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
            isInt = false
            pos += 1
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") { pos += 1 }
            let expStart = pos
            while pos < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[pos]) { pos += 1 }
            if pos == expStart { throw error("expected a digit in the exponent") }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
        if isInt, let i = Int64(text) { return .int(i) }
        guard let d = Double(text) else { throw error("invalid number") }
        return .double(d)
    }
}
