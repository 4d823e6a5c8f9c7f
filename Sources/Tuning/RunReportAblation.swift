import Foundation
import LuaHost
import ModelClient

/// The ablation as a run's event log records it (`ablation_*` events), read back for the report.
public struct AblationRecord: Sendable {
    /// One edit reverted alone (`ablation_edit`).
    public struct Edit: Sendable {
        public var section: String, change: String
        public var devScore: Double?
        public var contribution: Double?, lower: Double?, upper: Double?
        public var noWorse: Bool, noLonger: Bool
        public var copied: String?
    }

    /// One removal checked with the ones before it (`ablation_removal`).
    public struct Removal: Sendable {
        public var section: String
        public var removing: [String]
        public var devScore: Double?
        public var contribution: Double?, lower: Double?, upper: Double?
        public var accepted: Bool
        public var why: String
    }

    public var edits: [Edit] = []
    public var removals: [Removal] = []
    /// Why there was no ablation (no edit, --no-ablation).
    public var skipped: String?
    /// Why it did not finish (the budget).
    public var stopped: String?
    /// The sections removed and the dev scores of the pruned and the unpruned prompt, once finished.
    public var removed: [String]?
    public var devScore: Double?, unprunedDev: Double?
    /// The run's calls and tokens by role when it finished (as `round_tokens`).
    public var tokensSoFar: [String: RoundTokens.Count]?

    mutating func read(_ type: String, _ e: JSONValue) {
        func strings(_ v: JSONValue?) -> [String] { (v?.array ?? []).compactMap(\.string) }
        let ci = e["ci95"]?.array ?? []
        switch type {
        case "ablation_edit":
            edits.append(Edit(section: e["section"]?.string ?? "?", change: e["change"]?.string ?? "?", devScore: e["dev_score"]?.number,
                              contribution: e["contribution"]?.number, lower: ci.first?.number, upper: ci.last?.number,
                              noWorse: e["no_worse"] == .bool(true), noLonger: e["no_longer"] == .bool(true), copied: e["copied_from_train"]?.string))
        case "ablation_removal":
            removals.append(Removal(section: e["section"]?.string ?? "?", removing: strings(e["removing"]), devScore: e["dev_score"]?.number,
                                    contribution: e["contribution"]?.number, lower: ci.first?.number, upper: ci.last?.number,
                                    accepted: e["accepted"] == .bool(true), why: e["why"]?.string ?? ""))
        case "ablation_finished":
            removed = strings(e["removed"])
            devScore = e["dev_score"]?.number
            unprunedDev = e["unpruned_dev_score"]?.number
            tokensSoFar = e["tokens_so_far"].map(RoundTokens.counts)
        case "ablation_skipped": skipped = e["reason"]?.string ?? "no reason logged"
        case "ablation_stopped": stopped = e["note"]?.string ?? "stopped before it finished"
        default: break
        }
    }
}

/// The report's "What each edit contributes" section.
enum RunReportAblation {
    static func verdict(_ e: AblationRecord.Edit, _ a: AblationRecord) -> String {
        if let r = a.removals.last(where: { $0.section == e.section }) { return r.accepted ? "removed" : "kept: " + r.why }
        if a.stopped != nil, a.removed == nil { return "not decided: the ablation stopped" }
        if !e.noWorse { return "kept: it contributes" }
        return e.noLonger ? "kept" : "kept: the prompt without it is longer"
    }

    static func html(_ r: RunRecord) -> String {
        let h = ReportHTML.self
        let a = r.ablation
        if let why = a.skipped { return "<p>No ablation: \(h.esc(why)).</p>\n" }
        guard !a.edits.isEmpty || a.stopped != nil else {
            if r.stopReason?.hasPrefix("budget") == true { return "<p>No ablation: the budget was spent before the rounds ended.</p>\n" }
            return h.missing("The event log has no ablation events (a run folder from an rpt before the ablation, or a run that did not get that far).")
        }
        let best = h.num(a.unprunedDev ?? r.candidates.last(where: \.kept)?.devScore ?? r.baselineDev)
        var out = "<p>The best prompt of the rounds (dev \(best)) has \(a.edits.count) section edit\(a.edits.count == 1 ? "" : "s") since the initial "
            + "prompt. Each was reverted alone and scored on the same dev examples, paired with the best prompt's results: its contribution "
            + "is the mean of best minus reverted, with a 95% bootstrap interval. An edit is removed when the prompt without it is no longer "
            + "and no worse: it scores at least as well on the paired examples, or what it loses is at most \(h.num(Ablation.margin, 2)) "
            + "(the one-sided bound at the run's level). The removals are checked again together, against the best prompt and by the "
            + "safeguards. A copy from train is a run of \(CopiedText.run) words an optimization example has too: flagged, never removed.</p>\n"
        out += h.table(["section", "change", "dev without it", "contribution", "95% CI", "verdict", "copied from train"], a.edits.map { e in
            [h.esc(e.section), h.esc(e.change), h.num(e.devScore), h.signed(e.contribution), "[\(h.signed(e.lower)), \(h.signed(e.upper))]",
             h.esc(verdict(e, a)), e.copied.map { "<span class=\"rejected\">“\(h.esc($0))”</span>" } ?? "–"]
        }, numericFrom: 2, numericTo: 4)
        if a.removals.count > 1 {
            out += "<h3>Removals checked together</h3>\n" + h.table(["removing", "dev", "loss vs best", "95% CI", "verdict"], a.removals.map { s in
                [h.esc(s.removing.joined(separator: ", ")), h.num(s.devScore), h.signed(s.contribution), "[\(h.signed(s.lower)), \(h.signed(s.upper))]",
                 h.esc(s.why)]
            }, numericFrom: 1, numericTo: 3)
        }
        if let note = a.stopped {
            out += h.missing("The ablation \(note).")
        } else if let removed = a.removed {
            out += removed.isEmpty ? "<p>No edit was removed: the best prompt is the one the rounds chose.</p>\n"
                : "<p>Removed: \(h.esc(removed.joined(separator: ", "))). The pruned prompt scored \(h.num(a.devScore)) on dev (unpruned "
                    + "\(h.num(a.unprunedDev))) and is the run's best prompt (best_prompt.md, tested on test); final.json keeps the unpruned "
                    + "one as unpruned_prompt.</p>\n"
        }
        return out
    }
}
