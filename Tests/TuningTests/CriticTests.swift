import Foundation
import Testing
import LuaHost
import ModelClient
import TaskPack
import TestSupport
@testable import Tuning

@Suite struct CriticTests {
    @Test func criticLabelsGenericFailuresIntoNamedModes() async throws {
        // A pack without classify: every wrong answer is the generic "wrong".
        let dir = Scratch.url("critic")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        try """
            return { api = 1, name = "mini", description = "Say the label", data = "data/all.jsonl",
              prompt = { system = "", instruction = "Say the label." },
              render = function(ex) return ex.text end,
              extract = function(reply) return reply end,
              score = function(answer, ex) return answer == ex.label end,
              gold = function(ex) return ex.label end }
            """.write(to: dir.appendingPathComponent("task.lua"), atomically: true, encoding: .utf8)
        let rows = (0..<12).map { #"{"id": "e\#($0)", "text": "item \#($0)", "label": "L\#($0)"}"# }.joined(separator: "\n")
        try rows.write(to: dir.appendingPathComponent("data/all.jsonl"), atomically: true, encoding: .utf8)
        let runtime = try PackRuntime(directory: dir)
        let examples = try DatasetReader.read(path: dir.appendingPathComponent("data/all.jsonl").path, display: "all.jsonl")

        let critic = Critic(client: ReplyingClient { req in
            let ask = req.messages.last?.content ?? ""
            let n = Int(ask.components(separatedBy: "Input: item ").last?.prefix { $0.isNumber } ?? "0") ?? 0
            let label = n % 3 == 0 ? "Echoed The Input" : (n % 3 == 1 ? "echoed_the_inputs" : "answered in French")
            return #"{"label": "\#(label)", "explanation": "It \#(label.lowercased())."}"#
        })

        var results: [ExampleResult] = []
        for (i, ex) in examples.enumerated() {
            results.append(ExampleResult(index: i, id: ex.id, source: ex.source, reply: "nope",
                                         outcome: try runtime.evaluate(reply: "nope", example: ex), usage: Usage(), cached: false))
        }
        #expect(results.allSatisfy { $0.outcome?.failure == "wrong" })
        let (relabelled, definitions) = try await critic.relabel(results, examples: examples, runtime: runtime)
        let modes = Dictionary(grouping: relabelled.compactMap { $0.outcome?.failure }, by: { $0 }).mapValues(\.count)
        // "echoed_the_inputs" is within two edits of "echoed_the_input": one mode.
        #expect(modes == ["critic:echoed_the_input": 8, "critic:answered_in_french": 4])
        #expect(definitions["critic:answered_in_french"] == "It answered in french.")
        // The first explanation in example order defines a mode, never a Dictionary's per-process
        // order: a resumed run must send the optimizer the same text.
        #expect(definitions["critic:echoed_the_input"] == "It echoed the input.")
        let report = DiagnosticReport.build(label: "t", results: relabelled, examples: examples, runtime: runtime, definitions: definitions)
        #expect(report.shown.first?.id == "critic:echoed_the_input")
        #expect(report.text().contains("### critic:echoed_the_input — 8 failures"))

        // An example with several modes: the generic one is relabelled where it stands, and the
        // named first mode keeps its detail.
        var multi = results
        multi[0].outcome?.failure = "format"
        multi[0].outcome?.detail = "no JSON"
        multi[0].outcome?.moreModes = ["wrong"]
        let (again, _) = try await critic.relabel(multi, examples: examples, runtime: runtime)
        #expect(again[0].outcome?.modes == ["format", "critic:echoed_the_input"])
        #expect(again[0].outcome?.detail == "no JSON")
    }
}
