import Foundation
import Testing
import LuaHost
import MockModels
import TestSupport

/// Issue 13: a pack's named metrics reach rpt eval's table, summary.json and results.jsonl.
@Suite struct MetricsCLITests {
    @Test func evalReportsEachMetricsMeanInSummaryJSON() async throws {
        // Every message is triaged as a card that has not arrived: right for a few, wrong in one
        // or several fields for the others.
        let server = try MockServer { _ in .chat(#"{"intent": "card_arrival", "category": "card", "urgency": "normal", "needs_human": false}"#) }
        defer { server.stop() }
        let out = Scratch.path("metrics-eval")
        let r = try await CLI.run(["eval", "tasks/support-triage", "--target", "openai:m", "--base-url", server.baseURL, "--limit", "30",
                                   "--no-cache", "--out", out], environment: ["OPENAI_API_KEY": "k"])
        #expect(r.status == 0, "\(r.err)")
        let summary = try JSON.decode(try String(contentsOfFile: out + "/summary.json", encoding: .utf8))
        let means = try #require(summary["metrics"]?.object?.mapValues { $0.number ?? -1 })
        #expect(means.keys.sorted() == ["category", "intent", "needs_human", "urgency"])
        // The score is the metrics' (equally weighted) mean, and each mean is results.jsonl's.
        let score = try #require(summary["score"]?.number)
        #expect(abs(score - means.values.reduce(0, +) / 4) < 1e-9)
        let rows = try String(contentsOfFile: out + "/results.jsonl", encoding: .utf8).split(separator: "\n").map { try JSON.decode(String($0)) }
        #expect(rows.count == 30)
        for name in means.keys {
            let mean = rows.map { $0["metrics"]?[name]?.number ?? -1 }.reduce(0, +) / 30
            #expect(abs(mean - means[name]!) < 1e-9, "\(name)")
        }
        #expect(means["intent"]! < 1 && means["needs_human"]! > 0 && means["needs_human"]! < 1)
        // Examples wrong in several fields list each mode, and every one is counted.
        let several = rows.filter { ($0["modes"]?.array?.count ?? 0) > 1 }
        #expect(!several.isEmpty)
        let counted = rows.reduce(0) { $0 + ($1["modes"]?.array?.count ?? ($1["failure"] == nil ? 0 : 1)) }
        let failures = summary["failures"]?.object?.values.compactMap(\.number).reduce(0, +) ?? 0
        #expect(Int(failures) == counted)
        #expect(r.out.contains("  metrics        category "), "\(r.out)")
        // The eval folder's report.html lists them too.
        let report = try await CLI.run(["report", out], environment: [:])
        #expect(report.status == 0, "\(report.err)")
        let html = try String(contentsOfFile: out + "/report.html", encoding: .utf8)
        #expect(html.contains("metric needs_human"), "\(html.prefix(2000))")
    }
    @Test func aTuningRunReportsEachMetricOnTest() async throws {
        // The optimizer stops at once; the target triages everything as a card that has not arrived.
        let server = try MockServer { req in
            if req.json?["tools"] != nil { return .chat(nil, toolCalls: [("stop", .string(#"{"reason": "done"}"#))]) }
            return .chat(#"{"intent": "card_arrival", "category": "card", "urgency": "normal", "needs_human": false}"#)
        }
        defer { server.stop() }
        let folder = Scratch.path("metrics-tune")
        let r = try await CLI.run(["tune", "tasks/support-triage", "--target", "openai:m", "--base-url", server.baseURL, "--train-sample", "8",
                                   "--dev-limit", "16", "--test-limit", "24", "--rounds", "1", "--run", folder], environment: ["OPENAI_API_KEY": "k"])
        #expect(r.status == 0, "\(r.err)")
        let final = try JSON.decode(try String(contentsOfFile: folder + "/final.json", encoding: .utf8))
        let means = try #require(final["initial_metrics"]?.object?.mapValues { $0.number ?? -1 })
        #expect(means.keys.sorted() == ["category", "intent", "needs_human", "urgency"])
        #expect(abs((final["initial_score"]?.number ?? -1) - means.values.reduce(0, +) / 4) < 1e-9)
        #expect(final["best_metrics"] == final["initial_metrics"])
        #expect(r.out.contains("  test urgency   "), "\(r.out)")
        #expect(r.out.contains("  test needs_human 0."), "a long name is kept whole, apart from its numbers: \(r.out)")
        let html = try String(contentsOfFile: folder + "/report.html", encoding: .utf8)
        #expect(html.contains("test metric needs_human"))
    }
}
