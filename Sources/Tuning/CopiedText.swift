import Foundation
import TaskPack

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
