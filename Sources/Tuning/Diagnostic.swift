import Foundation
import LuaHost
import ModelClient
import TaskPack

/// One failed example as the optimizer sees it.
public struct FailureExample: Sendable, Equatable {
    public var id: String
    public var input: String
    public var reply: String
    public var answer: String
    public var expected: String
    public var detail: String?
    /// The judge's verdict and reason, for a pack with a judge: why the reply was judged weak.
    public var verdict: String? = nil
}

/// A recurring way of failing. `id` is stable across rounds: the taxonomy's mode name, or
/// `critic:<label>` for what the critic model named.
public struct FailureMode: Sendable, Equatable {
    public var id: String
    public var definition: String
    public var count: Int
    public var lostScore: Double
    /// Half its share of the failures, half its share of the lost score.
    public var prevalence: Double
    public var examples: [FailureExample]
    /// The parts of the pack's failure details (split at "; ") that recur in this mode, most
    /// frequent first, e.g. "urgency high instead of low" 12 times: the pattern behind the examples.
    public var recurring: [Recurring] = []
    public struct Recurring: Sendable, Equatable {
        public var part: String
        public var count: Int
        /// A few of the inputs it happened on: set side by side, they show what the inputs that
        /// need another answer have in common (what a rule can name).
        public var inputs: [String] = []
    }
    /// Against the best prompt on the same examples: failures of this mode it fixed, and
    /// examples it broke into this mode. Nil when there is nothing to compare with.
    public var fixed: Int?
    public var broke: Int?
}

/// What the optimizer reads about one prompt on one set of examples.
public struct DiagnosticReport: Sendable {
    public var label: String
    public var metrics: Metrics
    /// All modes, most prevalent first; `shown` are the ones kept for the report.
    public var modes: [FailureMode]
    public var shown: [FailureMode]
    public var warnings: [String]

    static let examplesPerMode = 8
    /// Examples per mode in the report's text; `show_failures` shows the others.
    public static let examplesShown = 3
    static let recurringShown = 4
    static let inputsPerPart = 6

    /// Builds the report. `best` (results of the best prompt on the same examples) adds the
    /// fixed/broke counts per mode.
    /// `definitions` names modes outside the pack's taxonomy (the critic's).
    public static func build(label: String, results: [ExampleResult], examples: [Example], runtime: PackRuntime,
                             best: [ExampleResult]? = nil, warnings: [String] = [], definitions: [String: String] = [:]) -> DiagnosticReport {
        var spec = runtime.spec
        spec.failures.merge(definitions) { a, _ in a }
        let byID = Dictionary(results.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let bestByID = best.map { Dictionary($0.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a }) }
        var counts: [String: (n: Int, lost: Double, ex: [FailureExample])] = [:]
        var partCounts: [String: [String: Int]] = [:]
        var partInputs: [String: [String: [String]]] = [:]
        var totalFailures = 0, totalLost = 0.0
        for ex in examples {
            guard let r = byID[ex.id], let o = r.outcome, !o.modes.isEmpty else { continue }
            // An example with k modes counts once in each mode's failures and gives each 1/k of
            // its lost score; the shares' denominators count it k times, so shares still sum to 1.
            let k = Double(o.modes.count)
            totalFailures += o.modes.count
            totalLost += 1 - o.score
            let parts = Set((o.detail ?? "").components(separatedBy: "; ").map { $0.trimmingCharacters(in: .whitespaces) }).filter { !$0.isEmpty }
            // Rendered at most once per example, and only if a mode or a detail part shows it.
            var rendered: String??
            func input() -> String? {
                if rendered == nil { rendered = .some(try? runtime.render(ex)) }
                return rendered!
            }
            for mode in o.modes {
                var entry = counts[mode] ?? (0, 0, [])
                entry.n += 1
                entry.lost += (1 - o.score) / k
                for part in parts {
                    let key = clip(part, 120)
                    partCounts[mode, default: [:]][key, default: 0] += 1
                    if partInputs[mode]?[key]?.count ?? 0 < DiagnosticReport.inputsPerPart, let text = input() {
                        partInputs[mode, default: [:]][key, default: []].append(clip(text, 160))
                    }
                }
                if entry.ex.count < examplesPerMode {
                    let expected = (try? runtime.gold(ex)).flatMap { $0 } ?? JSON.encode(.object(ex.fields.filter { $0.key != spec.idField }))
                    entry.ex.append(FailureExample(id: ex.id, input: input() ?? "", reply: r.reply ?? "",
                                                   answer: o.answer.map { JSON.encode($0) } ?? "(none)", expected: expected, detail: o.detail,
                                                   verdict: o.verdict?.summary))
                }
                counts[mode] = entry
            }
        }
        var modes: [FailureMode] = []
        for (id, c) in counts {
            let share: Double = totalFailures == 0 ? 0 : Double(c.n) / Double(totalFailures)
            let lostShare: Double = totalLost == 0 ? share : c.lost / totalLost
            let recurring = (partCounts[id] ?? [:]).filter { $0.value >= 2 }.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }
            modes.append(FailureMode(id: id, definition: spec.failures[id] ?? id, count: c.n, lostScore: c.lost,
                                     prevalence: (share + lostShare) / 2, examples: c.ex,
                                     recurring: recurring.prefix(DiagnosticReport.recurringShown).map { .init(part: $0.key, count: $0.value, inputs: partInputs[id]?[$0.key] ?? []) }))
        }
        modes.sort { $0.prevalence > $1.prevalence || ($0.prevalence == $1.prevalence && $0.id < $1.id) }
        if let bestByID {
            var fixed: [String: Int] = [:], broke: [String: Int] = [:]
            for ex in examples {
                guard let now = byID[ex.id]?.outcome, let then = bestByID[ex.id]?.outcome else { continue }
                if now.failure == nil { for m in then.modes { fixed[m, default: 0] += 1 } }
                if then.failure == nil { for m in now.modes { broke[m, default: 0] += 1 } }
            }
            for id in Set(fixed.keys).subtracting(modes.map { $0.id }).sorted() {
                modes.append(FailureMode(id: id, definition: spec.failures[id] ?? id, count: 0, lostScore: 0, prevalence: 0, examples: []))
            }
            for i in modes.indices { (modes[i].fixed, modes[i].broke) = (fixed[modes[i].id] ?? 0, broke[modes[i].id] ?? 0) }
        }
        let kept = modes.filter { $0.prevalence >= 0.10 }
        let shown = kept.isEmpty ? Array(modes.filter { $0.count > 0 }.prefix(3)) : kept
        return DiagnosticReport(label: label, metrics: Metrics(results), modes: modes, shown: shown, warnings: warnings)
    }

    /// The report as text for the optimizer, with `examples` examples per mode shown.
    public func text(examples: Int = DiagnosticReport.examplesShown) -> String {
        let m = metrics
        var out = "## Report: \(label)\n"
        out += String(format: "score %.3f over %d examples; format errors %.1f%%; API errors %.1f%% (not the prompt's fault)\n",
                      m.score, m.scored, m.formatErrorRate * 100, m.apiErrorRate * 100)
        if !m.metricMeans.isEmpty {
            out += "metrics (means; the score is their weighted mean): "
                + m.metricMeans.sorted { $0.key < $1.key }.map { "\($0.key) \(String(format: "%.3f", $0.value))" }.joined(separator: ", ") + "\n"
        }
        if let c = m.calibration {
            out += String(format: "calibration: Brier %.3f, ECE %.3f", c.brier, c.ece) + (c.auroc.map { String(format: ", AUROC %.3f", $0) } ?? "") + "\n"
        }
        for w in warnings { out += "WARNING: \(w)\n" }
        if shown.isEmpty { out += "No failures.\n" }
        for mode in shown {
            out += String(format: "\n### %@ — %d failures, prevalence %.2f", mode.id, mode.count, mode.prevalence)
            if let f = mode.fixed, let b = mode.broke { out += " (vs best: fixed \(f), broke \(b))" }
            out += "\n\(mode.definition)\n"
            if !mode.recurring.isEmpty {
                out += "Recurring: " + mode.recurring.map { "\($0.part) (\($0.count) times)" }.joined(separator: ", ") + "\n"
                if let top = mode.recurring.first, !top.inputs.isEmpty {
                    out += "Inputs with \"\(top.part)\": " + top.inputs.map { "\"\($0)\"" }.joined(separator: " | ") + "\n"
                }
            }
            for e in mode.examples.prefix(examples) {
                out += "- input: \(clip(e.input, 400))\n  reply: \(clip(e.reply, 300))\n  answer: \(clip(e.answer, 120)); expected: \(clip(e.expected, 200))"
                out += (e.detail.map { "; \(clip($0, 120))" } ?? "") + "\n"
                if let v = e.verdict { out += "  \(clip(v, 400))\n" }
            }
        }
        let rest = modes.filter { m in m.count > 0 && !shown.contains { $0.id == m.id } }
        if !rest.isEmpty { out += "\nOther modes: " + rest.map { "\($0.id) \($0.count)" }.joined(separator: ", ") + "\n" }
        return out
    }

    public var json: JSONValue {
        var o = EvalReport(pack: "", split: "", model: "", metrics: metrics, ledger: [], cost: nil, resultsFile: nil, stoppedBy: nil).json.object ?? [:]
        for k in ["pack", "split", "model", "cost"] { o[k] = nil }
        o["label"] = .string(label)
        o["warnings"] = .array(warnings.map(JSONValue.string))
        o["modes"] = .array(modes.map { m in
            var v: [String: JSONValue] = ["id": .string(m.id), "definition": .string(m.definition), "count": .int(Int64(m.count)),
                                          "lost_score": .double(m.lostScore), "prevalence": .double(m.prevalence),
                                          "shown": .bool(shown.contains { $0.id == m.id }),
                                          "examples": .array(m.examples.map { e in
                                              ["id": .string(e.id), "input": .string(e.input), "reply": .string(e.reply),
                                               "answer": .string(e.answer), "expected": .string(e.expected),
                                               "detail": e.detail.map(JSONValue.string) ?? .null, "verdict": e.verdict.map(JSONValue.string) ?? .null]
                                          })]
            if let f = m.fixed { v["fixed"] = .int(Int64(f)) }
            if let b = m.broke { v["broke"] = .int(Int64(b)) }
            return .object(v)
        })
        return .object(o)
    }
}

func clip(_ s: String, _ n: Int) -> String {
    let flat = s.replacingOccurrences(of: "\n", with: " ⏎ ")
    return flat.count <= n ? flat : String(flat.prefix(n)) + "…"
}
