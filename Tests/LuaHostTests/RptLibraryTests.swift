import Testing
@testable import LuaHost

@Suite struct RptLibraryTests {
    @Test func jsonRoundTripKeepsNullAndEmptyArrays() throws {
        let v = try runLua(#"""
            local rpt = require "rpt"
            local t = rpt.json.decode('{"a": null, "b": [], "c": [1, 2.5, "x"], "d": {"e": true}}')
            assert(t.a == rpt.json.null and rpt.json.is_null(t.a))
            return rpt.json.encode(t)
            """#)
        #expect(v == #"{"a":null,"b":[],"c":[1,2.5,"x"],"d":{"e":true}}"#)
    }

    @Test func jsonDecodeReportsWhereItFailed() throws {
        let v = try runLua(#"local v, err = require("rpt").json.decode('{"a": 1,\n "b": }'); return err"#)
        #expect(v?.string?.contains("line 2") == true)
    }

    @Test func jsonExtractFindsTheObjectInChattyText() throws {
        let v = try runLua(#"""
            local json = require("rpt.json")
            local t = json.extract('Sure! Here it is:\n```json\n{"intent": "card_arrival", "confidence": 0.9}\n```\nHope that helps {not json}')
            return t.intent .. " " .. t.confidence
            """#)
        #expect(v == "card_arrival 0.9")
        #expect(try runLua(#"return select(2, require("rpt.json").extract("no json here"))"#) == "no JSON object found in the reply")
    }

    @Test func jsonEncodeRefusesFunctions() throws {
        let e = try #require(luaError(#"return require("rpt").json.encode({ f = print })"#))
        #expect(e.message.contains("t.lua:1"))
        #expect(e.message.contains("not data"))
    }

    @Test func textNormalizeAndF1() throws {
        #expect(try runLua(#"return require("rpt.text").normalize("  The Eiffel-Tower, in  PARIS! ")"#) == "eiffeltower in paris")
        #expect(try runLua(#"return require("rpt.text").f1("the cat sat", "a cat sat down")"#) == .double(0.8))
        #expect(try runLua(#"return require("rpt.text").f1("", "")"#) == .int(1))
        #expect(try runLua(#"return require("rpt.text").exact("An apple.", "apple")"#) == .bool(true))
        #expect(try runLua(#"return require("rpt.text").trim("\n x y \t")"#) == "x y")
    }

    @Test func numParse() throws {
        let cases: [(String, LuaValue?)] = [
            ("1,234.5", .double(1234.5)), ("-3", .int(-3)), ("+2", .int(2)), ("3/4", .double(0.75)),
            ("1 1/2", .double(1.5)), ("45%", .int(45)), ("$12.50", .double(12.5)), ("12 kg", .int(12)),
            ("1e3", .double(1000)), ("\u{2212}7", .int(-7)), ("18 dollars.", .int(18)), ("abc", nil),
            ("1,23", nil), ("72.", .int(72)),
        ]
        for (text, expected) in cases {
            let got = try runLua("return require('rpt.num').parse(...)".replacingOccurrences(of: "...", with: "\"\(text)\""))
            #expect(got == expected, "parse(\(text))")
        }
    }

    @Test func numLastAndEqual() throws {
        #expect(try runLua(#"return require("rpt.num").last("She had 3 apples, then 1,200 more, so #### 1,203.")"#) == .int(1203))
        #expect(try runLua(#"return require("rpt.num").first("costs $5.50 each")"#) == .double(5.5))
        #expect(try runLua(#"return require("rpt.num").equal("1,000", 1000.0000001)"#) == .bool(true))
        #expect(try runLua(#"return require("rpt.num").equal("10", "11")"#) == .bool(false))
        #expect(try runLua(#"return require("rpt.num").equal("x", "11")"#) == .bool(false))
    }

    @Test func choiceLetter() throws {
        let cases: [(String, LuaValue?)] = [
            ("The answer is (B).", "B"), ("Answer: c", "C"), ("D) because it fits", "D"),
            ("I think (A) is wrong and (C) is right", "C"), ("b", "B"), ("(E)", nil), ("no idea", nil),
        ]
        for (reply, expected) in cases {
            let got = try runLua("return require('rpt.choice').letter([[\(reply)]], 4)")
            #expect(got == expected, "letter(\(reply))")
        }
    }

    @Test func logAndPrintReachTheSink() throws {
        final class Box: @unchecked Sendable { var lines: [String] = [] }
        let box = Box()
        let engine = try LuaEngine(logSink: { level, msg in box.lines.append("\(level): \(msg)") })
        let (env, _) = try engine.newEnvironment()
        let fn = try engine.load(#"require("rpt").log.warn("n=%d", 3); print("a", 1)"#, chunkName: "t.lua", env: env)
        _ = try engine.call(fn, [], results: 0)
        #expect(box.lines == ["warn: n=3", "info: a\t1"])
    }
}
