import Foundation
import Testing
import LuaHost
import MockModels
import TestSupport
import Tuning

/// `rpt compare` as a user runs it against the loopback server: the numbers printed, in
/// summary.json and in compare.html are the ones its results files give.
@Suite(.serialized) struct CompareCLITests {
    static func rows(_ path: String) throws -> [LuaValue] {
        // Lines come in as replies arrive; the example's index puts them back in sample order.
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map { try JSON.decode(String($0)) }
            .sorted { ($0["index"]?.number ?? 0) < ($1["index"]?.number ?? 0) }
    }

    static func f3(_ x: Double) -> String { String(format: "%.3f", x) }
    static func s3(_ x: Double) -> String { String(format: "%+.3f", x) }

    @Test func aPromptAgainstThePacksOwnWithIntervalsAndPairedDifference() async throws {
        let world = ScriptedWorld(labels: try ScriptedWorld.banking77Labels()) { _, _ in [] }
        let server = try MockServer { world.reply($0) }
        defer { server.stop() }
        // A run folder stands for its best prompt: one with the prompt that helps, and a hostile name for the page.
        let run = Scratch.path("compare-run-<b>")
        try FileManager.default.createDirectory(atPath: run, withIntermediateDirectories: true)
        try "## System\nYou route banking messages.\n\n## Section guidance\n\(ScriptedWorld.magic)\n"
            .write(toFile: run + "/best_prompt.md", atomically: true, encoding: .utf8)
        let folder = Scratch.path("compare-out")
        let r = try await CLI.run(["compare", "tasks/banking77", run, "--target", "openai:t", "--base-url", server.baseURL,
                                   "--limit", "60", "--out", folder], environment: ["OPENAI_API_KEY": "k"])
        #expect(r.status == 0, "\(r.err)")
        let first = try Self.rows(folder + "/01-results.jsonl"), second = try Self.rows(folder + "/02-results.jsonl")
        #expect(first.count == 60 && second.count == 60)
        #expect(first.map { $0["id"] } == second.map { $0["id"] })
        let a = first.compactMap { $0["score"]?.number }, b = second.compactMap { $0["score"]?.number }
        let (ca, cb) = (Selection.bootstrap(a, seed: 1), Selection.bootstrap(b, seed: 1))
        let diffs = zip(a, b).map { $1 - $0 }
        let d = Selection.bootstrap(diffs, seed: 1)
        #expect(d.mean > 0.1)
        // The terminal table.
        #expect(r.out.contains("#1  the pack's prompt · openai:t"))
        #expect(r.out.contains("#2  \(run) · openai:t"))
        #expect(r.out.contains("\(Self.f3(ca.mean))  [\(Self.f3(ca.lower)), \(Self.f3(ca.upper))]"))
        #expect(r.out.contains("\(Self.f3(cb.mean))  [\(Self.f3(cb.lower)), \(Self.f3(cb.upper))]  \(Self.s3(d.mean)) [\(Self.s3(d.lower)), \(Self.s3(d.upper))]"))
        #expect(r.out.hasSuffix("report: \(folder)/compare.html\n"), "\(r.out)")
        // summary.json.
        let summary = try JSON.decode(try String(contentsOfFile: folder + "/summary.json", encoding: .utf8))
        let c2 = try #require(summary["contenders"]?.array?.last)
        #expect(c2["difference"]?["paired"] == .int(60))
        #expect(c2["difference"]?["ci95"] == [.double(d.lower), .double(d.upper)])
        // The page: the same numbers, its failure counts, nothing unescaped, charts with marks.
        let html = try String(contentsOfFile: folder + "/compare.html", encoding: .utf8)
        #expect(html.contains("<td class=\"n\">\(Self.f3(cb.mean))</td><td class=\"n\">[\(Self.f3(cb.lower)), \(Self.f3(cb.upper))]</td>"
                              + "<td class=\"n\">\(Self.s3(d.mean)) [\(Self.s3(d.lower)), \(Self.s3(d.upper))] over 60</td>"))
        #expect(html.contains("compare-run-&lt;b&gt;") && !html.contains("compare-run-<b>"))
        ReportCLITests.expectSelfContained(html)
        ReportCLITests.expectChartsHaveMarks(html)
        let failures = Dictionary(grouping: first.compactMap { $0["failure"]?.string }, by: { $0 }).mapValues(\.count)
        let failures2 = Dictionary(grouping: second.compactMap { $0["failure"]?.string }, by: { $0 }).mapValues(\.count)
        for (mode, n) in failures { #expect(html.contains("<tr><td>\(mode)</td><td class=\"n\">\(n)</td><td class=\"n\">\(failures2[mode] ?? 0)</td></tr>")) }
    }

    @Test func twoModelsOnePromptAndNothingToCompareIsRefused() async throws {
        let world = ScriptedWorld(labels: try ScriptedWorld.banking77Labels()) { _, _ in [] }
        let server = try MockServer { world.reply($0) }
        defer { server.stop() }
        let folder = Scratch.path("compare-models")
        let r = try await CLI.run(["compare", "tasks/banking77", "--target", "openai:a", "--target", "openai:b", "--base-url", server.baseURL,
                                   "--limit", "20", "--out", folder, "--json"], environment: ["OPENAI_API_KEY": "k"])
        #expect(r.status == 0, "\(r.err)")
        let out = try JSON.decode(r.out)
        #expect(out["contenders"]?.array?.map { $0["model"] } == [.string("openai:a"), .string("openai:b")])
        #expect(out["contenders"]?.array?.allSatisfy { $0["ci95"]?.array?.count == 2 } == true)
        let one = try await CLI.run(["compare", "tasks/banking77", "--target", "openai:a"], environment: ["OPENAI_API_KEY": "k"])
        #expect(one.status != 0)
        #expect(one.err.contains("give two things to compare"))
        let missing = try await CLI.run(["compare", "tasks/banking77", Scratch.path("nope"), "--target", "openai:a"], environment: ["OPENAI_API_KEY": "k"])
        #expect(missing.status != 0)
        #expect(missing.err.contains("no such prompt file or run folder"))
    }
}
