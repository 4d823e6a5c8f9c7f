import Foundation
import Testing
import LuaHost
import MockServer
import TestSupport

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
        for (mode, n) in initialDev["failures"]?.object ?? [:] {
            #expect(html.contains("<tr><td>\(mode)</td><td class=\"n\">\(Int(n.number ?? -1))</td>"))
        }
        // Tokens by role and model: summary.json's.
        for line in try Self.json(folder + "/summary.json")["tokens"]?.array ?? [] {
            let live = ["calls", "input_tokens", "output_tokens"].map { String(Int(line["live"]?[$0]?.number ?? -1)) }
            #expect(html.contains("<td>\(line["role"]!.string!)</td><td>\(line["model"]!.string!)</td>" + live.map { "<td class=\"n\">\($0)</td>" }.joined()))
        }
        // The initial prompt came from the unchanged pack: the diff shows the added guidance.
        #expect(html.contains("<ins>"))
        #expect(html.contains("does not record per-example test results"))
        // The optimizer's hostile text is shown, escaped, never as markup.
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;"))
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
