import Foundation

/// A history entry made from a finished run folder (`RunRecord`): its scores, the failure-mode
/// ledger and the edits, read from what the run recorded, nothing estimated. Dev counts and
/// prevalences are the run's reports (what tuning saw); test counts, fixes and breaks come from
/// each test example's result under both prompts (final/*-test.jsonl), paired by id.
extension PackHistory.Entry {
    public init(run: RunRecord, final f: RunRecord.Final, settings: TuneSettings, initial: PromptProgram, best: PromptProgram,
                definitions: [String: String], version: String, fromVersion: String, date: Date) {
        let kept = run.candidates.filter { $0.kept && $0.index != nil }
        func score(_ value: Double, _ rows: [EvalFolderReport.Row]?) -> PackHistory.Score {
            let ci = RunReportTest.interval(rows)
            return PackHistory.Score(value: value, lower: ci?.lower, upper: ci?.upper)
        }
        let finite = { (x: Double) in x.isFinite ? x : nil }
        var models = ["target": settings.target, "optimizer": settings.optimizer]
        models["critic"] = settings.critic
        models["judge"] = settings.judge
        let iso = ISO8601DateFormatter()
        self.init(version: version, fromVersion: fromVersion, date: iso.string(from: date), run: run.folder.lastPathComponent,
                  models: models, stopReason: Self.fit(run.stopReason ?? "", 2_000),
                  devInitial: run.baselineDev ?? 0, devBest: kept.last?.devScore ?? run.baselineDev ?? 0,
                  testExamples: f.paired, testInitial: score(f.initialScore, f.initialRows), testBest: score(f.bestScore, f.bestRows),
                  gain: PackHistory.Score(value: f.gain, lower: finite(f.lower), upper: finite(f.upper)),
                  modes: Self.ledger(run, f, kept: kept, definitions: definitions),
                  edits: Self.edits(run.candidates), promptDiff: Self.diff(initial, best))
    }

    /// Each mode seen on dev or test under either prompt, the costliest on test first.
    static func ledger(_ run: RunRecord, _ f: RunRecord.Final, kept: [RunRecord.Candidate],
                       definitions: [String: String]) -> [PackHistory.ModeChange] {
        var before: [String: Int] = [:], after: [String: Int] = [:], fixed: [String: Int] = [:], broke: [String: Int] = [:]
        let scored = { (rows: [EvalFolderReport.Row]?) in (rows ?? []).filter { $0.error == nil } }
        for r in scored(f.initialRows) { for m in Set(r.modes) { before[m, default: 0] += 1 } }
        for r in scored(f.bestRows) { for m in Set(r.modes) { after[m, default: 0] += 1 } }
        let initialByID = Dictionary(scored(f.initialRows).map { ($0.id, Set($0.modes)) }, uniquingKeysWith: { a, _ in a })
        for r in scored(f.bestRows) {
            guard let old = initialByID[r.id] else { continue }
            let new = Set(r.modes)
            for m in old.subtracting(new) { fixed[m, default: 0] += 1 }
            for m in new.subtracting(old) { broke[m, default: 0] += 1 }
        }
        let devBest = run.bestFailuresByRound?.last, devBestPrevalence = run.bestPrevalenceByRound.last ?? [:]
        let all = Set(before.keys).union(after.keys).union((run.initialFailures ?? [:]).keys).union((devBest ?? [:]).keys)
        func count(_ counts: [String: Int]?, _ prevalence: [String: Double], _ m: String) -> PackHistory.Count? {
            counts.map { PackHistory.Count(count: $0[m] ?? 0, prevalence: prevalence[m] ?? 0) }
        }
        return all.sorted { (before[$0] ?? 0, $1) > (before[$1] ?? 0, $0) }.prefix(PackHistory.maxModes).map { m in
            PackHistory.ModeChange(
                mode: m, definition: fit(definitions[m] ?? run.definitions[m] ?? "", 2_000),
                devInitial: count(run.initialFailures, run.initialPrevalence, m), devBest: count(devBest, devBestPrevalence, m),
                testInitial: before[m] ?? 0, testBest: after[m] ?? 0, fixed: fixed[m] ?? 0, broke: broke[m] ?? 0,
                editedBy: kept.filter { $0.modes.contains(m) || ($0.effects[m]?.fixed ?? 0) > 0 }.map { "round \($0.round) section \($0.section)" })
        }
    }

    /// Every edit the run tried, in order; past the cap, the kept ones and the latest others.
    static func edits(_ candidates: [RunRecord.Candidate]) -> [PackHistory.Edit] {
        var out = candidates.map { c in
            PackHistory.Edit(round: c.round, section: c.section, modes: c.modes, kept: c.kept && c.index != nil, devScore: c.devScore,
                             why: fit(c.why, 2_000), text: fit(c.prompt?.section(c.section)?.text ?? "", PackHistory.maxText))
        }
        if out.count > PackHistory.maxEdits {
            var others = out.filter { !$0.kept }.count - (PackHistory.maxEdits - out.filter(\.kept).count)
            out.removeAll { e in
                guard !e.kept, others > 0 else { return false }
                others -= 1
                return true
            }
        }
        return out
    }

    /// The sections the best prompt added, changed or removed (tuning never edits the system text).
    static func diff(_ initial: PromptProgram, _ best: PromptProgram) -> [PackHistory.SectionChange] {
        var out: [PackHistory.SectionChange] = []
        for s in best.sections {
            if let old = initial.section(s.id) {
                if old.text != s.text { out.append(.init(section: s.id, change: .changed, before: fit(old.text, PackHistory.maxText), after: fit(s.text, PackHistory.maxText))) }
            } else {
                out.append(.init(section: s.id, change: .added, before: "", after: fit(s.text, PackHistory.maxText)))
            }
        }
        for s in initial.sections where best.section(s.id) == nil {
            out.append(.init(section: s.id, change: .removed, before: fit(s.text, PackHistory.maxText), after: ""))
        }
        return Array(out.prefix(PackHistory.maxDiff))
    }

    /// At most `max` characters, so rpt's own history always reads back under its caps.
    static func fit(_ s: String, _ max: Int) -> String {
        s.unicodeScalars.count <= max ? s : String(String.UnicodeScalarView(s.unicodeScalars.prefix(max - 1))) + "…"
    }
}
