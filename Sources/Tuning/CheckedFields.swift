import LuaHost
import ModelClient

/// Why a JSON document from outside (a pack's history.json, a manifest's history) cannot be
/// used: the file, the field's path and what it must be.
public struct FieldError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// One field of an untrusted JSON document and its path (`entries[2].test.gain`), for messages.
/// Every read checks the type and a bound (length, range, count); an object refuses keys it does
/// not know, so a misspelled or foreign field is named instead of silently ignored.
struct Field {
    /// nil: the key is missing.
    let value: JSONValue?
    let path: String
    let file: String

    init(_ value: JSONValue?, path: String = "", file: String) {
        (self.value, self.path, self.file) = (value, path, file)
    }

    func fail(_ want: String) -> FieldError {
        FieldError("\(file): \(path.isEmpty ? "the document" : "'\(path)'") must be \(want), found \(Field.shown(value))")
    }

    /// What was found, short and escaped (a hostile value is never printed whole).
    static func shown(_ v: JSONValue?) -> String {
        switch v {
        case nil: return "nothing (the field is missing)"
        case .string(let s)?: return "the text " + UntrustedText.quoted(s, max: 40)
        case .array(let a)?: return "a list of \(a.count)"
        case .object?: return "an object"
        case .bool(let b)?: return "\(b)"
        case .null?: return "null"
        case let n?: return "the number \(JSON.encode(n))"
        }
    }

    /// This field as an object whose keys are all in `known`.
    @discardableResult
    func object(_ known: Set<String>) throws(FieldError) -> Field {
        guard case .object(let o)? = value else { throw fail("an object") }
        if let odd = o.keys.sorted().first(where: { !known.contains($0) }) {
            throw FieldError("\(file): \(path.isEmpty ? "the document" : "'\(path)'") has the field \(UntrustedText.quoted(odd, max: 40)), "
                             + "which a history does not have (its fields: \(known.sorted().joined(separator: ", ")))")
        }
        return self
    }

    func child(_ key: String) -> Field {
        Field(value?[key], path: path.isEmpty ? key : path + "." + key, file: file)
    }

    /// The child, or nil when it is missing or null.
    func optional(_ key: String) -> Field? {
        let c = child(key)
        return c.value == nil || c.value == .null ? nil : c
    }

    /// Free text of at most `max` characters (control characters allowed: they are escaped
    /// wherever the text is shown).
    func text(max: Int) throws(FieldError) -> String {
        guard case .string(let s)? = value else { throw fail("a string") }
        guard s.unicodeScalars.count <= max else { throw fail("at most \(max) characters") }
        return s
    }

    /// A name (a mode, a section, a model, a version): 1 to `max` characters, no control characters.
    func name(max: Int = 80) throws(FieldError) -> String {
        let s = try text(max: max)
        guard !s.isEmpty, !s.unicodeScalars.contains(where: UntrustedText.isControl) else {
            throw fail("a name of 1 to \(max) characters without control characters")
        }
        return s
    }

    func number(_ range: ClosedRange<Double>) throws(FieldError) -> Double {
        guard let n = Checked.double(value?.number, in: range) else { throw fail("a number from \(range.lowerBound) to \(range.upperBound)") }
        return n
    }

    func int(_ range: ClosedRange<Int>) throws(FieldError) -> Int {
        guard let v = value?.number, v == v.rounded(), let n = Checked.int(v, in: range) else {
            throw fail("a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }

    func bool() throws(FieldError) -> Bool {
        guard case .bool(let b)? = value else { throw fail("true or false") }
        return b
    }

    func array(max: Int) throws(FieldError) -> [Field] {
        guard case .array(let a)? = value else { throw fail("a list") }
        guard a.count <= max else { throw fail("a list of at most \(max)") }
        return a.enumerated().map { Field($0.element, path: "\(path)[\($0.offset)]", file: file) }
    }
}

/// Text from outside on its way to a terminal or a model: bounded and escaped, so it can
/// neither flood the output nor pass for rpt's own structure (no newline starts a heading).
enum UntrustedText {
    static func isControl(_ u: Unicode.Scalar) -> Bool {
        u.value < 0x20 || (0x7f...0x9f).contains(u.value) || u == "\u{2028}" || u == "\u{2029}"
    }

    /// At most `max` characters, control characters as `\n`, `\u{1b}`, cut with "…".
    static func clean(_ s: String, max: Int) -> String {
        var out = "", n = 0
        for u in s.unicodeScalars {
            if n >= max { return out + "…" }
            n += 1
            switch u {
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case _ where isControl(u): out += "\\u{\(String(u.value, radix: 16))}"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// `clean`, in double quotes (inner quotes escaped): visibly a quotation, never an instruction of rpt's.
    static func quoted(_ s: String, max: Int) -> String {
        "\"" + clean(s, max: max).replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
