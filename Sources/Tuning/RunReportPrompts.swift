import Foundation

/// The prompt section of a run report: how the best prompt differs from the initial one, and
/// every candidate with its section, targeted modes, dev score and verdict.
enum RunReportPrompts {
    static func best(_ r: RunRecord) -> PromptProgram? {
        RunRecord.json(r.folder.appendingPathComponent("best_prompt.json")).flatMap { PromptProgram.from(json: $0) }
    }

    static func text(_ p: PromptProgram) -> String { p.markdown }

    static func html(_ r: RunRecord, initial: PromptProgram?) -> String {
        let h = ReportHTML.self
        var out = "<h3>Initial → best, word by word</h3>\n"
        let bestPrompt = best(r)
        // With the best prompt from round 0 the initial prompt is the best one, recorded or not.
        let start = initial ?? (r.bestRound == 0 ? bestPrompt : nil)
        switch (start, bestPrompt) {
        case let (a?, b?) where a == b:
            out += "<p>The best prompt is the initial prompt: no candidate was kept.</p>\n<pre>\(h.esc(text(b)))</pre>\n"
        case let (a?, b?):
            out += "<p class=\"legend\"><span><del>removed</del></span><span><ins>added</ins></span></p>\n" + WordDiff.html(text(a), text(b))
        case (nil, let b?):
            out += h.missing("The run folder does not record the initial prompt and the pack it came from could not be read as it was "
                             + "(rpt report reads it from the pack named in config.json when its files are unchanged). The best prompt:")
            out += "<pre>\(h.esc(text(b)))</pre>\n"
        case (_, nil):
            out += h.missing("best_prompt.json is missing or unreadable.")
        }
        out += "<h3>Every candidate</h3>\n"
        guard !r.candidates.isEmpty else { return out + "<p>The optimizer proposed no candidate.</p>\n" }
        for c in r.candidates {
            let verdict = c.kept ? "<span class=\"kept\">kept</span>" : c.index == nil ? "<span class=\"rejected\">rejected</span>" : "<span class=\"rejected\">not kept</span>"
            let name = c.index.map { "round \(c.round) · candidate \($0)" } ?? "round \(c.round) · rejected edit"
            out += "<div class=\"cand\"><h4>\(name) · section <code>\(h.esc(c.section))</code> · dev \(h.num(c.devScore)) · \(verdict)</h4>\n"
            out += "<p>Targets: \(h.esc(c.modes.isEmpty ? "no named mode" : c.modes.joined(separator: ", "))). Why: \(h.esc(c.why)).</p>\n"
            if !c.rationale.isEmpty { out += "<p>Rationale: \(h.esc(c.rationale))</p>\n" }
            if let p = c.prompt {
                // The edited section is what the optimizer wrote; the rest is the best prompt of its time.
                if let s = p.section(c.section) { out += "<p>Section <code>\(h.esc(c.section))</code> as proposed:</p><pre>\(h.esc(s.text))</pre>\n" }
                out += "<details><summary>the whole candidate prompt</summary><pre>\(h.esc(text(p)))</pre></details>\n"
            } else {
                out += h.missing("The candidate's prompt is not recorded.")
            }
            out += "</div>\n"
        }
        return out
    }
}
