import Foundation
import Testing
import LuaHost
import TestSupport
@testable import TaskPack

/// Hostile task packs (issue 10), through the pack API: what `rpt check`, eval and tune see.
@Suite struct HostilePackTests {
    func example(_ label: String, id: String = "e1") -> Example {
        Example(id: id, fields: ["id": .string(id), "text": .string(label), "label": .string(label)], source: "data/all.jsonl:1")
    }

    func hookError(_ body: () throws -> Void) -> HookError? {
        do { try body() } catch { return error as? HookError }
        return nil
    }

    @Test func limitsAPackSetsForItselfAreCheckedAgainstTheCeiling() throws {
        let cases: [(String, String)] = [
            ("instructions = 1e300", "'limits.instructions' = 1e+300 is above the most a pack may ask for (1e+09)"),
            ("seconds = math.huge", "'limits.seconds' must be a finite number above 0, found inf"),
            ("memory_mb = 0/0", "'limits.memory_mb' must be a finite number above 0, found nan"),
            ("instructions = 1e15", "'limits.instructions' = 1e+15 is above"),
            ("seconds = 1e6", "'limits.seconds' = 1e+06 is above the most a pack may ask for (60)"),
            ("memory_mb = 100 * 1024", "RPT_MAX_HOOK_LIMITS=memory_mb=102400"),
            ("seconds = '5'", "'limits.seconds' must be a finite number above 0, found a string"),
        ]
        for (limits, message) in cases {
            let pack = try PackFixture(task: PackFixture.task("limits = { \(limits) },"))
            let problems = pack.loadProblems().map(\.message)
            #expect(problems.contains { $0.contains(message) }, "\(limits): \(problems)")
        }
        let pack = try PackFixture(task: PackFixture.task("limits = { seconds = 100, memory_mb = 2048 },"))
        #expect(!pack.loadProblems().isEmpty)
        let raised = try PackRuntime(directory: pack.dir, ceiling: LimitCeiling.parse("seconds=120, memory_mb=2048"))
        #expect(raised.spec.limits == LuaLimits(instructions: 10_000_000, memoryBytes: 2048 << 20, seconds: 100))
        let lowered = try PackRuntime(directory: try PackFixture(task: PackFixture.task()).dir, ceiling: LimitCeiling.parse("seconds=0.5"))
        #expect(lowered.spec.limits.seconds == 0.5)
    }

    @Test func theCeilingComesFromTheUserOnly() throws {
        #expect(try LimitCeiling.environment([:]) == .default)
        #expect(try LimitCeiling.environment(["RPT_MAX_HOOK_LIMITS": "instructions=2e9,memory_mb=2048,seconds=120"])
            == LimitCeiling(instructions: 2e9, memoryMB: 2048, seconds: 120))
        for bad in ["instructions=lots", "second=10", "seconds=inf", "memory_mb=-1", "instructions=1e300"] {
            #expect(throws: PackError.self, "\(bad)") { try LimitCeiling.parse(bad) }
        }
        let misspelt = #expect(throws: PackError.self) { try LimitCeiling.parse("second=10") }
        #expect(misspelt?.message == "unknown limit 'second' (did you mean 'seconds'?)")
    }

    @Test func filesOutsideThePackAreRefused() throws {
        let outside = Scratch.url("secret").appendingPathExtension("jsonl")
        try #"{"id": "s", "text": "TOP SECRET", "label": "x"}"#.write(to: outside, atomically: true, encoding: .utf8)
        let fm = FileManager.default
        for target in [outside.path, "/dev/zero"] {
            let pack = try PackFixture(task: PackFixture.task())
            try fm.createDirectory(at: pack.dir.appendingPathComponent("data"), withIntermediateDirectories: true)
            try fm.createSymbolicLink(atPath: pack.dir.appendingPathComponent("data/all.jsonl").path, withDestinationPath: target)
            let check = PackCheck.run(directory: pack.dir)
            let text = check.render(pack: "p")
            #expect(!text.contains("TOP SECRET"))
            #expect(check.problems.map(\.description) == ["data/all.jsonl: " + PackFiles.Refusal.outside.message], "\(text)")
        }
        // require, tests/*.lua and task.lua itself follow the same rule.
        let pack = try PackFixture(task: "local u = require 'lib.util'\n" + PackFixture.task(), files: ["data/all.jsonl": PackFixture.rows(20)])
        try fm.createDirectory(at: pack.dir.appendingPathComponent("lib"), withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: pack.dir.appendingPathComponent("lib/util.lua").path, withDestinationPath: outside.path)
        #expect(pack.loadProblems().map(\.message).contains { $0.contains("module 'lib.util': lib/util.lua leads outside the pack") })
        try fm.removeItem(at: pack.dir.appendingPathComponent("lib/util.lua"))
        try pack.write("lib/util.lua", "return {}")
        try fm.createDirectory(at: pack.dir.appendingPathComponent("tests"), withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: pack.dir.appendingPathComponent("tests/cases.lua").path, withDestinationPath: outside.path)
        #expect(PackCheck.run(directory: pack.dir).problems.map(\.description).contains("tests/cases.lua: " + PackFiles.Refusal.outside.message))
        try fm.removeItem(at: pack.dir.appendingPathComponent("task.lua"))
        try fm.createSymbolicLink(atPath: pack.dir.appendingPathComponent("task.lua").path, withDestinationPath: outside.path)
        #expect(pack.loadProblems().first?.message.contains("task.lua leads outside the pack") == true)
    }

    @Test func packFilesHaveASizeBound() throws {
        let pack = try PackFixture(task: "", files: ["big.jsonl": String(repeating: "x", count: 2048)])
        #expect(throws: PackFiles.Refusal.tooBig(2048, limit: 1024)) { try PackFiles.resolve("big.jsonl", in: pack.dir, maxBytes: 1024) }
        try FileManager.default.createDirectory(at: pack.dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
        #expect(throws: PackFiles.Refusal.notRegular) { try PackFiles.resolve("sub", in: pack.dir, maxBytes: 1024) }
        #expect(mkfifo(pack.dir.appendingPathComponent("pipe.jsonl").path, 0o600) == 0)
        #expect(throws: PackFiles.Refusal.notRegular) { try PackFiles.resolve("pipe.jsonl", in: pack.dir, maxBytes: 1024) }
        #expect(throws: PackFiles.Refusal.outside) { try PackFiles.resolve(".", in: pack.dir, maxBytes: 1024) }
        #expect(try PackFiles.resolve("big.jsonl", in: pack.dir, maxBytes: 4096).hasSuffix("/big.jsonl"))
    }

    @Test func hooksCannotChangeTheLibraryOrTheExampleForLaterCalls() throws {
        let task = PackFixture.task(replacing: [
            "extract": """
            extract = function(reply, ex)
              pcall(function() local _, t = pairs(require("rpt").text); t.trim = function() return "x" end end)
              pcall(rawset, require("rpt").text, "trim", function() return "x" end)
              ex.label = reply
              return reply
            end,
            """,
            "render": #"render = function(ex) return require("rpt").text.trim("  " .. ex.text .. " ") end,"#,
        ])
        let rt = try PackFixture(task: task).load()
        for _ in 0..<3 {
            #expect(try rt.evaluate(reply: "wrong", example: example("right")).score == 0)
        }
        #expect(try rt.render(example("right")) == "right")

        // The copy is deep, and an empty JSON array stays an array.
        let nested = PackFixture.task(replacing: [
            "extract": "extract = function(reply, ex) ex.meta.tags[1] = reply; ex.meta.none[1] = 1; return reply end,",
            "score": #"score = function(answer, ex) return require("rpt").json.encode(ex.meta) == '{"none":[],"tags":["a"]}' end,"#])
        let deep = try PackFixture(task: nested).load()
        let ex = Example(id: "n", fields: ["meta": ["tags": ["a"], "none": []]], source: "data/all.jsonl:1")
        #expect(try deep.evaluate(reply: "b", example: ex).score == 1)
    }

    @Test func memoryOfKilledHooksDoesNotCreep() throws {
        let task = PackFixture.task("limits = { memory_mb = 16, instructions = 1e9, seconds = 60 },", replacing: [
            "extract": "extract = function() local t = {} for i = 1, 1e9 do t[i] = { i } end end,"])
        let rt = try PackFixture(task: task).load()
        for i in 0..<20 {
            let e = hookError { _ = try rt.evaluate(reply: "x", example: example("x", id: "e\(i)")) }
            #expect(e?.cause == .lua(.memoryLimit))
            #expect(rt.engine.memoryUsed <= rt.engine.totalCap(rt.spec.limits), "after \(i + 1) calls: \(rt.engine.memoryUsed >> 20) MB")
        }
    }

    @Test func hookErrorsSayWhichHookWhereAndWhy() throws {
        let task = PackFixture.task("limits = { seconds = 60 },", replacing: [
            "extract": """
            extract = function(reply)
              if reply == "loop" then while true do end end
              if reply == "error" then error("boom") end
              if reply == "function" then return print end
              return reply
            end,
            """,
            "score": "score = function(answer) if answer == 'nan' then return 0/0 end return 1 end,"])
        let rt = try PackFixture(task: task).load()
        let cases: [(String, HookError.Cause, String?)] = [
            ("loop", .lua(.instructionLimit), "task.lua:8"), ("error", .lua(.runtime), "task.lua:9"),
            ("function", .lua(.conversion), nil), ("nan", .badResult, "task.lua:13"),
        ]
        for (reply, cause, location) in cases {
            let e = try #require(hookError { _ = try rt.evaluate(reply: reply, example: example("x", id: "id-\(reply)")) })
            #expect(e.cause == cause, "\(reply): \(e)")
            #expect(e.hitLimit == (cause == .lua(.instructionLimit)))
            #expect(e.exampleID == "id-\(reply)")
            #expect(e.hook == (reply == "nan" ? "score" : "extract"))
            if let location { #expect(e.location == location, "\(reply): \(e)") }
        }
        let loop1 = hookError { _ = try rt.evaluate(reply: "loop", example: example("x", id: "a")) }
        let loop2 = hookError { _ = try rt.evaluate(reply: "loop", example: example("x", id: "b")) }
        let boom = hookError { _ = try rt.evaluate(reply: "error", example: example("x", id: "c")) }
        #expect(loop1.map { loop2?.isAlike($0) == true } == true)
        #expect(loop1.map { boom?.isAlike($0) == true } == false)
    }

    @Test func aLoopingExtractOverBanking77StopsAfterAFewExamples() throws {
        let dir = Scratch.url("banking77")
        try FileManager.default.copyItem(at: repoRoot.appendingPathComponent("tasks/banking77"), to: dir)
        let taskFile = dir.appendingPathComponent("task.lua")
        let task = try String(contentsOf: taskFile, encoding: .utf8)
        #expect(task.contains("  extract = function(reply)\n"))
        // A far-out time limit: the instruction limit must be the one that fires, however busy the machine.
        try task.replacingOccurrences(of: "  extract = function(reply)\n", with: "  extract = function(reply)\n    while true do end\n")
            .replacingOccurrences(of: "\nreturn {\n", with: "\nreturn {\n  limits = { seconds = 60 },\n")
            .write(to: taskFile, atomically: true, encoding: .utf8)
        var reports: [String: Int] = [:]
        let check = PackCheck.run(directory: dir) { step, done, _ in reports[step] = done }
        let gold = try #require(check.steps.first { $0.step == "gold" })
        #expect(gold.status == "FAIL")
        #expect(gold.detail == "stopped after 5 of 11003 examples: extract hit the instruction limit on 5 in a row")
        #expect(reports["gold"] == 5)                      // examples attempted
        #expect(reports["render"] == 11003)
        let summary = check.problems.filter { $0.message.contains("stopped after 5 of 11003") }
        #expect(summary.count == 1)
        #expect(check.problems.filter { $0.message.contains("extract failed on example") }.count == 1)
    }

    @Test func progressIsARedrawnLineOnATerminalAndPlainLinesOtherwise() {
        var clock = 0.0
        var tty: [String] = [], plain: [String] = []
        let onTTY = StatusLine(isTerminal: true, now: { clock }, write: { tty.append($0) })
        let inLog = StatusLine(isTerminal: false, now: { clock }, write: { plain.append($0) })
        for i in 1...200 {
            clock = Double(i - 1) / 10
            onTTY.report("gold", i, 200)
            inLog.report("gold", i, 200)
        }
        onTTY.finish()
        inLog.finish()
        #expect(tty.allSatisfy { $0.hasPrefix("\r\u{1B}[K") })
        #expect(tty.count > 100 && tty.last == "\r\u{1B}[K")
        #expect(tty.dropLast().last == "\r\u{1B}[Krpt check: gold 200/200 examples")
        #expect(plain.count == 3)                          // at 5 s, 10 s and 15 s
        #expect(plain.first == "rpt check: gold 51/200 examples\n")
    }
}
