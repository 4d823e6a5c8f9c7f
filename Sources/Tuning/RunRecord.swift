import Foundation
import LuaHost
import ModelClient

/// What a tuning run's folder records, read back for the report: the event log, the round
/// files, final.json and summary.json. Missing files leave their parts nil (a killed run, a
/// budget stop), and the report says so; nothing here is invented.
public struct RunRecord: Sendable {
    public struct Candidate: Sendable {
        public var round: Int
        /// 1-based within the round for scored candidates; nil for ones the guardrails rejected.
        public var index: Int?
        public var section: String
        public var modes: [String]
        public var devScore: Double?
        public var kept: Bool
        /// Why it was kept or rejected, as the log says it.
        public var why: String
        public var rationale: String
        public var prompt: PromptProgram?
        /// Failure counts on dev and each mode's fixed/broke against the best of the time.
        public var failures: [String: Int]
        /// Each mode's prevalence in the candidate's dev report (Diagnostic's: half its share of the
        /// failures, half its share of the lost score).
        public var prevalence: [String: Double] = [:]
        public var effects: [String: (fixed: Int, broke: Int)]
    }

    public struct Final: Sendable {
        public var initialScore: Double, bestScore: Double
        public var gain: Double, lower: Double, upper: Double
        public var paired: Int
        public var initialCalibration: JSONValue?, bestCalibration: JSONValue?
        /// Each named metric's mean on test (a pack that declares `metrics`).
        public var initialMetrics: [String: Double] = [:], bestMetrics: [String: Double] = [:]
        /// The per-example results (final/*-test.jsonl); nil in a folder older than them.
        var initialRows: [EvalFolderReport.Row]?, bestRows: [EvalFolderReport.Row]?
    }

    public var folder: URL
    public var pack: String
    public var target: String
    public var optimizer: String
    public var baselineDev: Double?
    public var baselineTrain: Double?
    public var initialFailures: [String: Int]?
    public var initialPrevalence: [String: Double] = [:]
    /// Mode definitions from the reports (the taxonomy's words).
    public var definitions: [String: String] = [:]
    public var candidates: [Candidate] = []
    public var stopReason: String?
    public var bestRound: Int?
    public var final: Final?
    /// summary.json's ledger lines (role, model, live and cached tokens, cost) and total cost.
    public var tokens: [JSONValue] = []
    /// The regression cases' count and the ones the initial prompt fails (a `regression_baseline` event).
    public var regressionBaseline: (cases: Int, failing: [String])?
    /// `--also-target` results from final.json: model, scores, gain and its interval.
    public var transfer: [JSONValue] = []
    public var totalCost: Double?
    /// Seconds from the end of one round to the end of the next (round 0: from the start to the baseline).
    public var roundSeconds: [Int: Double] = [:]
    /// By round, the calls and tokens by role so far (the `round_tokens` events; empty in older folders).
    public var tokensSoFar: [Int: [String: RoundTokens.Count]] = [:]
    /// Seconds from the stop to the end of the final test run.
    public var testSeconds: Double?
    /// What each edit of the best prompt contributes (the `ablation_*` events), and its time.
    public var ablation = AblationRecord()
    public var ablationSeconds: Double?
    public var rounds: Int { max(candidates.map(\.round).max() ?? 0, roundSeconds.keys.max() ?? 0) }

    static func json(_ url: URL) -> JSONValue? {
        (try? String(contentsOf: url, encoding: .utf8)).flatMap { try? JSON.decode($0) }
    }

    static func int(_ v: JSONValue?) -> Int? { v?.number.map { Int($0) } }

    static func prevalence(_ modes: JSONValue?) -> [String: Double] {
        var out: [String: Double] = [:]
        for m in modes?.array ?? [] { if let id = m["id"]?.string, let p = m["prevalence"]?.number, p.isFinite { out[id] = p } }
        return out
    }

    static func counts(_ v: JSONValue?) -> [String: Int] {
        (v?.object ?? [:]).compactMapValues { $0.number.map { Int($0) } }
    }

    public init(folder: URL) throws {
        self.folder = folder
        let log = folder.appendingPathComponent("events.jsonl")
        guard let text = try? String(contentsOf: log, encoding: .utf8) else {
            throw ReportError("\(folder.path) has no events.jsonl: not a tuning run folder (rpt report takes a run or an rpt eval folder)")
        }
        let events = text.split(separator: "\n").compactMap { try? JSON.decode(String($0)) }
        let config = Self.json(folder.appendingPathComponent("config.json"))
        let summary = Self.json(folder.appendingPathComponent("summary.json"))
        pack = summary?["pack"]?.string ?? config?["pack"]?.string ?? folder.lastPathComponent
        target = config?["target"]?.string ?? "?"
        optimizer = config?["optimizer"]?.string ?? "?"
        tokens = summary?["tokens"]?.array ?? []
        totalCost = summary?["cost"]?.number

        let initialDev = Self.json(folder.appendingPathComponent("rounds/00/initial-dev.json"))
        initialFailures = initialDev.map { Self.counts($0["failures"]) }
        initialPrevalence = Self.prevalence(initialDev?["modes"])
        for file in ["rounds/00/initial-train.json", "rounds/00/initial-dev.json"] {
            for m in Self.json(folder.appendingPathComponent(file))?["modes"]?.array ?? [] {
                if let id = m["id"]?.string, let d = m["definition"]?.string { definitions[id] = d }
            }
        }
        readEvents(events)
        transfer = Self.json(folder.appendingPathComponent("final.json"))?["transfer"]?.array ?? []
        if let f = Self.json(folder.appendingPathComponent("final.json")), let i = f["initial_score"]?.number, let b = f["best_score"]?.number {
            let ci = f["gain_ci95"]?.array ?? []
            final = Final(initialScore: i, bestScore: b, gain: f["gain"]?.number ?? b - i,
                          lower: ci.first?.number ?? .nan, upper: ci.last?.number ?? .nan, paired: Self.int(f["paired_examples"]) ?? 0,
                          initialCalibration: f["initial_calibration"].flatMap { $0 == .null ? nil : $0 },
                          bestCalibration: f["best_calibration"].flatMap { $0 == .null ? nil : $0 },
                          initialMetrics: (f["initial_metrics"]?.object ?? [:]).compactMapValues(\.number),
                          bestMetrics: (f["best_metrics"]?.object ?? [:]).compactMapValues(\.number),
                          initialRows: EvalFolderReport.rows(file: folder.appendingPathComponent(TestRecord.initialFile)),
                          bestRows: EvalFolderReport.rows(file: folder.appendingPathComponent(TestRecord.bestFile)))
        }
    }

    private mutating func readEvents(_ events: [JSONValue]) {
        let iso = ISO8601DateFormatter()
        var last: Date?
        for e in events {
            let type = e["type"]?.string ?? ""
            let r = Self.int(e["round"])
            let time = e["time"]?.string.flatMap { iso.date(from: $0) }
            switch type {
            case "baseline":
                baselineDev = e["dev_score"]?.number
                baselineTrain = e["train_score"]?.number
            case "candidate_rejected":
                candidates.append(Candidate(round: r ?? 0, index: nil, section: e["section"]?.string ?? "?",
                                            modes: (e["modes"]?.array ?? []).compactMap(\.string), devScore: nil, kept: false,
                                            why: "rejected before scoring: " + (e["reason"]?.string ?? "no reason logged"), rationale: "",
                                            prompt: e["prompt"].flatMap { PromptProgram.from(json: $0) }, failures: [:], effects: [:]))
            case "candidate_scored":
                let i = Self.int(e["candidate"]) ?? 0
                let file = Self.json(folder.appendingPathComponent(String(format: "rounds/%02d/candidate-%d.json", r ?? 0, i)))
                for m in file?["report"]?["modes"]?.array ?? [] {
                    if let id = m["id"]?.string, let d = m["definition"]?.string { definitions[id] = d }
                }
                var effects: [String: (fixed: Int, broke: Int)] = [:]
                for (mode, v) in e["effects"]?.object ?? [:] { effects[mode] = (Self.int(v["fixed"]) ?? 0, Self.int(v["broke"]) ?? 0) }
                candidates.append(Candidate(round: r ?? 0, index: i, section: e["section"]?.string ?? "?",
                                            modes: (e["modes"]?.array ?? []).compactMap(\.string), devScore: e["dev_score"]?.number,
                                            kept: e["kept"] == .bool(true), why: e["why"]?.string ?? "", rationale: file?["rationale"]?.string ?? "",
                                            prompt: file?["prompt"].flatMap { PromptProgram.from(json: $0) },
                                            failures: Self.counts(file?["report"]?["failures"]),
                                            prevalence: Self.prevalence(file?["report"]?["modes"]), effects: effects))
            case "regression_baseline":
                regressionBaseline = (Self.int(e["cases"]) ?? 0, (e["failing"]?.array ?? []).compactMap(\.string))
            case "round_tokens":
                if let r { tokensSoFar[r] = RoundTokens.counts(e["tokens_so_far"]) }
            case "stopped":
                stopReason = e["reason"]?.string
                bestRound = Self.int(e["best_round"])
            default: if type.hasPrefix("ablation_") { ablation.read(type, e) }
            }
            // Time between timed events goes to the round the later one names (the baseline is round 0);
            // the time up to `finished` is the final test.
            guard let t = time else { continue }
            defer { last = t }
            guard let l = last else { continue }
            if let bucket = type == "baseline" ? 0 : r { roundSeconds[bucket, default: 0] += t.timeIntervalSince(l) }
            else if type == "finished" { testSeconds = t.timeIntervalSince(l) }
            else if type.hasPrefix("ablation_") { ablationSeconds = (ablationSeconds ?? 0) + t.timeIntervalSince(l) }
        }
    }

    /// Each mode's prevalence for the best prompt after each round (round 0: the initial prompt).
    public var bestPrevalenceByRound: [[String: Double]] {
        var out = [initialPrevalence], current = initialPrevalence
        for round in 1...max(1, rounds) {
            if let kept = candidates.last(where: { $0.round == round && $0.kept && $0.index != nil }) { current = kept.prevalence }
            out.append(current)
        }
        return Array(out.prefix(rounds + 1))
    }

    /// The dev failure counts of the best prompt after each round (round 0: the initial prompt).
    public var bestFailuresByRound: [[String: Int]]? {
        guard let initialFailures else { return nil }
        var out = [initialFailures], current = initialFailures
        for round in 1...max(1, rounds) {
            if let kept = candidates.last(where: { $0.round == round && $0.kept && $0.index != nil }) { current = kept.failures }
            out.append(current)
        }
        return Array(out.prefix(rounds + 1))
    }
}

public struct ReportError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
