import Foundation
import Testing
import LuaHost
@testable import TaskPack

@Suite struct RuntimeTests {
    static let classifying = PackFixture.task(#"""
        output = "json",
        failures = { near = "close", far = "not close" },
        classify = function(answer, ex, reply) if #answer == #ex.label then return "near", reply end return "far" end,
        """#)

    func example(_ label: String, id: String = "e1") -> Example {
        Example(id: id, fields: ["id": .string(id), "text": .string(label), "label": .string(label)], source: "data/all.jsonl:1")
    }

    @Test func evaluateRunsExtractScoreClassify() throws {
        let rt = try PackFixture(task: Self.classifying).load()
        #expect(try rt.evaluate(reply: "abc", example: example("abc")) == Outcome(answer: "abc", confidence: nil, score: 1, failure: nil, detail: nil))
        #expect(try rt.evaluate(reply: "abd", example: example("abc")).failure == "near")
        #expect(try rt.evaluate(reply: "abd", example: example("abc")).detail == "abd")
        #expect(try rt.evaluate(reply: "x", example: example("abc")).failure == "far")
        let unread = try rt.evaluate(reply: "", example: example("abc"))
        #expect(unread.failure == "format" && unread.detail == "empty" && unread.score == 0)
    }

    @Test func runtimeErrorInExtractNamesLineAndExample() throws {
        let task = PackFixture.task(replacing: ["extract": """
            extract = function(reply, ex)
              if ex.id == "bad" then local t = nil; return t.field end
              return reply
            end,
            """])
        let rt = try PackFixture(task: task).load()
        let e = try #require(hookError { _ = try rt.evaluate(reply: "x", example: example("x", id: "bad")) })
        #expect(e.hook == "extract")
        #expect(e.exampleID == "bad")
        #expect(e.description.contains("task.lua:8: attempt to index a nil value"))
        #expect(e.description.contains("(data/all.jsonl:1)"))
        #expect(try rt.evaluate(reply: "x", example: example("x", id: "good")).score == 1)
    }

    /// The instruction limit ends it (the time limit is set far out, so a busy machine cannot
    /// make it the one that fires), and the runtime goes on.
    @Test func endlessLoopInAHookIsAPackError() throws {
        let task = PackFixture.task("limits = { seconds = 60 },", replacing: ["score": "score = function() while true do end end,"])
        let rt = try PackFixture(task: task).load()
        let e = try #require(hookError { _ = try rt.evaluate(reply: "x", example: example("x")) })
        #expect(e.message.contains("instruction limit"))
        #expect(try rt.render(example("y")) == "y")
    }

    @Test func hookResultsAreChecked() throws {
        let badScore = try PackFixture(task: PackFixture.task(replacing: ["score": "score = function() return 1.5 end,"])).load()
        #expect(hookError { _ = try badScore.evaluate(reply: "x", example: example("x")) }?.message.contains("a score must be a number in [0, 1]") == true)
        let badConfidence = try PackFixture(task: PackFixture.task(replacing: ["extract": "extract = function(r) return r, 7 end,"])).load()
        #expect(hookError { _ = try badConfidence.evaluate(reply: "x", example: example("x")) }?.message.contains("confidence") == true)
        let badMode = try PackFixture(task: PackFixture.task(#"failures = { a = "A" }, classify = function() return "zzz" end,"#)).load()
        #expect(hookError { _ = try badMode.evaluate(reply: "x", example: example("y")) }?.message.contains("'zzz', which is not in 'failures'") == true)
        let badRender = try PackFixture(task: PackFixture.task(replacing: ["render": "render = function() return 3 end,"])).load()
        let renderError = hookError { _ = try badRender.render(example("x")) }
        #expect(renderError?.message.contains("task.lua:6: render must return the user message") == true, "\(String(describing: renderError))")
    }

    @Test func hooksCannotKeepState() throws {
        let rt = try PackFixture(task: PackFixture.task(replacing: ["score": "score = function() seen = true; return 1 end,"])).load()
        #expect(hookError { _ = try rt.evaluate(reply: "x", example: example("x")) }?.message.contains("may not set the global 'seen'") == true)
    }

    func hookError(_ body: () throws -> Void) -> HookError? {
        do { try body() } catch { return error as? HookError }
        return nil
    }
}
