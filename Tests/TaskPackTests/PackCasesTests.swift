import Foundation
import Testing
@testable import TaskPack

/// tests/*.lua that say what went wrong (issue 13): the failure's detail, files that give no
/// cases, every problem on request, and a classify that returns a table.
@Suite struct PackCasesTests {
    static let classifying = PackFixture.task(#"""
        failures = { near = "same length", far = "different length" },
        classify = function(answer, ex)
          if #answer == #ex.label then return "near", answer .. " instead of " .. ex.label end
          return "far"
        end,
        """#)

    func check(_ tests: [String: String], task: String = classifying) throws -> PackCheck {
        var files = ["data/all.jsonl": PackFixture.rows(50)]
        for (name, text) in tests { files["tests/\(name)"] = text }
        return PackCheck.run(directory: try PackFixture(task: task, files: files).dir)
    }

    func testsLine(_ check: PackCheck) -> String? { check.steps.first { $0.step == "tests" }.map { "\($0.status) \($0.detail)" } }

    @Test func aCaseChecksTheDetailExactly() throws {
        let passing = try check(["cases.lua": #"""
            return {
              { name = "near", example = { text = "x", label = "abc" }, reply = "abd", failure = "near", detail = "abd instead of abc" },
              { name = "unread", example = { text = "x", label = "abc" }, reply = "", failure = "format", detail = "empty" },
            }
            """#])
        #expect(passing.passed, "\(passing.render(pack: "p"))")
        #expect(testsLine(passing) == "ok 2 cases in tests/cases.lua")

        let failing = try check(["cases.lua": #"""
            return {
              { name = "near", example = { text = "x", label = "abc" }, reply = "abd", detail = "abd, not abc" },
              { name = "full", example = { text = "x", label = "abc" }, reply = "abc", detail = "anything" },
              { name = "typed", example = { text = "x", label = "abc" }, reply = "abd", detail = 3 },
            }
            """#])
        #expect(failing.problems.map(\.description) == [
            "tests/cases.lua: case 1 'near': detail 'abd instead of abc', expected 'abd, not abc'",
            "tests/cases.lua: case 2 'full': detail none, expected 'anything'",
            "tests/cases.lua: case 3 'typed': 'detail' must be a string (the exact detail of the failure)",
        ])
        #expect(testsLine(failing) == "FAIL 3 of 3 cases fail")
    }

    @Test func anUnknownKeyListsTheAllowedOnes() throws {
        let c = try check(["cases.lua": #"return { { example = { text = "x", label = "x" }, reply = "x", detial = "y" } }"#])
        #expect(c.problems.map(\.description) == ["tests/cases.lua: case 1: unknown key 'detial' (did you mean 'detail'?); a case may have "
            + "name, example, reply, answer, confidence, score, failure, detail, rendered, verdict, metrics"])
    }

    @Test func filesThatGiveNoCasesSayWhy() throws {
        let c = try check([
            "a_empty.lua": "return {}",
            "b_syntax.lua": "return {\n  { name = 'x' reply = 'y' },\n}",
            "c_single.lua": #"return { name = "one", example = { text = "x", label = "x" }, reply = "x" }"#,
            "d_string.lua": #"return "cases""#,
            "e_good.lua": #"return { { example = { text = "x", label = "x" }, reply = "x", score = 1 } }"#,
        ])
        let shape = "return { { name = ..., example = ..., reply = ... }, ... }"
        #expect(c.problems.map(\.description) == [
            "tests/a_empty.lua: returns no cases: \(shape)",
            "tests/b_syntax.lua:2: syntax error: '}' expected near 'reply'",
            "tests/c_single.lua: returns one case, not a list of cases: wrap it in braces, \(shape)",
            "tests/d_string.lua: must return a list of cases, not a string: \(shape)",
        ])
        #expect(testsLine(c) == "FAIL 4 of 5 files give no cases")
    }

    @Test func checkListsEveryProblemWithAll() throws {
        let task = PackFixture.task(replacing: ["gold": "gold = function(ex) return ex.label .. '!' end,"])
        let pack = try PackFixture(task: task, files: ["data/all.jsonl": PackFixture.rows(30)])
        let check = PackCheck.run(directory: pack.dir)
        #expect(check.problems.count == 30)
        let short = check.render(pack: "p")
        #expect(short.components(separatedBy: "gold reply scored 0").count - 1 == PackCheck.listed)
        #expect(short.contains("  ... and 10 more (rpt check --all p lists them all)\n"))
        let all = check.render(pack: "p", all: true)
        #expect(all.components(separatedBy: "gold reply scored 0").count - 1 == 30)
        #expect(!all.contains("more (rpt check --all"))
    }

    @Test func classifyReturningATableIsAnErrorNotOther() throws {
        let task = PackFixture.task(#"""
            failures = { near = "same length", far = "different length" },
            classify = function(answer, ex) return { near = true } end,
            """#)
        let c = try check(["cases.lua": #"return { { example = { text = "x", label = "abc" }, reply = "abd", failure = "other" } }"#], task: task)
        let message = try #require(c.problems.first?.description)
        #expect(message.contains(#"classify returned a table ({"near":true}) as the mode; return one mode from 'failures' (format, far, near, other) or a list of them, and a detail, or nil"#),
                "\(message)")
        #expect(message.contains("task.lua:11"))
    }

    /// A list of modes is an example wrong in several ways; a case names them all, in order.
    @Test func aCaseChecksSeveralModesInOrder() throws {
        let task = PackFixture.task(#"""
            failures = { near = "same length", far = "different length" },
            classify = function(answer, ex) return { "near", "far" } end,
            """#)
        let ok = try check(["cases.lua": #"return { { example = { text = "x", label = "abc" }, reply = "abd", failure = { "near", "far" } } }"#], task: task)
        #expect(ok.problems.isEmpty, "\(ok.problems)")
        let one = try check(["cases.lua": #"return { { example = { text = "x", label = "abc" }, reply = "abd", failure = "near" } }"#], task: task)
        #expect(one.problems.map(\.description) == ["tests/cases.lua: case 1: failure near, far, expected near"])
    }
}
