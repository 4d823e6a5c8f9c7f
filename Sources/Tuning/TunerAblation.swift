import Foundation
import LuaHost
import ModelClient
import TaskPack

/// The ablation step of a run, between the rounds and the test split (`Ablation` holds its rules).
extension Tuner {
    /// Ablates the best prompt's edits unless the budget runs out first: then the best prompt is
    /// kept unpruned, the event log and `stopReason` say so, and the run ends as any budget stop
    /// does (no test run). Returns the prompt the run keeps and what the ablation found.
    func ablate(initial: PromptProgram, best: Incumbent, stopReason: inout String) async throws -> (Incumbent, AblationResult?) {
        do { return try await ablateEdits(initial: initial, best: best) } catch {
            guard let message = Tuner.budgetMessage(error) else { throw error }
            let note = "stopped by the budget before it finished: the best prompt is kept unpruned"
            store.log("ablation_stopped", ["reason": .string(message), "note": .string(note)])
            progress("ablation: \(note)")
            stopReason = "budget: \(message) (during the ablation; the rounds had stopped by \(stopReason))"
            return (best, AblationResult(unpruned: best.program, unprunedDev: best.devScore, prunedDev: best.devScore, note: note))
        }
    }

    /// Each edit reverted alone on dev, paired with the best prompt's dev results (in hand; a
    /// reverted prompt scored before, such as an earlier best, comes from the run's cache). The
    /// edits whose removal is no worse and no longer are then removed one at a time, least useful
    /// first, each removal checked together with the ones before it against the best prompt on dev
    /// and by the safeguards (protected modes, regression cases), so the pruned prompt is itself
    /// scored and no worse. Every step is an event: a resumed run replays it from the cache.
    private func ablateEdits(initial: PromptProgram, best: Incumbent) async throws -> (Incumbent, AblationResult?) {
        let edits = Ablation.edits(initial: initial, best: best.program)
        guard settings.ablation, !edits.isEmpty else {
            let why = settings.ablation ? "the best prompt is the initial prompt: no edit to measure" : "turned off (--no-ablation)"
            store.log("ablation_skipped", ["reason": .string(why)])
            return (best, nil)
        }
        progress("ablation: \(edits.count) edit\(edits.count == 1 ? "" : "s") of the best prompt, each reverted on \(dev.count) dev examples")
        var texts: [String: String] = [:]
        for e in edits where e.change != .removed { texts[e.section] = e.change == .system ? best.program.system : best.program.section(e.section)?.text }
        let copied = CopiedText.find(texts, examples: train.lazy.map { [runtime] in CopiedText.texts(of: $0, runtime: runtime) }, initial: initial)
        var result = AblationResult(unpruned: best.program, unprunedDev: best.devScore, prunedDev: best.devScore)
        var alone: [[ExampleResult]] = []
        var candidates: [Int] = []
        for (i, edit) in edits.enumerated() {
            let program = Ablation.reverting(best.program, edit, initial: initial)
            let results = try await evaluate(program, dev, "ablation: without the edit of '\(edit.section)' on dev")
            let loss = Ablation.Loss(best: best.dev, ablated: results, level: settings.level, seed: settings.seed &+ 50_000 &+ UInt64(i))
            let entry = AblationResult.Entry(edit: edit, devScore: Metrics(results).score, loss: loss, copied: copied[edit.section])
            let noLonger = tokens(program) <= tokens(best.program)
            if entry.loss.noWorse && noLonger { candidates.append(i) }
            result.entries.append(entry)
            alone.append(results)
            store.log("ablation_edit", entry.fields.merging(["no_longer": .bool(noLonger)]) { a, _ in a })
            progress(String(format: "ablation: without '%@', dev %.3f (best %.3f): the edit contributes %+.3f, 95%% CI [%+.3f, %+.3f]",
                            edit.section, entry.devScore, best.devScore, entry.loss.interval.mean, entry.loss.interval.lower, entry.loss.interval.upper)
                     + (entry.copied.map { "; it copies \"\($0)\" from an optimization example" } ?? ""))
        }
        // Least useful first; the order of the prompt breaks ties, so a replay takes the same path.
        candidates.sort { (result.entries[$0].loss.interval.mean, $0) < (result.entries[$1].loss.interval.mean, $1) }
        var current = best
        for (step, i) in candidates.enumerated() {
            let program = Ablation.reverting(current.program, edits[i], initial: initial)
            let removing = result.removed + [edits[i].section]
            let names = removing.map { "'\($0)'" }.joined(separator: ", ")
            let first = current.program == best.program
            let results = first ? alone[i] : try await evaluate(program, dev, "ablation: without \(names) on dev")
            let loss = first ? result.entries[i].loss
                : Ablation.Loss(best: best.dev, ablated: results, level: settings.level, seed: settings.seed &+ 60_000 &+ UInt64(step))
            var record = loss.json
            var why = "with the edits removed before it, the prompt loses more than noise on dev: the edit is kept"
            if loss.noWorse {
                let guarded = try await safeguard(program, dev: results, best: best, seed: settings.seed &+ 70_000 &+ UInt64(step),
                                                  step: "ablation: without \(names) on the regression cases")
                record.merge(guarded.record) { a, _ in a }
                why = guarded.reason.map { "\($0): the edit is kept" } ?? "no worse on dev than the best prompt, and no longer: the edit is removed"
                if guarded.reason == nil {
                    current = Incumbent(program: program, dev: results, devScore: Metrics(results).score, train: [], round: best.round,
                                        regression: guarded.regression.isEmpty ? current.regression : guarded.regression)
                    result.entries[i].removed = true
                }
            }
            store.log("ablation_removal", record.merging(["section": .string(edits[i].section), "removing": .array(removing.map(JSONValue.string)),
                                                          "dev_score": .double(Metrics(results).score), "accepted": .bool(result.entries[i].removed),
                                                          "why": .string(why)]) { a, _ in a })
        }
        result.prunedDev = current.devScore
        let kept = result.entries.filter { !$0.removed }.map(\.edit.section)
        store.log("ablation_finished", ["removed": .array(result.removed.map(JSONValue.string)), "kept": .array(kept.map(JSONValue.string)),
                                        "dev_score": .double(current.devScore), "unpruned_dev_score": .double(best.devScore),
                                        "tokens_so_far": RoundTokens.fields(round: 0, ledger: ledger)["tokens_so_far"] ?? .null])
        progress(String(format: "ablation: %d of %d edits removed%@; dev %.3f (unpruned %.3f)", result.removed.count, edits.count,
                        result.removed.isEmpty ? "" : " (" + result.removed.joined(separator: ", ") + ")", current.devScore, best.devScore))
        return (current, result)
    }
}
