import Foundation
import Testing
import TestSupport
@testable import TaskPack

/// A pack's `print` and `rpt.log.*` lines reach the hook log, named by hook and example; the log
/// file is capped whatever the pack prints.
@Suite struct HookLogTests {
    func temp() -> String {
        Scratch.url("hooklog").appendingPathComponent("hooks.log").path
    }

    static let logging = PackFixture.task("""
        failures = { wrong = "not the label" },
        classify = function(answer, ex) rpt.log.warn("classify %s as %s", answer, "wrong") return "wrong" end,
        """, replacing: [
            "render": #"render = function(ex) print("render", ex.id, 42) return ex.text end,"#,
            "extract": #"extract = function(reply) rpt.log.debug("reply has %d bytes", #reply) if reply == "" then return nil, "empty" end return reply end,"#,
        ])

    @Test func printAndRptLogReachTheLogWithTheirHookAndExample() throws {
        let pack = try PackFixture(task: "local rpt = require 'rpt'\nprint('loading')\n" + Self.logging, files: ["data/all.jsonl": PackFixture.rows(3)])
        let log = HookLog(keep: true)
        let runtime = try PackRuntime(directory: pack.dir, log: log)
        let ex = Example(id: "ex-7", fields: ["id": "ex-7", "text": "t7", "label": "t7"], source: "data/all.jsonl:8")
        _ = try runtime.render(ex)
        let outcome = try runtime.evaluate(reply: "other", example: ex)
        #expect(outcome.failure == "wrong")
        #expect(log.drain().map(\.text) == [
            "[load task.lua] info: loading",
            "[render ex-7] info: render\tex-7\t42",
            "[extract ex-7] debug: reply has 5 bytes",
            "[classify ex-7] warn: classify other as wrong",
        ])
    }

    @Test func evaluateReportsEachHookAsItReturns() throws {
        let pack = try PackFixture(task: "local rpt = require 'rpt'\n" + Self.logging, files: ["data/all.jsonl": PackFixture.rows(3)])
        let runtime = try pack.load()
        let ex = Example(id: "ex-1", fields: ["id": "ex-1", "text": "t1", "label": "t1"], source: "x:2")
        var steps: [HookStep] = []
        _ = try runtime.evaluate(reply: "t2", example: ex) { steps.append($0) }
        #expect(steps == [.extracted(answer: "t2", confidence: nil, reason: nil), .scored(0), .classified(mode: "wrong", detail: nil)])
        steps = []
        _ = try runtime.evaluate(reply: "", example: ex) { steps.append($0) }
        #expect(steps == [.extracted(answer: nil, confidence: nil, reason: "empty")])
    }

    @Test func aFileAttachedLaterGetsTheLinesLoggedBeforeIt() throws {
        let log = HookLog()
        log.write(hook: "load", example: "task.lua", level: "info", message: "early")
        let path = temp()
        try log.attach(path: path)
        log.write(hook: "score", example: "a b", level: "warn", message: "two\nlines\n")
        #expect(try String(contentsOfFile: path, encoding: .utf8)
                == "[load task.lua] info: early\n[score a b] warn: two\n[score a b] warn: lines\n")
        #expect(log.footnote == "the pack's hooks logged 3 lines to \(path); -v shows them as they come")
    }

    @Test func controlCharactersAreEscapedAndLongMessagesCut() {
        let log = HookLog(keep: true)
        log.write(hook: "extract", example: "e\u{1B}1", level: "info", message: "\u{1B}[2Jred\u{07}\ttab")
        log.write(hook: "extract", example: "e1", level: "info", message: String(repeating: "é", count: HookLog.maxMessageBytes))
        let lines = log.drain()
        #expect(lines[0].text == "[extract e\\u{1b}1] info: \\u{1b}[2Jred\\u{7}\ttab")
        #expect(lines[1].message.hasSuffix("é ... (\(HookLog.maxMessageBytes) more bytes)"))
        #expect(lines[1].message.utf8.count < HookLog.maxMessageBytes + 40)
    }

    @Test func theFileIsCappedAndSaysOnceThatItWasTruncated() throws {
        let log = HookLog(maxBytes: 10_000)
        let path = temp()
        try log.attach(path: path)
        for i in 0..<5_000 { log.write(hook: "extract", example: "ex-\(i)", level: "info", message: String(repeating: "x", count: 50)) }
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.utf8.count <= 10_000 + 200)
        #expect(text.components(separatedBy: "hook log truncated").count == 2)
        #expect(text.hasSuffix("rpt: hook log truncated: the pack logged more than 9 KB; later lines are dropped\n"))
        let (lines, dropped, _) = log.counts
        #expect(lines + dropped == 5_000)
        // A resumed run appends, and what the file holds counts against the cap.
        let again = HookLog(maxBytes: 10_000)
        try again.attach(path: path, append: true)
        again.write(hook: "render", example: "ex-1", level: "info", message: "more")
        #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix(text))
        #expect(again.counts.lines == 0 && again.counts.dropped == 1)
    }

    @Test func aHookPrintingForeverFillsTheCapAndStops() throws {
        // The instruction limit ends the loop: 2 s on a loaded machine could end it before the cap.
        let pack = try PackFixture(task: PackFixture.task("limits = { seconds = 60 },", replacing: [
            "extract": #"extract = function(reply) while true do print(string.rep("x", 200)) end end,"#,
        ]), files: ["data/all.jsonl": PackFixture.rows(1)])
        let log = HookLog(maxBytes: 1 << 20)
        let path = temp()
        try log.attach(path: path)
        let runtime = try PackRuntime(directory: pack.dir, log: log)
        let ex = Example(id: "ex-0", fields: ["id": "ex-0", "text": "t0", "label": "t0"], source: "x:1")
        #expect(throws: HookError.self) { try runtime.evaluate(reply: "r", example: ex) }
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as! Int
        #expect(size <= (1 << 20) + 200)
        #expect(log.counts.dropped > 0)
    }
}
