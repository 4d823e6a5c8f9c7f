import Foundation
import TaskPack

/// Checks a candidate prompt before it costs anything: it must keep the pack's output contract,
/// must not talk about the optimizer's own machinery, and must not paste examples or gold
/// answers from any split (found by 8-word overlap, and whole inputs of 4+ words).
public struct Guardrails: Sendable {
    public static let ngram = 8
    /// Fewer words than this in an edited section is not guidance (small optimizers send a word).
    public static let shortest = 6
    let contract: [String]
    let leaks: Set<Int>
    let wholeInputs: Set<String>
    let metaNgrams: Set<Int>
    /// The optimizer's tool names that no task prompt has a reason to say ("stop" is a word).
    static let toolNames = ["edit_section", "evaluate_edit", "show_failures", "evaluate_prompt", "submit_candidate"]

    /// `texts`: every example's rendered input and gold reply, all splits. N-grams the pack's
    /// own starting prompt has are allowed.
    public init(contract: [String], texts: [String], inputs: [String], initial: PromptProgram, optimizerInstructions: String) {
        self.contract = contract
        let own = Guardrails.ngrams(Guardrails.words(initial.system + " " + initial.instruction))
        var leaks = Set<Int>()
        for t in texts { leaks.formUnion(Guardrails.ngrams(Guardrails.words(t))) }
        self.leaks = leaks.subtracting(own)
        // Inputs of 8 words or more are caught by the n-grams; shorter ones are matched whole.
        var whole = Set<String>()
        for input in inputs {
            let w = Guardrails.words(input)
            if (4..<Guardrails.ngram).contains(w.count) { whole.insert(w.joined(separator: " ")) }
        }
        let initialWords = Guardrails.words(initial.system + " " + initial.instruction)
        wholeInputs = whole.subtracting(Guardrails.windows(initialWords, longest: Guardrails.ngram - 1))
        metaNgrams = Guardrails.ngrams(Guardrails.words(optimizerInstructions)).subtracting(own)
    }

    /// Why the candidate is rejected, or nil if it may be tried. With the edited `section` and
    /// the `best` prompt it was made from, the reason says exactly what to keep or change.
    public func rejection(_ p: PromptProgram, section: String? = nil, best: PromptProgram? = nil) -> String? {
        let at = section.map { " (section '\($0)')" } ?? ""
        if let section, let best, best.section(section)?.frozen == true {
            let open = best.sections.filter { !$0.frozen }.map { "'\($0.id)'" }.joined(separator: ", ")
            return "section '\(section)' is frozen: rpt keeps it as it is. Edit \(open), or add a section under a new name"
        }
        if let section, section.lowercased() != "system", p.section(section) == nil {
            return "the text is empty: write the section's complete new text"
        }
        if let best, p == best { return "it changes nothing: the text is the same as the current one" }
        if let section, let best, let text = p.section(section)?.text,
           let frozen = best.sections.first(where: { $0.frozen && Guardrails.repeats(text, $0.text) }) {
            return "the text of section '\(section)' repeats the frozen section '\(frozen.id)', which rpt keeps as it is: "
                + "write guidance for the failure modes (rules in full sentences), not the list again"
        }
        if let section, let text = section.lowercased() == "system" ? p.system : p.section(section)?.text,
           Guardrails.words(text).count < Guardrails.shortest {
            return "the text of section '\(section)' is too short to guide the task model: write its complete text, a few full sentences"
        }
        let text = p.system + "\n" + p.instruction
        if p.instruction.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return "the instruction is empty" }
        if let line = p.headingLine { return "it has the line \"\(line)\"\(at), which prompt files use as a heading: word it another way" }
        let lower = text.lowercased()
        if let missing = contract.first(where: { !lower.contains($0.lowercased()) }) {
            var why = "it drops the output contract: the prompt must keep the word \"\(missing)\" (the pack's parser depends on it)"
            if let had = best?.sections.first(where: { $0.text.lowercased().contains(missing.lowercased()) }) {
                why += "; section '\(had.id)' has it in the best prompt: keep it there"
            }
            return why
        }
        if let tool = Guardrails.toolNames.first(where: { lower.contains($0) }) {
            return "it talks about the tuning tools (\(tool))\(at): write only what the task model needs to do the task"
        }
        let words = Guardrails.words(text)
        if let hit = firstHit(words, metaNgrams) { return "it copies the optimizer's own instructions (\"\(hit)\")\(at)" }
        if let hit = firstHit(words, leaks) {
            return "it pastes text from the task's examples or gold answers (\"\(hit)\")\(at): describe the pattern in your own words"
        }
        if let input = Guardrails.windows(words, longest: Guardrails.ngram - 1).first(where: wholeInputs.contains) {
            return "it pastes an example input from the data (\"\(input)\")\(at): describe the pattern in your own words"
        }
        return nil
    }

    func firstHit(_ words: [String], _ set: Set<Int>) -> String? {
        guard words.count >= Guardrails.ngram else { return nil }
        let h = words.map(\.hashValue)
        for i in 0...(words.count - Guardrails.ngram) where set.contains(Guardrails.gramHash(h[i..<(i + Guardrails.ngram)])) {
            return words[i..<(i + Guardrails.ngram)].joined(separator: " ")
        }
        return nil
    }

    /// Whether most of `text` is a copy of `frozen`: half or more of its runs of 3 words are in it.
    /// (Small optimizers rewrite a frozen label list instead of writing guidance.)
    static func repeats(_ text: String, _ frozen: String) -> Bool {
        func grams(_ w: [String]) -> [String] { w.count < 3 ? [] : (0...(w.count - 3)).map { w[$0..<($0 + 3)].joined(separator: " ") } }
        let mine = grams(words(text))
        guard mine.count >= 3 else { return false }
        let theirs = Set(grams(words(frozen)))
        return mine.filter(theirs.contains).count * 2 >= mine.count
    }

    /// Every run of 4 to `longest` consecutive words, joined by spaces.
    static func windows(_ w: [String], longest: Int) -> [String] {
        guard w.count >= 4, longest >= 4 else { return [] }
        var out: [String] = []
        for i in 0...(w.count - 4) {
            for n in 4...min(longest, w.count - i) { out.append(w[i..<(i + n)].joined(separator: " ")) }
        }
        return out
    }

    /// Lower-cased words: runs of ASCII letters and digits, and of any non-ASCII bytes (fast, and
    /// the same on both sides of every comparison).
    static func words(_ s: String) -> [String] {
        var out: [String] = []
        var word: [UInt8] = []
        for var b in s.utf8 {
            let isWord = (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b >= 0x80
            if isWord {
                if b >= 0x41 && b <= 0x5A { b += 0x20 }
                word.append(b)
            } else if !word.isEmpty {
                out.append(String(decoding: word, as: UTF8.self))
                word.removeAll(keepingCapacity: true)
            }
        }
        if !word.isEmpty { out.append(String(decoding: word, as: UTF8.self)) }
        return out
    }

    /// Hashes of every run of `n` words (each word hashed once, runs combined without joins).
    static func ngrams(_ w: [String], n: Int = ngram) -> Set<Int> {
        guard w.count >= n else { return [] }
        let h = w.map(\.hashValue)
        return Set((0...(w.count - n)).map { gramHash(h[$0..<($0 + n)]) })
    }

    static func gramHash(_ hashes: ArraySlice<Int>) -> Int {
        var hasher = Hasher()
        for x in hashes { hasher.combine(x) }
        return hasher.finalize()
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
