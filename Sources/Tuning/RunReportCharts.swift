import Foundation

/// The two charts of a run report drawn from the event log and the round files.
enum RunReportCharts {
    /// Each candidate's dev score as a point at its round (filled when kept), the best-so-far
    /// line, and the test scores of the initial and best prompt to the right.
    static func scoreByRound(_ r: RunRecord) -> String {
        let h = ReportHTML.self
        guard let base = r.baselineDev else { return h.missing("The event log has no baseline: the run stopped before the initial prompt was scored.") }
        let scored = r.candidates.filter { $0.devScore != nil }
        let rounds = r.rounds
        var best = [(0.0, base)], current = base
        for round in 0...rounds {
            if let k = scored.last(where: { $0.round == round && $0.kept }), let s = k.devScore { current = s }
            if round > 0 { best.append((Double(round), current)) }
        }
        let testX = Double(rounds) + 1
        var values = [base] + scored.compactMap(\.devScore)
        // Each test score's own interval (bootstrap over its examples); a folder without the
        // per-example results has only the paired gain's, drawn from the initial score.
        let ci = r.final.map { f in (RunReportTest.interval(f.initialRows), RunReportTest.interval(f.bestRows)) }
        if let f = r.final {
            values += [f.initialScore, f.bestScore, f.initialScore + f.lower, f.initialScore + f.upper]
            values += [ci?.0, ci?.1].compactMap { $0 }.flatMap { [$0.lower, $0.upper] }
        }
        var p = SVGPlot(x: -0.5...(testX + 0.5), y: SVGPlot.scoreRange(values))
        var ticks = (0...rounds).map { (Double($0), $0 == 0 ? "initial" : "round \($0)") }
        if r.final != nil { ticks.append((testX, "test")) }
        p.axes(xTicks: ticks, xLabel: "round", yLabel: "score")
        var steps: [(Double, Double)] = []
        for (i, pt) in best.enumerated() {
            if i > 0 { steps.append((pt.0, best[i - 1].1)) }
            steps.append(pt)
        }
        p.polyline(steps, color: "#1a7f37", width: 2, title: "best so far on dev")
        p.point(0, base, color: "#0969da", filled: true, title: "initial prompt on dev: \(h.num(base))")
        if let t = r.baselineTrain { p.point(0, t, color: "#8c959f", filled: false, title: "initial prompt on the optimization sample: \(h.num(t))", r: 3.5) }
        for round in 1...max(1, rounds) {
            let here = scored.filter { $0.round == round }
            for (i, c) in here.enumerated() {
                // Candidates of one round spread a little, so equal scores stay visible.
                let dx = here.count > 1 ? (Double(i) / Double(here.count - 1) - 0.5) * 0.3 : 0
                p.point(Double(round) + dx, c.devScore!, color: c.kept ? "#1a7f37" : "#cf222e", filled: c.kept,
                        title: "round \(round) candidate \(c.index ?? 0) (\(c.section)): dev \(h.num(c.devScore)), \(c.kept ? "kept" : "not kept"): \(c.why)")
            }
        }
        var legend: [(label: String, color: String, filled: Bool)] = [("initial (dev)", "#0969da", true), ("kept candidate", "#1a7f37", true),
                                                                       ("not kept", "#cf222e", false), ("best so far", "#1a7f37", true)]
        if r.baselineTrain != nil { legend.insert(("initial (opt. sample)", "#8c959f", false), at: 1) }
        if let f = r.final {
            if let a = ci?.0, let b = ci?.1 {
                p.interval(testX - 0.12, a.lower, a.upper, color: "#0969da", title: "initial prompt on test, 95% CI \(RunReportTest.intervalText(a))")
                p.interval(testX + 0.12, b.lower, b.upper, color: "#1a7f37", title: "best prompt on test, 95% CI \(RunReportTest.intervalText(b))")
            } else {
                p.interval(testX + 0.12, f.initialScore + f.lower, f.initialScore + f.upper, color: "#1a7f37",
                           title: "initial + 95% CI of the paired gain: [\(h.num(f.initialScore + f.lower)), \(h.num(f.initialScore + f.upper))]")
            }
            p.point(testX - 0.12, f.initialScore, color: "#0969da", filled: true, title: "initial prompt on test: \(h.num(f.initialScore))")
            p.point(testX + 0.12, f.bestScore, color: "#1a7f37", filled: true, title: "best prompt on test: \(h.num(f.bestScore))")
            legend.append(("test, with 95% CI", "#1a7f37", true))
        }
        p.legend(legend)
        var out = p.svg(label: "score by round")
        let testNote = ci.map { $0.0 != nil && $0.1 != nil } == true
            ? "On test, each prompt's bar is the 95% bootstrap interval of its score over the test examples; the paired gain's interval is in the table above. "
            : "On test, the bar on the best prompt is the initial score plus the 95% paired-bootstrap interval of the gain"
                + (r.final.map { " (\(h.signed($0.lower)) to \(h.signed($0.upper)) over \($0.paired) examples)" } ?? "") + ". "
        out += "<p class=\"muted\">Points are candidates' dev scores (hover for the section and verdict). " + testNote
            + "Scores of edits tried on the optimization sample during a round are in rounds/NN/optimizer.json, not drawn here.</p>\n"
        return out
    }

    /// Count of each failure mode of the best prompt on dev after each round, with the candidates' fixed/broke.
    static func modesOverRounds(_ r: RunRecord) -> String {
        let h = ReportHTML.self
        guard let byRound = r.bestFailuresByRound else {
            return h.missing("rounds/00/initial-dev.json is missing: the failure modes of the initial prompt are not recorded.")
        }
        let modes = Set(byRound.flatMap(\.keys)).union(r.candidates.flatMap(\.failures.keys)).sorted {
            (byRound[0][$0] ?? 0, $1) > (byRound[0][$1] ?? 0, $0)
        }
        guard !modes.isEmpty else { return "<p>No failures on dev in any round.</p>\n" }
        let (top, ticks) = SVGPlot.countAxis(byRound.flatMap(\.values).max() ?? 1)
        var p = SVGPlot(x: -0.3...(Double(byRound.count - 1) + 0.3), y: 0...top)
        p.axes(xTicks: byRound.indices.map { (Double($0), $0 == 0 ? "initial" : "round \($0)") }, xLabel: "best prompt after",
               yLabel: "failures on dev", yTicks: ticks, yFormat: "%.0f")
        var legend: [(label: String, color: String, filled: Bool)] = []
        for (i, m) in modes.enumerated() {
            let color = SVGPlot.palette[i % SVGPlot.palette.count]
            let pts = byRound.enumerated().map { (Double($0.offset), Double($0.element[m] ?? 0)) }
            p.polyline(pts, color: color, title: m)
            for (x, y) in pts { p.point(x, y, color: color, filled: true, title: "\(m): \(Int(y)) after \(x == 0 ? "initial" : "round \(Int(x))")", r: 3) }
            legend.append((m, color, true))
        }
        p.legend(Array(legend.prefix(16)))
        var out = p.svg(label: "failure modes over rounds")
        let devN = byRound[0].values.reduce(0, +)
        let prevalence = r.bestPrevalenceByRound
        func cell(_ round: Int, _ m: String) -> String {
            let count = String(byRound[round][m] ?? 0)
            guard round < prevalence.count, let p = prevalence[round][m] else { return count }
            return count + String(format: " · %.2f", p)
        }
        out += h.table(["mode"] + byRound.indices.map { $0 == 0 ? "initial" : "after round \($0)" } + ["definition"],
                       modes.map { m in [h.esc(m)] + byRound.indices.map { cell($0, m) } + [h.esc(r.definitions[m] ?? "")] },
                       numericTo: byRound.count)
        out += "<p class=\"muted\">Count · prevalence of the best prompt's failures on dev (the initial prompt had \(devN) in all); "
            + "prevalence is half the mode's share of the failures, half its share of the lost score, as the optimizer reads it.</p>\n"
        let scored = r.candidates.filter { $0.index != nil }
        if !scored.isEmpty {
            out += "<h3>What each candidate fixed and broke on dev (against the best of its time)</h3>\n"
            out += h.table(["candidate", "section", "targets", "fixed / broke by mode"], scored.map { c in
                ["round \(c.round) · \(c.index!)", h.esc(c.section), h.esc(c.modes.joined(separator: ", ")),
                 c.effects.isEmpty ? "–" : c.effects.keys.sorted().map { "\(h.esc($0)) +\(c.effects[$0]!.fixed) / −\(c.effects[$0]!.broke)" }.joined(separator: "<br>")]
            }, numericFrom: 9)
        }
        return out
    }
}
