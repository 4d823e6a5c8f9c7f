import Foundation
import LuaHost
import ModelClient

/// `report.html` of a tuning run: score by round, failure modes over rounds, calibration, cost,
/// the prompt and the examples, each from what the run folder records (or saying what it lacks).
public enum RunReport {
    public static let fileName = "report.html"

    /// Reads the folder and writes `report.html` into it; returns its path. `initial` is the pack's
    /// starting prompt when the caller has it (the folder itself does not record it).
    @discardableResult
    public static func write(folder: URL, initial: PromptProgram?) throws -> String {
        let record = try RunRecord(folder: folder)
        let path = folder.appendingPathComponent(fileName).path
        try html(record, initial: initial).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The line the end of `rpt tune` prints: the report's path, or why there is none (the run's result stands either way).
    public static func writeAfterTune(folder: String, initial: PromptProgram) -> String {
        do { return "report: " + (try write(folder: URL(fileURLWithPath: folder), initial: initial)) } catch {
            return "report: not written (\(error)); rpt report \(folder) tries again"
        }
    }

    public static func html(_ r: RunRecord, initial: PromptProgram?) -> String {
        let h = ReportHTML.self
        var sub = "target \(r.target) · optimizer \(r.optimizer)"
        if let s = r.stopReason { sub += " · stopped by \(s)" }
        var body = overview(r)
        body += h.section("score", "Score by round", RunReportCharts.scoreByRound(r))
        body += h.section("modes", "Failure modes over rounds", RunReportCharts.modesOverRounds(r))
        body += h.section("safeguards", "Safeguards and transfer", RunReportSafeguards.html(r))
        body += h.section("ablation", "What each edit contributes", RunReportAblation.html(r))
        body += h.section("calibration", "Calibration on test", RunReportTest.calibration(r))
        body += h.section("cost", "Cost and time", cost(r))
        body += h.section("prompt", "The prompt", RunReportPrompts.html(r, initial: initial))
        body += h.section("examples", "Examples that changed on test", RunReportTest.changed(r))
        return h.page(title: "rpt tune \(r.pack)", subtitle: sub, body: body)
    }

    static func overview(_ r: RunRecord) -> String {
        let h = ReportHTML.self
        var rows: [[String]] = []
        // The ablation's pruned prompt is the run's best when it ran.
        let bestDev = r.ablation.devScore ?? r.candidates.filter { $0.kept }.last?.devScore ?? r.baselineDev
        rows.append(["dev score", h.num(r.baselineDev), h.num(bestDev), h.signed(bestDev.flatMap { b in r.baselineDev.map { b - $0 } }), ""])
        if let f = r.final {
            rows.append(["test score", h.num(f.initialScore), h.num(f.bestScore), h.signed(f.gain),
                         "95% CI [\(h.signed(f.lower)), \(h.signed(f.upper))] over \(f.paired) paired examples"])
            for name in f.initialMetrics.keys.sorted() {
                rows.append(["test metric \(h.esc(name))", h.num(f.initialMetrics[name]), h.num(f.bestMetrics[name]),
                             h.signed(f.bestMetrics[name].flatMap { b in f.initialMetrics[name].map { b - $0 } }), "a named metric of the score"])
            }
            let (a, b) = (RunReportTest.interval(f.initialRows), RunReportTest.interval(f.bestRows))
            rows.append(["test 95% CI", RunReportTest.intervalText(a), RunReportTest.intervalText(b), "",
                         a == nil && b == nil ? "per-example test results not recorded" : "bootstrap over the examples of each prompt"])
        } else {
            rows.append(["test score", "–", "–", "–", "not run: final.json is missing (a budget stop, or the run did not finish)"])
        }
        let best = r.bestRound.map { $0 < 0 ? "the best prompt saved before the budget stop" : "round \($0)" } ?? "unknown (no stopped event)"
        return "<section id=\"overview\"><table><thead><tr><th></th><th>initial</th><th>best</th><th>gain</th><th></th></tr></thead><tbody>"
            + rows.map { "<tr><td>\($0[0])</td><td class=\"n\">\($0[1])</td><td class=\"n\">\($0[2])</td><td class=\"n\">\($0[3])</td><td>\(h.esc($0[4]))</td></tr>" }.joined()
            + "</tbody></table><p>Best prompt from \(h.esc(best)); \(r.candidates.count) candidates over \(r.rounds) rounds.</p></section>\n"
    }

    static func cost(_ r: RunRecord) -> String {
        let h = ReportHTML.self
        var out = ""
        if r.tokens.isEmpty {
            out += h.missing("No summary.json: tokens and cost are not recorded (the run did not finish).")
        } else {
            func n(_ v: JSONValue?) -> String { v?.number.map { String(Int($0)) } ?? "–" }
            let rows = r.tokens.map { l -> [String] in
                [h.esc(l["role"]?.string ?? "?"), h.esc(l["model"]?.string ?? "?"),
                 n(l["live"]?["calls"]), n(l["live"]?["input_tokens"]), n(l["live"]?["output_tokens"]),
                 n(l["cached"]?["calls"]), n(l["cached"]?["input_tokens"]), n(l["cached"]?["output_tokens"]),
                 l["cost"]?.number.map { String(format: "$%.4f", $0) } ?? "unknown"]
            }
            out += h.table(["role", "model", "live calls", "live in", "live out", "cached replies", "cached in", "cached out", "cost"], rows, numericFrom: 2)
            out += "<p>Total cost: " + (r.totalCost.map { String(format: "$%.4f", $0) } ?? "unknown (a model without a price in rpt.toml)")
                + ". Cost counts live calls; cached replies cost nothing again.</p>\n"
        }
        let times = r.roundSeconds.keys.sorted().map { ["round \($0)", String(format: "%.0f s", r.roundSeconds[$0]!)] }
            + (r.ablationSeconds.map { [["ablation", String(format: "%.0f s", $0)]] } ?? [])
            + (r.testSeconds.map { [["final test", String(format: "%.0f s", $0)]] } ?? [])
        out += "<h3>Time per round</h3>\n" + (times.isEmpty ? h.missing("The event log has no times.") : h.table(["", "wall time"], times))
        out += "<h3>Tokens per round, by role</h3>\n" + RoundTokens.html(r)
        return out
    }
}
