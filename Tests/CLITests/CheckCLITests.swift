import Foundation
import Testing
import TestSupport

/// `rpt check --all`: every problem, not the first 20.
@Suite struct CheckCLITests {
    @Test func allListsEveryProblem() async throws {
        let dir = Scratch.url("cli-all")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        try #"""
            return { api = 1, name = "many", data = "data/all.jsonl", prompt = { instruction = "Say it." },
              render = function(ex) return ex.text end, extract = function(r) return r end,
              score = function(a, ex) return a == ex.text end, gold = function(ex) return ex.text .. "!" end }
            """#.write(to: dir.appendingPathComponent("task.lua"), atomically: true, encoding: .utf8)
        try (0..<30).map { #"{"id": "r\#($0)", "text": "t\#($0)"}"# }.joined(separator: "\n")
            .write(to: dir.appendingPathComponent("data/all.jsonl"), atomically: true, encoding: .utf8)
        let short = try await CLI.run("check", dir.path)
        #expect(short.status == 1)
        #expect(short.out.contains("... and 10 more (rpt check --all \(dir.path) lists them all)"))
        let all = try await CLI.run("check", "--all", dir.path)
        #expect(all.status == 1)
        #expect(all.out.components(separatedBy: "gold reply scored 0").count - 1 == 30)
        #expect(!all.out.contains("more (rpt check --all"))
    }
}
