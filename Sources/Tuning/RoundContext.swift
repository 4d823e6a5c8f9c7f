import Foundation
import TaskPack

/// What a round starts from: the state the loop carries between rounds, and the text the
/// optimizer reads first.
extension Tuner {
    /// The best prompt so far with its results (the pairs the next candidate is compared on).
    struct Incumbent {
        var program: PromptProgram
        var dev: [ExampleResult]
        var devScore: Double
        var train: [ExampleResult]
        var round: Int
        /// Its results on the pack's regression cases (empty without them): what a candidate may not break.
        var regression: [ExampleResult] = []
    }

    /// What one round hands the next: the best prompt so far, the optimizer's bounded memory
    /// (the last reports and the history lines), every prompt already scored, and the rounds
    /// without a real dev gain.
    struct LoopState {
        var best: Incumbent
        var reports: [DiagnosticReport]
        var history: [String] = []
        var tried: [PromptProgram: String] = [:]
        var streak = 0
    }

    /// What the optimizer reads at the start of a round: bounded, whatever the round number.
    func roundContext(round: Int, best: Incumbent, history: [String], reports: [DiagnosticReport]) -> String {
        let spec = runtime.spec
        var out = "# Round \(round) of at most \(settings.rounds)\n\nTask: \(spec.description)\n"
        out += "Replies must be \(spec.output == .json ? "JSON" : "text") that the task's parser reads"
        out += spec.contract.isEmpty ? ".\n" : "; every prompt must keep: " + spec.contract.map { "\"\($0)\"" }.joined(separator: ", ") + ".\n"
        out += String(format: "\n## Current best prompt (dev score %.3f, from round %d), by section\n", best.devScore, best.round)
        out += "### system\n\(best.program.system)\n"
        for s in best.program.sections { out += "### \(s.id)\(s.frozen ? " (frozen: kept as it is)" : "")\n\(s.text)\n" }
        if let earlierTuning { out += "\n## Earlier tuning of this pack\n" + earlierTuning }
        out += "\n## History\n" + (history.isEmpty ? "No candidates yet.\n" : history.suffix(12).joined(separator: "\n") + "\n")
        out += "\n## Latest reports (most recent last)\n\n" + reports.map { $0.text() }.joined(separator: "\n")
        out += "\n## Your move\n"
        if let top = reports.last?.shown.first {
            out += "The costliest failure mode now is '\(top.id)': \(top.definition). Start with rules that prevent it.\n"
        }
        out += "Propose up to \(settings.candidatesPerRound) candidates this round, each with one edit_section call, or call stop. "
            + "A good edit adds a section of guidance (or rewrites an open section): a few short rules in full sentences, "
            + "in general terms, that would have prevented the failures above. Example call:\n"
            + #"{"tool": "edit_section", "arguments": {"section": "guidance", "text": "Rules:\n- <a rule>\n- <another rule>", "modes": ["<a failure mode>"]}}"#
        return out
    }
}
