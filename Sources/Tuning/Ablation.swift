import Foundation
import LuaHost
import ModelClient
import TaskPack

/// Patch ablation (issue 17): what each section edit of the best prompt, since the initial one,
/// contributes on dev. Each edit is reverted alone and the result paired with the best prompt's
/// dev results; an edit is removed when the prompt without it is no longer and no worse, and
/// the removals are checked again together. Pure decisions here; `Tuner.ablate` runs them.
public enum Ablation {
    /// One difference between the initial and the best prompt, by section.
    public struct Edit: Sendable, Equatable {
        public enum Change: String, Sendable {
            /// The system text was rewritten ("system").
            case system
            /// A section of the initial prompt has another text.
            case edited
            /// A section the initial prompt does not have.
            case added
            /// A section of the initial prompt the best one lacks.
            case removed
        }
        public var section: String
        public var change: Change

        public init(section: String, change: Change) {
            self.section = section
            self.change = change
        }
    }

    /// The most a removal may lose on dev and still count as no worse: the one-sided upper bound
    /// (at the run's `--level`) of the paired mean of best minus ablated.
    public static let margin = 0.01

    /// The edits from `initial` to `best`: the system text first, then the best prompt's sections
    /// in order, then the sections it dropped, in the initial prompt's order.
    public static func edits(initial: PromptProgram, best: PromptProgram) -> [Edit] {
        var out: [Edit] = initial.system == best.system ? [] : [Edit(section: "system", change: .system)]
        for s in best.sections {
            if let was = initial.section(s.id) {
                if was.text != s.text { out.append(Edit(section: s.id, change: .edited)) }
            } else {
                out.append(Edit(section: s.id, change: .added))
            }
        }
        for s in initial.sections where best.section(s.id) == nil { out.append(Edit(section: s.id, change: .removed)) }
        return out
    }

    /// `p` with `edit` undone: the section (or the system text) as the initial prompt has it,
    /// an added section dropped, a dropped one put back after the sections that precede it.
    public static func reverting(_ p: PromptProgram, _ edit: Edit, initial: PromptProgram) -> PromptProgram {
        var out = p
        switch edit.change {
        case .system:
            out.system = initial.system
        case .edited:
            if let i = out.sections.firstIndex(where: { $0.id == edit.section }), let was = initial.section(edit.section) { out.sections[i] = was }
        case .added:
            out.sections.removeAll { $0.id == edit.section }
        case .removed:
            guard out.section(edit.section) == nil, let at = initial.sections.firstIndex(where: { $0.id == edit.section }) else { break }
            let before = Set(initial.sections[..<at].map(\.id))
            let position = (out.sections.lastIndex { before.contains($0.id) }).map { $0 + 1 } ?? 0
            out.sections.insert(initial.sections[at], at: position)
        }
        return out
    }

    /// What dropping an edit (or several) does on dev, paired with the best prompt's results.
    public struct Loss: Sendable, Equatable {
        /// Best minus ablated per dev example: the mean with its two-sided 95% interval.
        public var interval: Selection.Interval
        /// The one-sided upper bound of that mean at the run's level.
        public var upper: Double

        /// The rule: no worse when the prompt without the edit scores at least as well on the
        /// paired examples (as the tuner prefers a shorter prompt at the same dev score), or when
        /// what it loses is shown to be under `margin`. Without a single pair (every reply an API
        /// error) nothing is shown, so nothing is removed.
        public var noWorse: Bool { interval.n > 0 && (interval.mean <= 0 || upper <= Ablation.margin) }

        public init(best: [ExampleResult], ablated: [ExampleResult], level: Double, seed: UInt64) {
            let diffs = Selection.differences(ablated, best)
            interval = Selection.bootstrap(diffs, level: 0.95, seed: seed)
            upper = Selection.bootstrap(diffs, level: 1 - 2 * (1 - level), seed: seed).upper
        }

        var json: [String: JSONValue] {
            ["contribution": .double(interval.mean), "ci95": [.double(interval.lower), .double(interval.upper)],
             "upper": .double(upper), "paired_examples": .int(Int64(interval.n)), "no_worse": .bool(noWorse)]
        }
    }
}

/// What the ablation found and did: each edit's contribution, and the pruned prompt.
public struct AblationResult: Sendable {
    public struct Entry: Sendable {
        public var edit: Ablation.Edit
        /// The dev score of the best prompt with only this edit reverted.
        public var devScore: Double
        public var loss: Ablation.Loss
        /// Whether the pruned prompt goes without it.
        public var removed = false
        /// A run of words the edit shares with an optimization example, if any (flagged, not removed).
        public var copied: String?

        /// As the `ablation_edit` event records it (final.json adds whether it was removed).
        var fields: [String: JSONValue] {
            loss.json.merging(["section": .string(edit.section), "change": .string(edit.change.rawValue), "dev_score": .double(devScore),
                               "copied_from_train": copied.map(JSONValue.string) ?? .null]) { a, _ in a }
        }
    }

    public var entries: [Entry] = []
    /// The best prompt as the rounds left it, and its dev score.
    public var unpruned: PromptProgram
    public var unprunedDev: Double
    /// The dev score of the prompt the run keeps (the unpruned one's when nothing was removed).
    public var prunedDev: Double
    /// Why the ablation did not finish (a spent budget), when it did not.
    public var note: String?

    public var removed: [String] { entries.filter(\.removed).map(\.edit.section) }

    /// final.json's "ablation" (the unpruned prompt is its "unpruned_prompt") and summary.json's.
    public var json: JSONValue {
        ["unpruned_dev": .double(unprunedDev), "pruned_dev": .double(prunedDev),
         "removed": .array(removed.map(JSONValue.string)), "note": note.map(JSONValue.string) ?? .null,
         "edits": .array(entries.map { .object($0.fields.merging(["removed": .bool($0.removed)]) { a, _ in a }) })]
    }

    /// The summary table's line.
    public var line: String {
        if let note { return "  ablation       \(note)\n" }
        let parts = entries.map { e in
            String(format: "%@ '%@' %+.3f", e.removed ? "removed" : "kept", e.edit.section, e.loss.interval.mean) + (e.copied == nil ? "" : " (copies train text)")
        }
        return "  ablation       " + parts.joined(separator: ", ") + String(format: "; dev %.3f unpruned, %.3f kept\n", unprunedDev, prunedDev)
    }
}

/// Which edits repeat words of the optimization examples (issue 17: flagged, never removed).
/// The guardrail already rejects a candidate with 8 words in a row from any split; an edit that
/// passed it may still carry a shorter run from an example the optimizer was shown (a customer's
/// sentence), which fits those examples rather than the task.
public enum CopiedText {
    /// Words in a row that count as a copy.
    public static let run = 6

    /// The texts of an example a prompt should not repeat: its rendered input, its gold reply, a
    /// judge's reference reply, and its string fields other than the id.
    static func texts(of ex: Example, runtime: PackRuntime) -> [String] {
        var out = [(try? runtime.render(ex)) ?? nil, (try? runtime.gold(ex)) ?? nil, (try? runtime.reference(ex)) ?? nil].compactMap { $0 }
        out += ex.fields.filter { $0.key != runtime.spec.idField }.values.compactMap(\.string)
        return out
    }

    /// For each edited text (by name), the first run of `run` words it shares with the examples'
    /// texts, unless the initial prompt has that run too, or more than a quarter of the examples
    /// (and more than 2) have it: that is the task's own wording (a preamble `render` adds to every
    /// example), not one example's. Memory is the edits' runs only; the examples may come lazily.
    public static func find(_ edits: [String: String], examples: some Collection<[String]>, initial: PromptProgram) -> [String: String] {
        let allowed = Guardrails.ngrams(Guardrails.words(initial.system + " " + initial.instruction), n: run)
        var wanted: [Int: Int] = [:]                            // run hash -> examples that have it
        var runs: [String: [(hash: Int, text: String)]] = [:]
        for (name, text) in edits {
            let w = Guardrails.words(text)
            guard w.count >= run else { continue }
            let h = w.map(\.hashValue)
            runs[name] = (0...(w.count - run)).compactMap { i in
                let g = Guardrails.gramHash(h[i..<(i + run)])
                guard !allowed.contains(g) else { return nil }
                wanted[g] = 0
                return (g, w[i..<(i + run)].joined(separator: " "))
            }
        }
        guard !wanted.isEmpty else { return [:] }
        for texts in examples {
            var seen = Set<Int>()
            for t in texts { seen.formUnion(Guardrails.ngrams(Guardrails.words(t), n: run).filter { wanted[$0] != nil }) }
            for g in seen { wanted[g]! += 1 }
        }
        let common = max(2, examples.count / 4)
        var out: [String: String] = [:]
        for (name, list) in runs {
            if let hit = list.first(where: { (1...common).contains(wanted[$0.hash] ?? 0) }) { out[name] = hit.text }
        }
        return out
    }
}
