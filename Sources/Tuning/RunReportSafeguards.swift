import Foundation
import LuaHost

/// The report's view of the checks beyond the dev score (issue 17): regression cases and
/// protected modes that vetoed a candidate dev would have kept, and the transfer of the initial
/// and best prompt to `--also-target` models. Built from events.jsonl and final.json only.
enum RunReportSafeguards {
    /// A candidate's verdict names a safeguard (Safeguards writes these reasons).
    static func vetoed(_ c: RunRecord.Candidate) -> Bool {
        c.why.hasPrefix("breaks regression") || c.why.hasPrefix("raises protected mode")
    }

    static func html(_ r: RunRecord) -> String {
        let h = ReportHTML.self
        let vetoes = r.candidates.filter(vetoed)
        guard r.regressionBaseline != nil || !vetoes.isEmpty || !r.transfer.isEmpty else {
            return h.missing("This run had no regression cases, no candidate vetoed by a protected mode, and no --also-target.")
        }
        var out = ""
        if let b = r.regressionBaseline {
            out += "<p>Regression cases: \(b.cases); the initial prompt fails \(b.failing.count)"
                + (b.failing.isEmpty ? "" : " (" + h.esc(b.failing.prefix(10).joined(separator: ", ")) + (b.failing.count > 10 ? ", ..." : "") + ")")
                + ". A candidate may not break a case the best prompt passes.</p>\n"
        }
        if vetoes.isEmpty {
            out += "<p>No candidate was vetoed by a regression case or a protected mode.</p>\n"
        } else {
            out += "<h3>Candidates vetoed despite their dev score</h3>\n" + h.table(["candidate", "section", "dev score", "why"], vetoes.map { c in
                ["round \(c.round) · \(c.index.map(String.init) ?? "–")", h.esc(c.section), h.num(c.devScore), h.esc(c.why)]
            }, numericFrom: 2, numericTo: 2)
        }
        if !r.transfer.isEmpty {
            out += "<h3>Transfer to other models (test)</h3>\n" + h.table(["model", "initial", "best", "gain", "95% CI", "paired"], r.transfer.map { t in
                let ci = t["gain_ci95"]?.array ?? []
                return [h.esc(t["model"]?.string ?? "?"), h.num(t["initial_score"]?.number), h.num(t["best_score"]?.number),
                        h.signed(t["gain"]?.number), "[\(h.signed(ci.first?.number)), \(h.signed(ci.last?.number))]",
                        t["paired_examples"]?.number.map { String(Int($0)) } ?? "–"]
            }, numericFrom: 1, numericTo: 5)
        }
        return out
    }
}
