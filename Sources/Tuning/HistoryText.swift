import Foundation

/// A pack's tuning history as `rpt show` prints it: each version, its test gain with intervals,
/// the modes that changed and the sections edited. Every text from the history is escaped and cut
/// (it is another team's file, printed to a terminal).
public enum HistoryText {
    static let width = 120

    public static func render(_ history: PackHistory, indent: String = "  ") -> String {
        guard !history.entries.isEmpty else { return indent + "tuning history: none (history.json lists no export)\n" }
        var out = indent + "tuning history (\(history.entries.count) export\(history.entries.count == 1 ? "" : "s"), newest last):\n"
        let i2 = indent + "  ", i3 = indent + "    "
        for e in history.entries {
            let day = e.date.prefix(10)
            out += i2 + "\(c(e.version)) from \(c(e.fromVersion)), exported \(c(String(day))) from run \(c(e.run))\n"
            out += i3 + "models: " + ["target", "optimizer", "critic", "judge"].compactMap { r in e.models[r].map { "\(r) \(c($0))" } }.joined(separator: ", ") + "\n"
            out += i3 + "test: \(score(e.testInitial)) -> \(score(e.testBest)) on \(e.testExamples) examples, gain "
                + String(format: "%+.3f", e.gain.value) + (e.gain.lower.map { String(format: " (95%% CI %+.3f to %+.3f)", $0, e.gain.upper ?? $0) } ?? "") + "\n"
            out += i3 + String(format: "dev: %.3f -> %.3f", e.devInitial, e.devBest) + " (stopped: \(c(e.stopReason)))\n"
            let changed = e.modes.filter { $0.testInitial != $0.testBest || $0.fixed > 0 || $0.broke > 0 }
            if changed.isEmpty { out += i3 + "failure modes on test: none changed\n" }
            else {
                out += i3 + "failure modes on test (initial -> best):\n"
                let w = min(32, changed.map { c($0.mode).count }.max() ?? 0)
                for m in changed.prefix(12) {
                    let name = c(m.mode)
                    out += i3 + "  " + name + String(repeating: " ", count: max(0, w - name.count))
                        + "  \(m.testInitial) -> \(m.testBest)  (fixed \(m.fixed), broke \(m.broke))"
                        + (m.editedBy.isEmpty ? "" : "  by " + m.editedBy.prefix(3).map(c).joined(separator: ", ")) + "\n"
                }
                if changed.count > 12 { out += i3 + "  ... and \(changed.count - 12) more (history.json)\n" }
            }
            let kept = e.edits.filter(\.kept).count
            out += i3 + "edits: \(e.edits.count) tried, \(kept) kept"
                + (e.promptDiff.isEmpty ? "" : "; sections " + e.promptDiff.prefix(8).map { "\($0.change.rawValue) \(c($0.section))" }.joined(separator: ", ")) + "\n"
        }
        return out
    }

    static func c(_ s: String) -> String { UntrustedText.clean(s, max: 80) }

    static func score(_ s: PackHistory.Score) -> String {
        String(format: "%.3f", s.value) + (s.lower.map { String(format: " [%.3f, %.3f]", $0, s.upper ?? $0) } ?? "")
    }
}
