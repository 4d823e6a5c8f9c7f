import Foundation
import LuaHost
import ModelClient
import TaskPack

/// A prompt as rpt tunes it: system text and instruction; the pack's `render` adds the example.
public struct PromptProgram: Sendable, Equatable {
    public var system: String
    public var instruction: String

    public init(system: String, instruction: String) {
        self.system = system
        self.instruction = instruction
    }

    public init(_ p: TaskSpec.Prompt) { self.init(system: p.system, instruction: p.instruction) }

    /// The chat messages for one rendered example.
    public func messages(for rendered: String) -> [ChatMessage] {
        var out: [ChatMessage] = []
        if !system.isEmpty { out.append(.system(system)) }
        out.append(.user(instruction.isEmpty ? rendered : instruction + "\n\n" + rendered))
        return out
    }

    public var json: JSONValue { ["system": .string(system), "instruction": .string(instruction)] }

    public var markdown: String { "## System\n\n\(system)\n\n## Instruction\n\n\(instruction)\n" }

    /// Reads a prompt file: JSON `{"system": ..., "instruction": ...}`, Markdown with `## System`
    /// and `## Instruction` sections (as rpt writes), or plain text (the instruction; the system
    /// text stays the pack's).
    public static func load(path: String, default base: PromptProgram) throws -> PromptProgram {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw PackError(path, "cannot read the prompt file")
        }
        if path.hasSuffix(".json") {
            guard let v = try? JSON.decode(text), let instruction = v["instruction"]?.string else {
                throw PackError(path, "a JSON prompt file is {\"system\": \"...\", \"instruction\": \"...\"}")
            }
            return PromptProgram(system: v["system"]?.string ?? base.system, instruction: instruction)
        }
        let sections = text.components(separatedBy: "\n## ")
        if text.hasPrefix("## System") || sections.count > 1 {
            var system = base.system, instruction = base.instruction
            for s in sections {
                let body = s.drop { $0 != "\n" }.trimmingCharacters(in: .whitespacesAndNewlines)
                let head = s.replacingOccurrences(of: "## ", with: "").prefix { $0 != "\n" }.lowercased()
                if head.hasPrefix("system") { system = body } else if head.hasPrefix("instruction") { instruction = body }
            }
            return PromptProgram(system: system, instruction: instruction)
        }
        return PromptProgram(system: base.system, instruction: text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
