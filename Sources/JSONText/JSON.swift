/// JSON to and from `JSONValue`: one small parser over UTF-8 bytes, used for datasets (fast, and
/// errors with line and column), for `rpt.json` in packs, and for model requests and replies.
public enum JSON {
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let message: String
        public let offset: Int
        public let line: Int
        public let column: Int
        public var description: String { "\(message) at line \(line), column \(column)" }
    }

    public static func decode(_ text: String) throws(ParseError) -> JSONValue {
        var text = text
        let result = text.withUTF8 { bytes in Result { () throws(ParseError) in try decode(bytes) } }
        return try result.get()
    }

    /// Parses one whole JSON document; anything but white space after it is an error.
    public static func decode(_ bytes: UnsafeBufferPointer<UInt8>) throws(ParseError) -> JSONValue {
        try decode(bytes, maxValues: .max).value
    }

    /// As `decode`, refusing documents of more than `maxValues` values; returns how many it made.
    package static func decode(_ bytes: UnsafeBufferPointer<UInt8>, maxValues: Int) throws(ParseError) -> (value: JSONValue, values: Int) {
        var p = Parser(bytes: bytes, pos: 0, valuesLeft: maxValues)
        do throws(ParseError) {
            let value = try p.value(depth: 0)
            p.skipSpace()
            if p.pos != bytes.count { throw p.error("unexpected text after the JSON value") }
            return (value, maxValues - p.valuesLeft)
        } catch { throw error.located(in: bytes) }
    }

    /// Parses the JSON value that starts at `start`, returning it and the offset just past it.
    public static func decodePrefix(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) throws(ParseError) -> (JSONValue, Int) {
        var p = Parser(bytes: bytes, pos: start)
        do throws(ParseError) {
            let value = try p.value(depth: 0)
            return (value, p.pos)
        } catch { throw error.located(in: bytes) }
    }

    // MARK: encoding

    /// Compact JSON with object keys sorted, so equal values encode to equal text.
    public static func encode(_ value: JSONValue) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    static func write(_ value: JSONValue, to out: inout [UInt8]) {
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
