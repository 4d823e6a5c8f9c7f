import Foundation
import TaskPack

/// Checks a candidate prompt before it costs anything: it must keep the pack's output contract,
/// must not talk about the optimizer's own machinery, and must not paste examples or gold
/// answers from any split (found by 8-word overlap, and whole inputs of 4+ words).
public struct Guardrails: Sendable {
    public static let ngram = 8
    let contract: [String]
    let leaks: Set<Int>
    let wholeInputs: Set<String>
    let metaNgrams: Set<Int>
    static let toolNames = ["evaluate_prompt", "show_failures", "submit_candidate"]

    /// `texts`: every example's rendered input and gold reply, all splits. N-grams the pack's
    /// own starting prompt has are allowed.
    public init(contract: [String], texts: [String], inputs: [String], initial: PromptProgram, optimizerInstructions: String) {
        self.contract = contract
        let own = Guardrails.ngrams(Guardrails.words(initial.system + " " + initial.instruction))
        var leaks = Set<Int>()
        for t in texts { leaks.formUnion(Guardrails.ngrams(Guardrails.words(t))) }
        self.leaks = leaks.subtracting(own)
        let ownText = " " + Guardrails.words(initial.system + " " + initial.instruction).joined(separator: " ") + " "
        wholeInputs = Set(inputs.map { Guardrails.words($0).joined(separator: " ") }
            .filter { $0.split(separator: " ").count >= 4 && !ownText.contains(" \($0) ") })
        metaNgrams = Guardrails.ngrams(Guardrails.words(optimizerInstructions)).subtracting(own)
    }

    /// Why the candidate is rejected, or nil if it may be tried.
    public func rejection(_ p: PromptProgram) -> String? {
        let text = p.system + "\n" + p.instruction
        if p.instruction.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return "the instruction is empty" }
        let lower = text.lowercased()
        if let missing = contract.first(where: { !lower.contains($0.lowercased()) }) {
            return "it drops the output contract: the prompt must keep \"\(missing)\" (the pack's extract depends on it)"
        }
        if let tool = Guardrails.toolNames.first(where: { lower.contains($0) }) {
            return "it talks about the optimizer's tools (\(tool)): a prompt is for the task model, not an edit of the optimizer"
        }
        let words = Guardrails.words(text)
        if let hit = firstHit(words, metaNgrams) { return "it copies the optimizer's own instructions (\"\(hit)\")" }
        if let hit = firstHit(words, leaks) {
            return "it pastes text from the task's examples or gold answers (\"\(hit)\"): describe patterns instead of copying data"
        }
        let joined = " " + words.joined(separator: " ") + " "
        if let input = wholeInputs.first(where: { joined.contains(" \($0) ") }) {
            return "it pastes an example input from the data (\"\(input)\")"
        }
        return nil
    }

    func firstHit(_ words: [String], _ set: Set<Int>) -> String? {
        guard words.count >= Guardrails.ngram else { return nil }
        for i in 0...(words.count - Guardrails.ngram) {
            let gram = words[i..<(i + Guardrails.ngram)]
            if set.contains(gram.joined(separator: " ").hashValue) { return gram.joined(separator: " ") }
        }
        return nil
    }

    static func words(_ s: String) -> [String] {
        s.lowercased().split { !($0.isLetter || $0.isNumber) }.map(String.init)
    }

    static func ngrams(_ w: [String]) -> Set<Int> {
        guard w.count >= ngram else { return [] }
        return Set((0...(w.count - ngram)).map { w[$0..<($0 + ngram)].joined(separator: " ").hashValue })
    }

    /// A warning when replies stop parsing: format errors at 0.5 or more, or up 0.25 on the best.
    public static func parseCollapse(candidate: Metrics, best: Metrics) -> String? {
        let now = candidate.formatErrorRate, before = best.formatErrorRate
        if now >= 0.5 || now - before >= 0.25 {
            return String(format: "parse collapse: %.0f%% of replies could not be read (best prompt: %.0f%%)", now * 100, before * 100)
        }
        return nil
    }
}
