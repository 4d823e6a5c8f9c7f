import Foundation

/// The prompt file format, one reader and one writer: a run's `best_prompt.md`, an exported
/// pack's `prompt.md` (read by `rpt.prompt_file`) and `rpt eval --prompt FILE.md`. Headings are
/// `## System`, `## Section ID [(frozen)]` or `## Instruction`; every other line, `## ` ones
/// included, is text. A prompt written by `markdown` always reads back to the same prompt
/// (tuning refuses a prompt with a line that would read as a heading).
public enum PromptFile {
    /// What a prompt file holds: a plain instruction (no heading at all), or a system text (nil
    /// without a `## System` heading) and sections (empty without a section heading).
    public enum Parsed: Sendable, Equatable {
        case plain(String)
        case sectioned(system: String?, sections: [PromptSection])
    }

    public struct Problem: Error, Sendable, CustomStringConvertible {
        /// The 1-based line it is about, when there is one.
        public let line: Int?
        public let message: String
        public var description: String { line.map { "line \($0): \(message)" } ?? message }
    }

    /// The most a prompt file may weigh: it is read whole, and a prompt is sent with every request.
    public static let maxBytes = 1 << 20

    public static func parse(_ text: String) throws(Problem) -> Parsed {
        var system: String?, sections: [PromptSection] = []
        var heading: (id: String, frozen: Bool, line: Int)?, body: [Substring] = []
        func close() throws(Problem) {
            let t = body.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
            body = []
            guard let h = heading else { return }
            if h.id == "system" {
                guard system == nil else { throw Problem(line: h.line, message: "a second '## System' heading: a prompt has one system text") }
                system = t
            } else {
                guard !sections.contains(where: { $0.id == h.id }) else {
                    throw Problem(line: h.line, message: "the section name '\(h.id)' is used twice")
                }
                sections.append(PromptSection(id: h.id, text: t, frozen: h.frozen))
            }
        }
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard let h = Self.heading(of: line) else { body.append(line); continue }
            if heading == nil, !body.joined().trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw Problem(line: i + 1, message: "text before the first '## System' or '## Section NAME' heading: put it under a heading, or drop the headings for a plain instruction")
            }
            try close()
            heading = (h.id, h.frozen, i + 1)
        }
        guard heading != nil else { return .plain(text.trimmingCharacters(in: .whitespacesAndNewlines)) }
        try close()
        return .sectioned(system: system, sections: sections)
    }

    /// By section, as `best_prompt.md` shows it; `parse` reads it back to the same prompt.
    public static func markdown(system: String, sections: [PromptSection]) -> String {
        var out = "## System\n\n\(system)\n"
        for s in sections { out += "\n## Section \(s.id)\(s.frozen ? " (frozen)" : "")\n\n\(s.text)\n" }
        return out
    }

    /// `## System`, `## Instruction` or `## Section ID [(frozen)]`: the only headings a prompt
    /// file has; any other line is text.
    public static func heading(of line: Substring) -> (id: String, frozen: Bool)? {
        guard line.hasPrefix("## ") else { return nil }
        let words = line.dropFirst(3).split(separator: " ").map(String.init)
        switch (words.first, words.count) {
        case ("System", 1): return ("system", false)
        case ("Instruction", 1): return ("instruction", false)
        case ("Section", 2) where PromptSection.isValidID(words[1]): return (words[1], false)
        case ("Section", 3) where PromptSection.isValidID(words[1]) && words[2] == "(frozen)": return (words[1], true)
        default: return nil
        }
    }
}

extension PromptFile {
    /// `rpt.prompt_file(path)` while task.lua loads: the pack's own file (PackFiles' rules), as
    /// the `prompt` table task.lua would otherwise write inline. A file without a `## System`
    /// heading has no system text; a plain file is one `instruction` section.
    static func promptTable(_ relative: String, in root: URL) throws(PackError) -> TaskSpec.Prompt {
        let path: String
        do { path = try PackFiles.resolve(relative, in: root, maxBytes: maxBytes) } catch {
            throw PackError(relative, error == .missing ? "no such prompt file in the pack (rpt.prompt_file reads a file of the pack, e.g. \"prompt.md\")" : error.message)
        }
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw PackError(relative, "cannot read the prompt file (it must be UTF-8 text)")
        }
        let parsed: Parsed
        do { parsed = try parse(text) } catch { throw PackError(error.line.map { "\(relative):\($0)" } ?? relative, error.message) }
        switch parsed {
        case .plain(let text): return TaskSpec.Prompt(system: "", instruction: text)
        case .sectioned(let system, let sections):
            guard !sections.isEmpty else { throw PackError(relative, "no '## Section NAME' (or '## Instruction') heading: the prompt has no instruction") }
            return TaskSpec.Prompt(system: system ?? "", sections: sections)
        }
    }
}
