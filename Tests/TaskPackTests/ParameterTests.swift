import Foundation
import Testing
import LuaHost
@testable import TaskPack

/// Pack parameters: declared with `rpt.parameters` in task.lua, set with `--set NAME=VALUE`.
@Suite struct ParameterTests {
    /// A pack whose data file and prompt follow its `size` parameter.
    static let task = #"""
        local rpt = require "rpt"
        local params = rpt.parameters {
          size = { default = "small", values = { "small", "large" }, description = "which data file" },
        }
        return {
          api = 1, name = "sized", data = "data/" .. params.size .. ".jsonl",
          prompt = { instruction = "Say the " .. params.size .. " label." },
          render = function(ex) return rpt.params.size .. ": " .. ex.text end,
          extract = function(reply) return reply end,
          score = function(answer, ex) return answer == ex.label end,
          gold = function(ex) return ex.label end,
        }
        """#

    func pack(_ task: String = ParameterTests.task) throws -> PackFixture {
        try PackFixture(task: task, files: ["data/small.jsonl": PackFixture.rows(5), "data/large.jsonl": PackFixture.rows(40)])
    }

    func problems(_ fixture: PackFixture, set: [String: String]) -> [String] {
        do { _ = try PackRuntime(directory: fixture.dir, set: set); return [] } catch { return error.problems.map(\.description) }
    }

    @Test func theDefaultOrTheSetValueChoosesDataAndPrompt() throws {
        let fixture = try pack()
        let plain = try PackRuntime(directory: fixture.dir)
        #expect(plain.parameters.values == ["size": "small"])
        #expect(plain.spec.prompt.instruction == "Say the small label.")
        #expect(try PackData.load(spec: plain.spec, directory: fixture.dir).provenance.values.joined().contains("small.jsonl"))
        let large = try PackRuntime(directory: fixture.dir, set: ["size": "large"])
        #expect(large.spec.prompt.instruction == "Say the large label.")
        let data = try PackData.load(spec: large.spec, directory: fixture.dir)
        #expect(Split.allCases.map { data[$0].count }.reduce(0, +) == 40)
        // Hooks read the same values through rpt.params.
        #expect(try large.render(data[.train][0]).hasPrefix("large: "))
        #expect(large.parameters.declared == [.init(name: "size", defaultValue: "small", values: ["small", "large"], description: "which data file")])
    }

    @Test func aWrongSetNamesWhatWouldDo() throws {
        let fixture = try pack()
        #expect(problems(fixture, set: ["sise": "large"])
                == ["--set: sise=large: this pack has no parameter 'sise' (did you mean 'size'?) (its parameters: size)"])
        #expect(problems(fixture, set: ["size": "larg"])
                == ["--set: size=larg: not a value of 'size' (did you mean 'large'?) (its values: small, large)"])
        let undeclared = try PackFixture(task: PackFixture.task(), files: ["data/all.jsonl": PackFixture.rows(5)])
        #expect(problems(undeclared, set: ["size": "large"])
                == ["--set: size=large: this pack declares no parameters (a pack declares them with rpt.parameters { ... } in task.lua)"])
    }

    @Test func malformedSetOptionsAreRefusedBeforeAnyPackLoads() throws {
        #expect(try PackParameters.parse(["a=b", "c=d=e", "a=b"]) == ["a": "b", "c": "d=e"])
        for (options, message) in [
            (["subtask"], "--set takes NAME=VALUE (e.g. --set subtask=navigate), found 'subtask'"),
            (["=x"], "--set takes NAME=VALUE (e.g. --set subtask=navigate), found '=x'"),
            (["a="], "--set a=: give a value after '='"),
            (["9a=b"], "--set 9a=b: '9a' is not a parameter name (letters, digits and '_', starting with a letter)"),
            (["a=b", "a=c"], "--set a is given twice ('b' and 'c'): give it once"),
        ] {
            do { _ = try PackParameters.parse(options); Issue.record("\(options) was accepted") } catch { #expect(error.description == message) }
        }
    }

    @Test func aBadDeclarationIsThePacksErrorAtItsLine() throws {
        let cases: [(String, String)] = [
            (#"default = "tiny", values = { "small" }"#, "'size.default' must be one of its values (small)"),
            (#"default = "small", values = {}"#, "'size.values' must be a non-empty list of strings"),
            (#"default = "small", values = { "../x" }"#, "'size.values' must be a non-empty list of strings"),
            (#"default = "small", values = { "small" }, descripton = "x""#, "unknown key 'size.descripton' (did you mean 'description'?)"),
        ]
        for (body, message) in cases {
            let fixture = try PackFixture(task: "local rpt = require 'rpt'\n\nrpt.parameters { size = { \(body) } }\n" + PackFixture.task(),
                                          files: ["data/all.jsonl": PackFixture.rows(5)])
            let found = problems(fixture, set: [:])
            #expect(found.count == 1 && found[0].hasPrefix("task.lua:3: runtime error: rpt.parameters: ") && found[0].contains(message), "\(found)")
        }
    }

    @Test func parametersAreDeclaredOnceWhileLoadingAndAreReadOnly() throws {
        let twice = try PackFixture(task: "local rpt = require 'rpt'\nlocal p = { x = { default = 'a', values = { 'a' } } }\n"
                                    + "rpt.parameters(p)\nrpt.parameters(p)\n" + PackFixture.task(), files: ["data/all.jsonl": PackFixture.rows(5)])
        #expect(problems(twice, set: [:]).first?.contains("task.lua:4: runtime error: rpt.parameters declares a pack's parameters while task.lua loads, once") == true)
        let inHook = try PackFixture(task: PackFixture.task(replacing: ["render": #"render = function(ex) return require("rpt").parameters({}) end,"#]),
                                     files: ["data/all.jsonl": PackFixture.rows(5)])
        let runtime = try inHook.load()
        let ex = try PackData.load(spec: runtime.spec, directory: inHook.dir)[.train][0]
        #expect(throws: HookError.self) { try runtime.render(ex) }
        let writes = try pack(ParameterTests.task.replacingOccurrences(of: "return rpt.params.size", with: "rpt.params.size = 'large'; return rpt.params.size"))
        let w = try PackRuntime(directory: writes.dir)
        let row = try PackData.load(spec: w.spec, directory: writes.dir)[.train][0]
        do { _ = try w.render(row); Issue.record("a hook changed rpt.params") } catch { #expect(error.message.contains("read-only")) }
    }

    @Test func aSetThePackSwallowsIsStillRefused() throws {
        let fixture = try PackFixture(task: "local rpt = require 'rpt'\npcall(rpt.parameters, { x = { default = 'a', values = { 'a' } } })\n"
                                      + PackFixture.task(), files: ["data/all.jsonl": PackFixture.rows(5)])
        #expect(problems(fixture, set: ["x": "zzz"]) == ["--set: x=zzz: not a value of 'x' (its values: a)"])
    }

    @Test func aParametersKeyInTheTableSaysHowToDeclareThem() throws {
        let fixture = try PackFixture(task: PackFixture.task("parameters = { size = { default = 'a', values = { 'a' } } },"),
                                      files: ["data/all.jsonl": PackFixture.rows(5)])
        #expect(fixture.loadProblems().map(\.description).contains {
            $0.hasPrefix("task.lua: 'parameters' not a key of the table: declare parameters before it, local params = rpt.parameters")
        })
    }

    @Test func testFilesReadTheValues() throws {
        let fixture = try pack()
        try fixture.write("tests/cases.lua", #"""
            local rpt = require "rpt"
            local ex = { id = "x", text = "t", label = "t" }
            return { { name = "renders " .. rpt.params.size, example = ex, rendered = rpt.params.size .. ": t" } }
            """#)
        let check = PackCheck.run(directory: fixture.dir, set: ["size": "large"])
        #expect(check.passed, "\(check.render(pack: "p", all: true))")
        #expect(check.steps.contains { $0.step == "params" && $0.detail == "size = large (values: small, large)" })
    }
}
