import Foundation
import Testing
import TestSupport
@testable import TaskPack

@Suite struct ValidationTests {
    @Test func minimalPackLoads() throws {
        let pack = try PackFixture(task: PackFixture.task(), files: ["data/all.jsonl": PackFixture.rows(10)])
        let rt = try pack.load()
        #expect(rt.spec.name == "mini")
        #expect(rt.spec.output == .text)
        #expect(rt.spec.failureModes == ["format", "wrong"])
    }

    @Test func misspelledKeyGetsASuggestion() throws {
        let pack = try PackFixture(task: PackFixture.task(#"extact = function() end,"#))
        let problems = pack.loadProblems().map(\.description)
        #expect(problems.contains("task.lua: unknown key 'extact' (did you mean 'extract'?)"))
    }

    @Test func missingHooksAreNamed() throws {
        let pack = try PackFixture(task: PackFixture.task(replacing: ["extract": "", "score": ""]))
        let problems = pack.loadProblems().map(\.message)
        #expect(problems.contains { $0.hasPrefix("missing 'extract': function(reply, example)") })
        #expect(problems.contains { $0.hasPrefix("missing 'score'") })
    }

    @Test func wrongTypesAndVersionsAreExplained() throws {
        let pack = try PackFixture(task: PackFixture.task(#"output = "yaml", classify = function() end,"#,
                                                          replacing: ["api": "api = 2,", "render": #"render = "x","#]))
        let problems = pack.loadProblems().map(\.message)
        #expect(problems.contains("api = 2 is not supported: this rpt reads task pack API 1"))
        #expect(problems.contains { $0.hasPrefix("'render' must be a function(example)") && $0.hasSuffix("found a string") })
        #expect(problems.contains("'output' must be \"json\" or \"text\", found \"yaml\""))
        #expect(problems.contains("'classify' needs a 'failures' table naming the modes it may return"))
    }

    @Test func unknownNestedKeys() throws {
        let pack = try PackFixture(task: PackFixture.task(replacing: [
            "prompt": #"prompt = { system = "s", instructions = "x" },"#,
            "data": #"data = { train = "a.jsonl", tset = "b.jsonl" },"#,
        ]))
        let problems = pack.loadProblems().map(\.message)
        #expect(problems.contains("unknown key 'prompt.instructions' (did you mean 'instruction'?)"))
        #expect(problems.contains("unknown key 'data.tset' (did you mean 'test'?)"))
    }

    @Test func syntaxErrorNamesFileAndLine() throws {
        let pack = try PackFixture(task: "local x = 1\nreturn { api = 1,\n name = = 'x' }\n")
        let problems = pack.loadProblems()
        #expect(problems.count == 1)
        #expect(problems.first?.location == "task.lua:3")
        #expect(problems.first?.message.hasPrefix("syntax error:") == true)
    }

    @Test func runtimeErrorInAModuleNamesThatFile() throws {
        let pack = try PackFixture(task: "local u = require 'lib.util'\n" + PackFixture.task(),
                                   files: ["lib/util.lua": "local t = {}\nreturn t.missing.field\n"])
        let problems = pack.loadProblems()
        #expect(problems.first?.location == "lib/util.lua:2")
    }

    @Test func taskMustReturnATable() throws {
        let pack = try PackFixture(task: "return 42")
        #expect(pack.loadProblems().first?.message.contains("must return the task table") == true)
    }

    @Test func noTaskFile() throws {
        let dir = Scratch.url("empty")
        #expect(throws: PackLoadError.self) { try PackRuntime(directory: dir) }
    }

    @Test func annotationsAreValidLuaAndShippedCopyMatches() throws {
        let shipped = try String(contentsOf: repoRoot.appendingPathComponent("tasks/types/rpt.lua"), encoding: .utf8)
        #expect(shipped == LuaAnnotations.source)
        let pack = try PackFixture(task: PackFixture.task(), files: ["data/all.jsonl": PackFixture.rows(3), "types/rpt.lua": LuaAnnotations.source])
        let rt = try pack.load()
        #expect(throws: Never.self) { _ = try rt.runDataFile(LuaAnnotations.source, chunkName: "types/rpt.lua") }
    }
}
