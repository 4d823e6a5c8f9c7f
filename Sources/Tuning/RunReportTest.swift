import Foundation
import LuaHost

/// The parts of a run report drawn from the test split's per-example results and calibration
/// bins (final/*-test.jsonl, final.json): each score's interval, the reliability diagram before
/// and after, and the examples whose result changed.
enum RunReportTest {
    /// A score's 95% interval, bootstrap over the examples scored (seed 1, as an eval folder's report).
    static func interval(_ rows: [EvalFolderReport.Row]?) -> Selection.Interval? {
        guard let rows else { return nil }
        let scores = EvalFolderReport.scores(rows)
        return scores.isEmpty ? nil : Selection.bootstrap(scores, level: 0.95, seed: 1)
    }

    static func intervalText(_ i: Selection.Interval?) -> String {
        i.map { "[\(ReportHTML.num($0.lower)), \(ReportHTML.num($0.upper))]" } ?? "–"
    }

    static func calibration(_ r: RunRecord) -> String {
        let h = ReportHTML.self
        guard let f = r.final else { return h.missing("No test result (final.json), so no calibration.") }
        guard f.initialCalibration != nil || f.bestCalibration != nil else {
            return h.missing("The test replies carried no confidence (or too few, under \(Calibration.minimumCount)): final.json has no calibration.")
        }
        func row(_ name: String, _ key: String) -> [String] {
            [name, h.num(f.initialCalibration?[key]?.number), h.num(f.bestCalibration?[key]?.number)]
        }
        let table = h.table(["on test", "initial", "best"], [row("Brier (lower is better)", "brier"), row("ECE, 10 bins", "ece"), row("AUROC", "auroc")])
        let series = [("initial prompt", Calibration(json: f.initialCalibration)), ("best prompt", Calibration(json: f.bestCalibration))]
            .compactMap { s in s.1.map { (label: s.0, calibration: $0) } }
        guard !series.isEmpty else {
            return table + h.missing("final.json has no calibration bins (a run folder from an rpt before they were recorded), so no reliability diagram.")
        }
        return ReliabilityChart.svg(series) + table
    }

    /// The test examples scored under both prompts whose score differs, under the failure mode of
    /// the side that failed (the initial prompt's for a fix, the best prompt's for a break).
    static func changed(_ r: RunRecord) -> String {
        let h = ReportHTML.self
        guard let f = r.final else { return h.missing("No test result (final.json): the test split was not run.") }
        guard let before = f.initialRows, let after = f.bestRows else {
            return h.missing("This run folder does not record per-example test results (\(TestRecord.initialFile) and \(TestRecord.bestFile); "
                             + "an rpt from before they were written), so the examples whose result changed cannot be listed.")
        }
        let initialByID = Dictionary(before.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var groups: [String: [(old: EvalFolderReport.Row, new: EvalFolderReport.Row)]] = [:]
        for new in after where new.error == nil {
            guard let old = initialByID[new.id], old.error == nil else { continue }
            let (a, b) = (score(old), score(new))
            guard let a, let b, a != b else { continue }
            let mode = (b < a ? new.failure : old.failure) ?? new.failure ?? old.failure ?? "partial score"
            groups[mode, default: []].append((old, new))
        }
        let fixed = groups.values.joined().filter { score($0.new)! > score($0.old)! }.count
        let all = groups.values.map(\.count).reduce(0, +)
        var out = "<p>\(all) of \(after.count) test examples changed: \(fixed) better with the best prompt, \(all - fixed) worse "
            + "(files \(h.esc(TestRecord.initialFile)) and \(h.esc(TestRecord.bestFile))).</p>\n"
        for mode in groups.keys.sorted(by: { (groups[$0]!.count, $1) > (groups[$1]!.count, $0) }) {
            let items = groups[mode]!
            let up = items.filter { score($0.new)! > score($0.old)! }.count
            out += "<h3>\(h.esc(mode)) (\(up) fixed, \(items.count - up) broken)</h3>\n"
            for (old, new) in items.prefix(50) {
                let better = score(new)! > score(old)!
                let detail = (better ? old.detail : new.detail).map { " · " + h.esc(String($0.prefix(160))) } ?? ""
                out += "<details><summary>\(h.esc(new.id)) · <span class=\"\(better ? "kept" : "rejected")\">\(better ? "fixed" : "broken")</span> · "
                    + "\(h.num(score(old))) → \(h.num(score(new)))\(detail)</summary>\n"
                    + "<h4>initial prompt" + (old.failure.map { " (" + h.esc($0) + ")" } ?? "") + "</h4><pre>\(h.esc(old.reply ?? "(no reply)"))</pre>"
                    + "<h4>best prompt" + (new.failure.map { " (" + h.esc($0) + ")" } ?? "") + "</h4><pre>\(h.esc(new.reply ?? "(no reply)"))</pre></details>\n"
            }
            if items.count > 50 { out += "<p class=\"muted\">… and \(items.count - 50) more in the files above.</p>\n" }
        }
        return out
    }

    static func score(_ r: EvalFolderReport.Row) -> Double? { r.score ?? (r.failure == "pack_error" ? 0 : nil) }
}
