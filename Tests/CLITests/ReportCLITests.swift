import Foundation
import Testing
import LuaHost
import MockModels
import TestSupport
import Tuning

/// `report.html` as a user gets it: written at the end of `rpt tune` and by `rpt report`, with
/// the numbers of the folder it was made from, and nothing from the run unescaped.
@Suite(.serialized) struct ReportCLITests {
    static let hostile = #"<script>alert("x")</script> & <img src=x onerror=alert(1)>"#

    /// Round 1: a good edit and a weaker one; round 2: an edit whose text is hostile HTML.
    static func script() -> @Sendable (Int, Int) -> [ScriptedWorld.Step] {
        { round, step in
            switch (round, step) {
            case (1, 0): return [TuneCLITests.edit("edit_section", ScriptedWorld.magic)]
            case (1, 1): return [TuneCLITests.edit("edit_section", "Answer with care.")]
            case (2, 0): return [TuneCLITests.edit("edit_section", ScriptedWorld.magic + " " + hostile)]
            default: return [("stop", ["reason": "done"])]
            }
        }
    }

    static func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }
    static func json(_ path: String) throws -> LuaValue { try JSON.decode(try read(path)) }
    static func f3(_ x: Double?) -> String { x.map { String(format: "%.3f", $0) } ?? "–" }

    /// The page loads nothing and runs nothing: no script, no external reference of any kind.
    static func expectSelfContained(_ html: String) {
        // Escaped run text may say "src=" (as &lt;img src=...); a tag may not.
        #expect(html.firstMatch(of: #/<[a-zA-Z][^>]*\s(src|href|xlink:href|srcset|action)\s*=/#) == nil)
        for banned in ["<script", "<link", "<img", "<iframe", "<object", "url(", "@import"] { #expect(!html.contains(banned), "\(banned)") }
    }

    /// Every chart has marks.
    static func expectChartsHaveMarks(_ html: String) {
        let charts = html.components(separatedBy: "<svg").dropFirst()
        #expect(!charts.isEmpty)
        for c in charts { #expect(c.components(separatedBy: "</svg>")[0].contains("class=\"mark\"")) }
    }

    @Test func tuneWritesTheReportWithTheFoldersNumbers() async throws {
        let world = ScriptedWorld(labels: try ScriptedWorld.banking77Labels(), script: Self.script())
        let server = try MockServer { world.reply($0) }
        defer { server.stop() }
        let folder = Scratch.path("report-run")
        let r = try await CLI.run(TuneCLITests().tuneArgs(server, folder), environment: ["OPENAI_API_KEY": "k"])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out.contains("report: \(folder)/report.html\n"))
        let html = try Self.read(folder + "/report.html")
        // make report-check renders this run's report in headless Chromium.
        if let keep = ProcessInfo.processInfo.environment["RPT_REPORT_KEEP"] { try html.write(toFile: keep, atomically: true, encoding: .utf8) }
        Self.expectSelfContained(html)
        Self.expectChartsHaveMarks(html)

        // Test scores, gain and its interval: final.json's.
        let final = try Self.json(folder + "/final.json")
        let ci = final["gain_ci95"]?.array?.compactMap(\.number) ?? []
        #expect(html.contains("<td class=\"n\">\(Self.f3(final["initial_score"]?.number))</td><td class=\"n\">\(Self.f3(final["best_score"]?.number))</td>"))
        #expect(html.contains(String(format: "95%% CI [%+.3f, %+.3f] over %d paired examples", ci[0], ci[1], Int(final["paired_examples"]?.number ?? 0))))
        for key in ["brier", "ece"] {
            #expect(html.contains("<td class=\"n\">\(Self.f3(final["initial_calibration"]?[key]?.number))</td><td class=\"n\">\(Self.f3(final["best_calibration"]?[key]?.number))</td>"))
        }

        // Every scored candidate with its dev score and verdict, as the event log has them.
        let events = try Self.read(folder + "/events.jsonl").split(separator: "\n").map { try JSON.decode(String($0)) }
        let scored = events.filter { $0["type"]?.string == "candidate_scored" }
        #expect(scored.count >= 2)
        for e in scored {
            let head = "round \(Int(e["round"]?.number ?? 0)) · candidate \(Int(e["candidate"]?.number ?? 0)) · section <code>guidance</code> · dev \(Self.f3(e["dev_score"]?.number))"
            #expect(html.contains(head + (e["kept"] == .bool(true) ? " · <span class=\"kept\">kept</span>" : " · <span class=\"rejected\">not kept</span>")))
        }

        // The initial prompt's failures on dev, mode by mode, start the modes table.
        let initialDev = try Self.json(folder + "/rounds/00/initial-dev.json")
        // Each cell is the count and the prevalence of the report the optimizer read.
        let prevalence = Dictionary(uniqueKeysWithValues: (initialDev["modes"]?.array ?? []).compactMap { m in
            m["id"]?.string.flatMap { id in m["prevalence"]?.number.map { (id, $0) } }
        })
        for (mode, n) in initialDev["failures"]?.object ?? [:] {
            let p = try #require(prevalence[mode])
            #expect(html.contains("<tr><td>\(mode)</td><td class=\"n\">\(Int(n.number ?? -1)) · \(String(format: "%.2f", p))</td>"))
        }
        // Tokens by role and model: summary.json's.
        for line in try Self.json(folder + "/summary.json")["tokens"]?.array ?? [] {
            let live = ["calls", "input_tokens", "output_tokens"].map { String(Int(line["live"]?[$0]?.number ?? -1)) }
            #expect(html.contains("<td>\(line["role"]!.string!)</td><td>\(line["model"]!.string!)</td>" + live.map { "<td class=\"n\">\($0)</td>" }.joined()))
        }
        try Self.expectTokensPerRound(html, events: events, summary: try Self.json(folder + "/summary.json"))
        // The initial prompt came from the unchanged pack: the diff shows the added guidance.
        #expect(html.contains("<ins>"))
        try Self.expectTestSections(html, folder: folder, final: final)
        // The optimizer's hostile text is shown, escaped, never as markup.
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;"))
    }

    /// The test split's sections against final/*-test.jsonl and final.json: each score's interval,
    /// the reliability diagram from the recorded bins, and the examples that changed.
    static func expectTestSections(_ html: String, folder: String, final: LuaValue) throws {
        func rows(_ file: String) throws -> [LuaValue] {
            try Self.read(folder + "/" + file).split(separator: "\n").map { try JSON.decode(String($0)) }
        }
        let before = try rows(TestRecord.initialFile), after = try rows(TestRecord.bestFile)
        #expect(before.count == Int(final["test_examples"]?.number ?? -1) && after.count == before.count)
        var intervals: [String] = []
        for (rs, key) in [(before, "initial_score"), (after, "best_score")] {
            let scores = rs.compactMap { $0["score"]?.number }
            #expect(abs(scores.reduce(0, +) / Double(scores.count) - (final[key]?.number ?? -1)) < 1e-9)
            let ci = Selection.bootstrap(scores, level: 0.95, seed: 1)
            intervals.append("<td class=\"n\">[\(Self.f3(ci.lower)), \(Self.f3(ci.upper))]</td>")
        }
        #expect(html.contains("<td>test 95% CI</td>" + intervals.joined()))
        // The diagram is drawn from final.json's bins: one point per non-empty bin of each prompt.
        for key in ["initial_calibration", "best_calibration"] {
            let bins = final[key]?["bins"]?.array ?? []
            #expect(bins.count == 10)
            for b in bins where (b["count"]?.number ?? 0) > 0 {
                #expect(html.contains("answers, confidence \(Self.f3(b["confidence"]?.number)), accuracy \(Self.f3(b["accuracy"]?.number))"))
            }
        }
        #expect(html.components(separatedBy: "aria-label=\"reliability diagram\"").count == 2)
        let old = Dictionary(uniqueKeysWithValues: before.map { ($0["id"]!.string!, $0["score"]?.number) })
        let changed = after.filter { old[$0["id"]!.string!] != $0["score"]?.number }
        let fixed = changed.filter { ($0["score"]?.number ?? 0) > (old[$0["id"]!.string!]! ?? 0) }
        #expect(!changed.isEmpty)
        #expect(html.contains("<p>\(changed.count) of \(after.count) test examples changed: \(fixed.count) better with the best prompt, \(changed.count - fixed.count) worse"))
        for r in changed { #expect(html.contains("<details><summary>\(r["id"]!.string!) · ")) }
    }

    /// Each round's row is the difference of the logged totals so far, and the rows add up to summary.json's totals.
    static func expectTokensPerRound(_ html: String, events: [LuaValue], summary: LuaValue) throws {
        let marks = events.filter { $0["type"]?.string == "round_tokens" }
        #expect(marks.map { Int($0["round"]?.number ?? -1) } == Array(0..<marks.count))
        let roles = (marks.last?["tokens_so_far"]?.object ?? [:]).keys.sorted()
        #expect(roles == ["optimizer", "target"])
        func n(_ e: LuaValue?, _ role: String, _ key: String) -> Int { Int(e?["tokens_so_far"]?[role]?[key]?.number ?? 0) }
        var sums: [String: Int] = [:]
        func cells(_ m: LuaValue, since prev: LuaValue?) -> String {
            roles.map { role in
                let (c, a, b) = (n(m, role, "calls") - n(prev, role, "calls"), n(m, role, "input_tokens") - n(prev, role, "input_tokens"),
                                 n(m, role, "output_tokens") - n(prev, role, "output_tokens"))
                sums[role, default: 0] += a + b
                return "<td class=\"n\">\(c) calls · \(a) in · \(b) out</td>"
            }.joined()
        }
        for (i, m) in marks.enumerated() {
            #expect(html.contains("<tr><td>\(i == 0 ? "initial prompt" : "round \(i)")</td>" + cells(m, since: i > 0 ? marks[i - 1] : nil)))
        }
        // The ablation's row, when it ran, from its own totals so far (ablation_finished).
        let ablation = events.first { $0["type"]?.string == "ablation_finished" }
        if let ablation { #expect(html.contains("<tr><td>ablation</td>" + cells(ablation, since: marks.last))) }
        // The final test row holds the rest of summary.json's totals (live and cached together).
        let lines = Dictionary(uniqueKeysWithValues: (summary["tokens"]?.array ?? []).map { ($0["role"]!.string!, $0) })
        let rest = roles.map { role in
            let k = ["calls", "input_tokens", "output_tokens"].map { key in
                ["live", "cached"].map { Int(lines[role]?[$0]?[key]?.number ?? 0) }.reduce(0, +) - n(ablation ?? marks.last, role, key)
            }
            return "<td class=\"n\">\(k[0]) calls · \(k[1]) in · \(k[2]) out</td>"
        }
        #expect(html.contains("<tr><td>final test</td>" + rest.joined()))
        #expect(sums.values.allSatisfy { $0 > 0 })
        #expect(html.contains("aria-label=\"tokens per round\""))
    }

    @Test func reportOfAnEvalFolderHasItsScoreCalibrationAndFailures() async throws {
        let world = ScriptedWorld(labels: try ScriptedWorld.banking77Labels()) { _, _ in [] }
        let server = try MockServer { world.reply($0) }
        defer { server.stop() }
        let folder = Scratch.path("report-eval")
        let e = try await CLI.run(["eval", "tasks/banking77", "--target", "openai:t", "--base-url", server.baseURL, "--limit", "60",
                                   "--out", folder], environment: ["OPENAI_API_KEY": "k"])
        #expect(e.status == 0, "\(e.err)")
        let r = try await CLI.run(["report", folder], environment: [:])
        #expect(r.status == 0, "\(r.err)")
        #expect(r.out == "report: \(folder)/report.html\n")
        let html = try Self.read(folder + "/report.html")
        Self.expectSelfContained(html)
        Self.expectChartsHaveMarks(html)
        let summary = try Self.json(folder + "/summary.json")
        #expect(html.contains("<td class=\"n\">\(Self.f3(summary["score"]?.number)) (95% CI "))
        let cal = try #require(summary["calibration"])
        #expect(html.contains("<td>Brier</td><td class=\"n\">\(Self.f3(cal["brier"]?.number))</td>"))
        #expect(html.contains("<td>ECE, 10 bins</td><td class=\"n\">\(Self.f3(cal["ece"]?.number))</td>"))
        #expect(html.contains("<td>AUROC</td><td class=\"n\">\(Self.f3(cal["auroc"]?.number))</td>"))
        #expect(html.contains("aria-label=\"reliability diagram\""))
        for (mode, n) in summary["failures"]?.object ?? [:] {
            #expect(html.contains("<tr><td>\(mode)</td><td class=\"n\">\(Int(n.number ?? -1))</td>"))
            #expect(html.contains("<h3>\(mode) (\(Int(n.number ?? -1)))</h3>"))
        }
    }

    @Test func aFolderThatIsNeitherIsRefused() async throws {
        let folder = Scratch.path("report-empty")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let r = try await CLI.run(["report", folder], environment: [:])
        #expect(r.status != 0)
        #expect(r.err.contains("not a tuning run folder"))
    }
}
