import Foundation
import LuaHost
import ModelClient

/// `report.html` of an `rpt eval` folder (summary.json and results.jsonl): the score with a 95%
/// bootstrap interval, failures by mode, the reliability diagram, cost, and the failed examples.
public enum EvalFolderReport {
    /// One line of results.jsonl, as much of it as the report shows.
    struct Row {
        var id: String
        var score: Double?
        var confidence: Double?
        var failure: String?
        var detail: String?
        var reply: String?
        var answer: JSONValue?
        var error: String?
        /// Every mode of the example (results.jsonl's `modes` when classify gave several).
        var modes: [String] = []
    }

    static func rows(_ folder: URL) -> [Row]? { rows(file: folder.appendingPathComponent("results.jsonl")) }

    /// A results file of `rpt eval` or a tuning run's final/*-test.jsonl.
    static func rows(file: URL) -> [Row]? {
        guard let text = try? String(contentsOf: file, encoding: .utf8) else { return nil }
        return text.split(separator: "\n").compactMap { try? JSON.decode(String($0)) }.map { v in
            var row = Row(id: v["id"]?.string ?? "?", score: v["score"]?.number, confidence: v["confidence"]?.number,
                failure: v["failure"]?.string ?? (v["pack_error"] != nil ? "pack_error" : nil),
                detail: v["detail"]?.string ?? v["pack_error"]?.string, reply: v["reply"]?.string, answer: v["answer"],
                error: v["api_error"]?.string)
            row.modes = v["modes"]?.array?.compactMap(\.string) ?? row.failure.map { [$0] } ?? []
            return row
        }
    }

    public static func isEvalFolder(_ folder: URL) -> Bool {
        FileManager.default.fileExists(atPath: folder.appendingPathComponent("results.jsonl").path)
            && !FileManager.default.fileExists(atPath: folder.appendingPathComponent("events.jsonl").path)
    }

    @discardableResult
    public static func write(folder: URL) throws -> String {
        guard let rows = rows(folder) else { throw ReportError("\(folder.path) has no results.jsonl: not an rpt eval folder") }
        let summary = RunRecord.json(folder.appendingPathComponent("summary.json"))
        let path = folder.appendingPathComponent(RunReport.fileName).path
        try html(rows: rows, summary: summary, folder: folder).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func html(rows: [Row], summary: JSONValue?, folder: URL) -> String {
        let h = ReportHTML.self
        let scores = Self.scores(rows)
        let ci = Selection.bootstrap(scores, level: 0.95, seed: 1)
        let pack = summary?["pack"]?.string ?? folder.lastPathComponent
        var body = "<section id=\"overview\">" + h.table(["", "value"], [
            ["score", h.num(scores.isEmpty ? nil : ci.mean) + " (95% CI \(h.num(ci.lower)) to \(h.num(ci.upper)), bootstrap over \(scores.count) scored examples)"],
            ["examples", "\(rows.count) (\(rows.filter { $0.error != nil }.count) API errors, not scored)"],
        ] + (summary?["metrics"]?.object ?? [:]).sorted { $0.key < $1.key }.map { ["metric " + h.esc($0.key), h.num($0.value.number) + " (mean)"] }) + (summary == nil ? h.missing("summary.json is missing: the evaluation did not finish; numbers come from results.jsonl.") : "")
            + "</section>\n"
        body += h.section("modes", "Failures by mode", modes(rows, total: scores.count))
        body += h.section("calibration", "Calibration", calibration(rows))
        body += h.section("cost", "Cost", cost(summary))
        body += h.section("examples", "Failed examples, by mode", examples(rows))
        let sub = [summary?["split"]?.string.map { "split \($0)" }, summary?["model"]?.string].compactMap { $0 }.joined(separator: " · ")
        return h.page(title: "rpt eval \(pack)", subtitle: sub, body: body)
    }

    /// Scored rows are the ones with a score (pack errors count 0, as in the summary); API errors are apart.
    static func scores(_ rows: [Row]) -> [Double] {
        rows.compactMap { $0.error == nil ? ($0.score ?? ($0.failure == "pack_error" ? 0 : nil)) : nil }
    }

    static func failureCounts(_ rows: [Row]) -> [(String, Int)] {
        Dictionary(grouping: rows.flatMap { $0.error == nil ? $0.modes : [] }, by: { $0 }).map { ($0.key, $0.value.count) }
            .sorted { ($0.1, $1.0) > ($1.1, $0.0) }
    }

    static func modes(_ rows: [Row], total: Int) -> String {
        let counts = failureCounts(rows)
        guard let top = counts.first?.1 else { return "<p>No failures.</p>\n" }
        let (yTop, ticks) = SVGPlot.countAxis(top)
        var p = SVGPlot(x: -0.6...(Double(counts.count) - 0.4), y: 0...yTop)
        p.right = 20
        p.height = 260
        p.axes(xTicks: counts.enumerated().map { (Double($0.offset), String($0.element.0.prefix(18))) }, xLabel: "failure mode", yLabel: "examples", yTicks: ticks, yFormat: "%.0f")
        for (i, (m, n)) in counts.enumerated() {
            p.bar(Double(i), width: 0.6, Double(n), color: SVGPlot.palette[i % SVGPlot.palette.count], title: "\(m): \(n)")
        }
        return p.svg(label: "failures by mode") + ReportHTML.table(["mode", "examples", "share of scored"], counts.map {
            [ReportHTML.esc($0.0), String($0.1), total == 0 ? "–" : String(format: "%.1f%%", Double($0.1) / Double(total) * 100)]
        })
    }

    static func calibration(_ rows: [Row]) -> String {
        let pairs = rows.compactMap { r -> (confidence: Double, score: Double)? in
            guard r.error == nil, let c = r.confidence, let s = r.score else { return nil }
            return (c, s)
        }
        guard pairs.count >= Calibration.minimumCount else {
            return ReportHTML.missing("\(pairs.count) answers carry a confidence; calibration needs at least \(Calibration.minimumCount).")
        }
        let c = Calibration(pairs)
        return ReliabilityChart.svg([("this prompt", c)]) + ReportHTML.table(["", "value"], [
            ["answers with a confidence", String(c.count)], ["Brier", ReportHTML.num(c.brier)], ["ECE, 10 bins", ReportHTML.num(c.ece)],
            ["AUROC", ReportHTML.num(c.auroc)],
        ])
    }

    static func cost(_ summary: JSONValue?) -> String {
        guard let lines = summary?["tokens"]?.array, !lines.isEmpty else { return ReportHTML.missing("summary.json records no tokens.") }
        func n(_ v: JSONValue?) -> String { v?.number.map { String(Int($0)) } ?? "–" }
        return ReportHTML.table(["role", "model", "live calls", "live in", "live out", "cached replies", "cached in", "cached out"], lines.map { l in
            [ReportHTML.esc(l["role"]?.string ?? "?"), ReportHTML.esc(l["model"]?.string ?? "?"), n(l["live"]?["calls"]), n(l["live"]?["input_tokens"]),
             n(l["live"]?["output_tokens"]), n(l["cached"]?["calls"]), n(l["cached"]?["input_tokens"]), n(l["cached"]?["output_tokens"])]
        }, numericFrom: 2) + "<p>Cost: " + (summary?["cost"]?.number.map { String(format: "$%.4f", $0) } ?? "unknown (no price in rpt.toml)") + "</p>\n"
    }

    /// Failed examples under their mode; each a plain details element, at most 50 a mode.
    static func examples(_ rows: [Row]) -> String {
        let h = ReportHTML.self
        let failed = rows.filter { $0.error == nil && $0.failure != nil }
        guard !failed.isEmpty else { return "<p>No failed example.</p>\n" }
        var out = ""
        for (mode, n) in failureCounts(rows) {
            out += "<h3>\(h.esc(mode)) (\(n))</h3>\n"
            for r in failed.filter({ $0.modes.contains(mode) }).prefix(50) {
                out += "<details><summary>\(h.esc(r.id)) · score \(h.num(r.score))" + (r.detail.map { " · " + h.esc(String($0.prefix(160))) } ?? "")
                    + "</summary>\n<pre>\(h.esc(r.reply ?? "(no reply)"))</pre>"
                    + (r.answer.map { "<p>Answer read: <code>\(h.esc(JSON.encode($0)))</code></p>" } ?? "") + "</details>\n"
            }
            if n > 50 { out += "<p class=\"muted\">… and \(n - 50) more in results.jsonl.</p>\n" }
        }
        return out
    }
}
