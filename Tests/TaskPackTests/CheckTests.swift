import Foundation
import Testing
import TestSupport
@testable import TaskPack

@Suite struct CheckTests {
    @Test(arguments: ["banking77", "snips-slots", "gsm8k"])
    func shippedPacksPass(_ name: String) throws {
        let check = PackCheck.run(directory: repoRoot.appendingPathComponent("tasks/\(name)"))
        #expect(check.passed, "\(check.render(pack: name))")
        #expect(check.steps.filter { $0.status != "warn" }.map(\.step) == ["task.lua", "data", "render", "tests", "gold"])
        // Their train files come sorted by label: rpt check says so and still passes.
        let sorted = name == "gsm8k" ? [] : ["data/train.jsonl"]
        #expect(check.warnings.map(\.location) == sorted)
    }

    @Test func newPackPasses() throws {
        let dir = Scratch.url("new").appendingPathComponent("ticket-urgency")
        let files = try PackTemplate.write(to: dir)
        #expect(files.contains("types/rpt.lua"))
        let check = PackCheck.run(directory: dir)
        #expect(check.passed, "\(check.render(pack: "new"))")
        #expect(check.steps.first?.detail.hasPrefix("ticket-urgency 0.1.0") == true)
        #expect(throws: PackTemplate.Refusal.self) { try PackTemplate.write(to: dir) }
    }

    @Test func oneFailingExampleIsReportedAndTheOthersStillRun() throws {
        let task = PackFixture.task(replacing: ["extract": """
            extract = function(reply, ex) if ex.id == "ex-3" then error("boom") end return reply end,
            """])
        let pack = try PackFixture(task: task, files: ["data/all.jsonl": PackFixture.rows(50)])
        let check = PackCheck.run(directory: pack.dir)
        #expect(!check.passed)
        #expect(check.problems.count == 1)
        let p = try #require(check.problems.first)
        #expect(p.location == "data/all.jsonl:4")
        #expect(p.message.contains("extract failed on example ex-3"))
        #expect(p.message.contains("task.lua:7: boom"))
        #expect(check.steps.last?.detail.hasPrefix("mean score 0.9800 over 50 examples") == true)
    }

    @Test func duplicateIdsAcrossSplits() throws {
        let task = PackFixture.task(replacing: ["data": #"data = { train = "t.jsonl", dev = "d.jsonl", test = "d2.jsonl" },"#])
        let pack = try PackFixture(task: task, files: ["t.jsonl": PackFixture.rows(3), "d.jsonl": PackFixture.rows(1),
                                                       "d2.jsonl": #"{"id": "z", "text": "a", "label": "a"}"#])
        let check = PackCheck.run(directory: pack.dir)
        #expect(check.problems.map(\.description) == [
            "d.jsonl:1: id 'ex-0' is used again (first at t.jsonl:1): ids must be unique across all files and splits"])
    }

    @Test func failingCasesAndGoldAreListed() throws {
        let task = PackFixture.task(replacing: ["gold": "gold = function(ex) return ex.label .. '!' end,"])
        let pack = try PackFixture(task: task, files: [
            "data/all.jsonl": PackFixture.rows(20),
            "tests/cases.lua": #"return { { name = "echo", example = { text = "a", label = "a" }, reply = "a", score = 0, answr = 1 } }"#,
        ])
        let check = PackCheck.run(directory: pack.dir)
        let text = check.problems.map(\.description)
        #expect(text.contains("tests/cases.lua: case 1 'echo': unknown key 'answr' (did you mean 'answer'?); a case may have "
                              + "name, example, reply, answer, confidence, score, failure, detail, rendered, verdict, metrics"))
        #expect(text.contains("tests/cases.lua: case 1 'echo': score 1, expected 0"))
        #expect(text.contains { $0.contains("gold reply scored 0:") })
        #expect(check.render(pack: "p").hasSuffix("failed\n"))
    }

    @Test func brokenDataStopsTheCheckWithTheLine() throws {
        let pack = try PackFixture(task: PackFixture.task(), files: ["data/all.jsonl": PackFixture.rows(3) + "{oops\n"])
        let check = PackCheck.run(directory: pack.dir)
        #expect(check.problems.first?.location == "data/all.jsonl:4")
    }
}
