import Foundation
import LuaHost
import ModelClient
import TaskPack

/// A prompt as rpt tunes it: system text and an instruction made of named sections (a plain
/// instruction is one section); the pack's `render` adds the example. The user turn is the
/// instruction, a blank line, and the rendered example.
public struct PromptProgram: Sendable, Equatable, Hashable {
    public var system: String
    public var sections: [PromptSection]

    public init(system: String, sections: [PromptSection]) {
        self.system = system
        self.sections = sections
    }

    public init(system: String, instruction: String) {
        self.init(system: system, sections: [PromptSection(id: "instruction", text: instruction)])
    }

    /// The pack's prompt, each text trimmed as tuning and prompt files keep them.
    public init(_ p: TaskSpec.Prompt) {
        let trim = { (s: String) in s.trimmingCharacters(in: .whitespacesAndNewlines) }
        self.init(system: trim(p.system), sections: p.sections.map { PromptSection(id: $0.id, text: trim($0.text), frozen: $0.frozen) })
    }

    public var instruction: String { PromptSection.join(sections) }

    public func section(_ id: String) -> PromptSection? { sections.first { $0.id == id } }

    /// This prompt with one section's text replaced, or a new section added after the last
    /// unfrozen one (so a frozen label list or output format stays where the pack put it).
    /// An empty text removes an unfrozen section. Frozen sections cannot be changed.
    public func editing(_ id: String, text: String) -> PromptProgram {
        var out = self
        let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if let i = sections.firstIndex(where: { $0.id == id }) {
            if text.isEmpty { out.sections.remove(at: i) } else { out.sections[i].text = text }
        } else if !text.isEmpty {
            let at = (sections.lastIndex { !$0.frozen }).map { $0 + 1 } ?? 0
            out.sections.insert(PromptSection(id: id, text: text), at: at)
        }
        return out
    }

    /// A line of the prompt that would read as a heading in `best_prompt.md`, if any: such a
    /// prompt could not be read back exactly, so tuning refuses it.
    public var headingLine: String? {
        for text in [system] + sections.map(\.text) {
            if let line = text.split(separator: "\n").first(where: { PromptFile.heading(of: $0) != nil }) { return String(line) }
        }
        return nil
    }

    /// The chat messages for one rendered example.
    public func messages(for rendered: String) -> [ChatMessage] {
        var out: [ChatMessage] = []
        if !system.isEmpty { out.append(.system(system)) }
        let instruction = self.instruction
        out.append(.user(instruction.isEmpty ? rendered : instruction + "\n\n" + rendered))
        return out
    }

    public var json: JSONValue {
        ["system": .string(system), "instruction": .string(instruction),
         "sections": .array(sections.map { ["id": .string($0.id), "text": .string($0.text), "frozen": .bool($0.frozen)] })]
    }

    /// By section, as `best_prompt.md` shows it; `load` reads it back to the same prompt.
    public var markdown: String { PromptFile.markdown(system: system, sections: sections) }

    /// Reads a prompt file: JSON (as rpt writes it, or `{"system": ..., "instruction": ...}`),
    /// Markdown as `markdown` writes it (`PromptFile`'s headings), or plain text (the
    /// instruction; the system text stays the pack's).
    public static func load(path: String, default base: PromptProgram) throws -> PromptProgram {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw PackError(path, "cannot read the prompt file (it must be UTF-8 text)")
        }
        if path.hasSuffix(".json") {
            guard let v = try? JSON.decode(text), let p = from(json: v, system: base.system) else {
                throw PackError(path, "a JSON prompt file is {\"system\": \"...\", \"instruction\": \"...\"} or rpt's best_prompt.json")
            }
            return p
        }
        let parsed: PromptFile.Parsed
        do { parsed = try PromptFile.parse(text) } catch { throw PackError(error.line.map { "\(path):\($0)" } ?? path, error.message) }
        switch parsed {
        case .plain(let instruction): return PromptProgram(system: base.system, instruction: instruction)
        case .sectioned(let system, let sections):
            return PromptProgram(system: system ?? base.system, sections: sections.isEmpty ? base.sections : sections)
        }
    }

    /// A prompt from rpt's JSON form (sections) or the plain `{system, instruction}` form.
    public static func from(json v: JSONValue, system: String = "") -> PromptProgram? {
        let sys = v["system"]?.string ?? system
        if let items = v["sections"]?.array {
            var sections: [PromptSection] = []
            for item in items {
                guard let id = item["id"]?.string, let text = item["text"]?.string else { return nil }
                sections.append(PromptSection(id: id, text: text, frozen: item["frozen"] == .bool(true)))
            }
            return PromptProgram(system: sys, sections: sections)
        }
        return v["instruction"]?.string.map { PromptProgram(system: sys, instruction: $0) }
    }
}
