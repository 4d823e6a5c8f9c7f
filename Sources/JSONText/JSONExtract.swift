/// `JSON.extract`: the first JSON value in chatty model text. It tries every opener in turn, so
/// it remembers which containers failed (each is parsed to failure at most once) and rules out
/// openers that cannot start a value, to stay linear on text full of braces.
extension JSON {
    /// The first JSON object (or array, if no object parses) in chatty model text: code fences,
    /// prose before and after are ignored.
    public static func extract(_ text: String) -> JSONValue? {
        extract(text, pay: { (_: Int) throws(Never) in })
    }

    /// As `extract`, calling `pay` with the values each failed attempt parsed, so a caller can
    /// bound the work (LuaHost charges them to a hook's limits, and stops with its own error).
    package static func extract<E: Error>(_ text: String, pay: (Int) throws(E) -> Void) throws(E) -> JSONValue? {
        var text = text
        let result = text.withUTF8 { bytes in
            Result { () throws(E) -> JSONValue? in
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
}

extension Parser {
    /// Whether the opener at `i` can start a value at all (what follows it): most stray braces
    /// in chatty text are ruled out without a parse.
    static func mayStart(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        var j = i + 1
        while j < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[j]) { j += 1 }
        guard j < bytes.count else { return false }
        if bytes[i] == UInt8(ascii: "{") { return bytes[j] == UInt8(ascii: "\"") || bytes[j] == UInt8(ascii: "}") }
        return "{[\"]-0123456789tfn".utf8.contains(bytes[j])
    }

    /// An object or array. While extracting (`tracking`), a container that failed once fails
    /// again at once: extract tries every opener, and without this each one could re-parse the
    /// same long or deep text (a depth failure counts too: 300 `[` cost 300 steps, not 300²).
    mutating func container(depth: Int) throws(JSON.ParseError) -> JSONValue {
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
}
