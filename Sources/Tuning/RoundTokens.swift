import Foundation
import LuaHost
import ModelClient

/// Tokens by role as the run goes: the `round_tokens` event after the baseline and after each
/// round carries the run's totals so far, live and cached replies together. A resumed run replays
/// its calls from the cache, so only that sum (not live or cached apart, not retries) comes out
/// the same again, and every logged event must.
public enum RoundTokens {
    public struct Count: Sendable, Equatable {
        public var calls = 0, input = 0, output = 0
        public var total: Int { input + output }
        static func - (a: Count, b: Count) -> Count { Count(calls: a.calls - b.calls, input: a.input - b.input, output: a.output - b.output) }
    }

    /// The event's fields: the round and, by role, the calls and tokens so far.
    static func fields(round: Int, ledger: UsageLedger) -> [String: JSONValue] {
        var byRole: [String: Count] = [:]
        for l in ledger.lines {
            var c = byRole[l.role] ?? Count()
            c.calls += l.calls
            c.input += l.usage.inputTokens + l.cachedUsage.inputTokens
            c.output += l.usage.outputTokens + l.cachedUsage.outputTokens
            byRole[l.role] = c
        }
        return ["round": .int(Int64(round)), "tokens_so_far": .object(byRole.mapValues {
            ["calls": .int(Int64($0.calls)), "input_tokens": .int(Int64($0.input)), "output_tokens": .int(Int64($0.output))]
        })]
    }

    /// Read back from an event.
    static func counts(_ v: JSONValue?) -> [String: Count] {
        (v?.object ?? [:]).mapValues { Count(calls: RunRecord.int($0["calls"]) ?? 0, input: RunRecord.int($0["input_tokens"]) ?? 0,
                                             output: RunRecord.int($0["output_tokens"]) ?? 0) }
    }

    /// summary.json's ledger lines as the same sums (the whole run, final test included).
    static func counts(summary lines: [JSONValue]) -> [String: Count] {
        var out: [String: Count] = [:]
        for l in lines {
            guard let role = l["role"]?.string else { continue }
            var c = out[role] ?? Count()
            for part in ["live", "cached"] {
                c.calls += RunRecord.int(l[part]?["calls"]) ?? 0
                c.input += RunRecord.int(l[part]?["input_tokens"]) ?? 0
                c.output += RunRecord.int(l[part]?["output_tokens"]) ?? 0
            }
            out[role] = c
        }
        return out
    }

    /// Each step's own tokens by role: rounds (and the ablation) from the differences of the totals
    /// so far, and the final test as summary.json's totals minus the last step's.
    static func perStep(_ r: RunRecord) -> [(label: String, byRole: [String: Count])] {
        var out: [(String, [String: Count])] = []
        var last: [String: Count] = [:]
        func step(_ label: String, _ now: [String: Count]) {
            out.append((label, now.reduce(into: [:]) { acc, kv in acc[kv.key] = kv.value - (last[kv.key] ?? Count()) }))
            last = now
        }
        for round in r.tokensSoFar.keys.sorted() { step(round == 0 ? "initial prompt" : "round \(round)", r.tokensSoFar[round]!) }
        if let now = r.ablation.tokensSoFar, !out.isEmpty { step("ablation", now) }
        if !r.tokens.isEmpty, !out.isEmpty {
            step("final test", counts(summary: r.tokens))
            if !out.last!.1.values.contains(where: { $0.calls > 0 }) { out.removeLast() }
        }
        return out
    }
}

extension RoundTokens {
    /// The report's "Tokens per round": a bar per role and step, and the table of its numbers.
    static func html(_ r: RunRecord) -> String {
        let h = ReportHTML.self
        let steps = perStep(r)
        guard !steps.isEmpty else {
            return h.missing("The event log has no round_tokens events (a run folder from an rpt before they were logged): "
                             + "only the run's totals above are recorded.")
        }
        let roles = Set(steps.flatMap(\.byRole.keys)).sorted()
        let (top, ticks) = SVGPlot.countAxis(steps.flatMap(\.byRole.values).map(\.total).max() ?? 1)
        var p = SVGPlot(x: -0.6...(Double(steps.count) - 0.4), y: 0...top)
        p.axes(xTicks: steps.enumerated().map { (Double($0.offset), $0.element.label) }, xLabel: "step", yLabel: "tokens (in + out)",
               yTicks: ticks, yFormat: "%.0f")
        let w = 0.8 / Double(max(1, roles.count))
        for (i, s) in steps.enumerated() {
            for (j, role) in roles.enumerated() {
                let c = s.byRole[role] ?? Count()
                p.bar(Double(i) - 0.4 + w * (Double(j) + 0.5), width: w * 0.9, Double(c.total), color: SVGPlot.palette[j % SVGPlot.palette.count],
                      title: "\(s.label), \(role): \(c.calls) calls, \(c.input) in, \(c.output) out")
            }
        }
        p.legend(roles.enumerated().map { ($0.element, SVGPlot.palette[$0.offset % SVGPlot.palette.count], true) })
        let rows = steps.map { s in
            [h.esc(s.label)] + roles.map { role in
                let c = s.byRole[role] ?? Count()
                return "\(c.calls) calls · \(c.input) in · \(c.output) out"
            } + [String(s.byRole.values.map(\.total).reduce(0, +))]
        }
        return p.svg(label: "tokens per round") + h.table(["step"] + roles + ["tokens"], rows)
            + "<p class=\"muted\">Live calls and replies from the cache together (a resumed run replays from its cache); "
            + "the final test is summary.json's totals minus those after the last round (or the ablation).</p>\n"
    }
}
