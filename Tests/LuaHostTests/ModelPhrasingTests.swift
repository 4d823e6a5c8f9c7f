import Testing
@testable import LuaHost

/// The `rpt` helpers against replies as models write them (issue 13: each of these once came back
/// nil or wrong), including texts that must stay nil.
@Suite struct ModelPhrasingTests {
    /// `f(text)` through the library; the text goes in a Lua long bracket, so quotes stay as written.
    func call(_ f: String, _ text: String, _ more: String = "") throws -> LuaValue? {
        try runLua("return require('rpt').\(f)([==[\(text)]==]\(more))")
    }

    static let letters: [(String, String?)] = [
        (#"{"answer": "C", "confidence": 0.8}"#, "C"),
        ("The correct option is B.", "B"),
        ("The correct choice: C.", "C"),
        ("I choose option 'D'", "D"),
        ("**Answer:** (C)", "C"),
        ("Final Answer: The final answer is B. I hope it is correct.", "B"),
        (#"Therefore, the answer is $\boxed{E}$."#, "E"),
        ("Answer: D) 12 km/h", "D"),
        ("The answer is A, because option C ignores the discount.", "A"),
        ("Option A is wrong. B is correct.", "B"),
        ("After checking each one, I'd go with C.", "C"),
        ("The answer is B. Wait, re-reading it, the answer is actually D.", "D"),
        ("(C) 42", "C"),
        ("ANSWER: e", "E"),
        (#"{"reasoning": "Option A double-counts.", "answer": "(D)"}"#, "D"),
        ("The answer choice is B", "B"),
        ("Let me compare (A) and (C): (C) is right.", "C"),
        ("b", "B"),
        // must stay nil
        ("The answer is (F).", nil),                 // out of range for five options
        ("My answer: F", nil),
        ("The answer is a bit unclear; both readings work.", nil),
        ("I don't know.", nil),
        ("None of the options is correct.", nil),
        ("The answer is 42.", nil),
        ("Answer: Both A and C", nil),
        ("", nil),
    ]

    @Test func choiceLetterReadsRealReplies() throws {
        for (reply, expected) in Self.letters {
            #expect(try call("choice.letter", reply, ", 5") == expected.map(LuaValue.string), "letter(\(reply))")
        }
    }

    static let numbers: [(String, Double?)] = [
        ("Rs. 1200", 1200), ("Rs.336", 336), ("36 km/hr", 36), ("6K", 6000), ("1 1/2", 1.5),
        ("$1,234.50", 1234.5), ("45%", 45), ("2.5 million", 2_500_000), ("\u{2212}7", -7), ("-$5", -5),
        ("$-5", -5), ("12 \u{20AC}", 12), ("\u{20B9} 50", 50), (".5", 0.5), ("3/4", 0.75), ("72.", 72),
        ("18 dollars.", 18), ("1e3", 1000), ("1.2bn", 1_200_000_000), ("25 m\u{00B2}", 25),
        // must stay nil
        ("abc", nil), ("1,23", nil), ("3/0", nil), ("3 apples and 4 pears", nil), ("Answer: 5", nil),
        ("1-2", nil), ("", nil), ("12:30", nil),
    ]

    @Test func numParseReadsRealReplies() throws {
        for (text, expected) in Self.numbers {
            #expect(try call("num.parse", text)?.number == expected, "parse(\(text))")
        }
    }

    @Test func firstAgreesWithParseOnEveryNumber() throws {
        for (text, expected) in Self.numbers where expected != nil {
            #expect(try call("num.first", text)?.number == expected, "first(\(text))")
        }
        #expect(try call("num.last", "1 1/2")?.number == 1.5)
    }

    static let texts: [(String, [Double])] = [
        ("The train travels at 36 km/hr for 2 1/2 hours, so it covers 90 km.", [36, 2.5, 90]),
        ("Total: Rs. 1200 + Rs.336 = Rs. 1536", [1200, 336, 1536]),
        ("Revenue grew from $6K to $2.5M.", [6000, 2_500_000]),
        ("x = -3 and y = +4", [-3, 4]),
        ("Between 2020-2021 it rose 5-3 points", [2020, 2021, 5, 3]),
        ("1, 2, 3", [1, 2, 3]),
        ("#### 1,203.", [1203]),
        ("She had 3 apples, then 1,200 more", [3, 1200]),
        ("a -$5 refund", [-5]),
        ("3/4 of 12 is 9", [0.75, 12, 9]),
        ("It weighs 5kg, not 5 k", [5, 5]),
        ("The answer is 3 million.", [3_000_000]),
        ("Step 1: 1e3 / 10 = 100", [1, 1000, 10, 100]),
        ("no numbers here", []),
        ("1,2345 and 1,23", [1, 2345, 1, 23]),
    ]

    @Test func numAllReadsEveryNumberOfAReply() throws {
        for (text, expected) in Self.texts {
            let got = try call("num.all", text)?.array?.compactMap(\.number) ?? []
            #expect(got == expected, "all(\(text))")
        }
    }

    /// Hostile replies: each helper stays linear (a quadratic scan of these would take minutes) and
    /// within the default hook limits at 30,000 numbers; more numbers than that cost more instructions.
    @Test func helpersStayLinearOnLongReplies() throws {
        let long = [
            #"string.rep("answer ", 40000)"#, #"string.rep("answer:", 40000) .. " B""#,
            #""answer" .. string.rep(" ", 200000) .. "B""#, #"string.rep("(", 200000)"#,
            #"string.rep("is correct ", 30000)"#, #"string.rep("1 ", 30000)"#, #"string.rep("1 1/", 30000)"#,
            #"string.rep("9", 300000)"#, #"string.rep("1,", 30000)"#, #"string.rep("6K ", 30000)"#,
        ]
        for text in long {
            for f in ["r.choice.letter(s, 5)", "#r.num.all(s)", "r.num.parse(s)"] {
                #expect(throws: Never.self, "\(f) of \(text)") {
                    _ = try runLua("local s = \(text); local r = require('rpt'); return tostring(\(f))")
                }
            }
        }
        #expect(try runLua(#"return require('rpt').choice.letter(string.rep("answer:", 40000) .. " B", 5)"#) == "B")
    }
}
