import Foundation
import LuaHost
import ModelClient
import TaskPack

/// One round of the optimizer's function-calling conversation. The tools really act: they
/// evaluate an edit, show failures, take candidates, or stop. A candidate is the best prompt with
/// one section edited, so frozen sections (label lists, the output contract) always survive and
/// each edit can be traced to the failure modes it targets. Each round starts a fresh
/// conversation from a bounded context (running summary and the last few reports).
struct OptimizerSession {
    let client: any ChatModel
    let temperature: Double
    let maxTokens: Int
    let toolCalls: Int
    let candidates: Int

    /// A candidate: the best prompt with one section edited.
    struct Edit: Sendable {
        var program: PromptProgram
        var section: String
        var modes: [String]
        var rationale: String
    }

    struct Outcome {
        var accepted: [Edit] = []
        var rejected: [(edit: Edit, reason: String)] = []
        var stop: String?
        var reports: [DiagnosticReport] = []
        /// Every message of the conversation and every tool result, for the run folder.
        var transcript: [JSONValue] = []
        var modelCalls = 0
        var readableToolCalls = 0
        var duplicates = 0
    }

    /// What the session needs from the loop.
    struct Actions {
        var evaluate: (PromptProgram, Int?) async throws -> DiagnosticReport
        var rejection: (Edit) -> String?
        /// Why an identical prompt was already turned down, if it was (earlier in the run).
        var triedBefore: (PromptProgram) -> String?
        var latestReport: DiagnosticReport
    }

    static let instructions = """
        You improve the prompt of a language-model task. The prompt is a system text and an instruction made \
        of named sections; the task model sees them with one example at a time. Some sections are frozen \
        (label lists, the output format): they stay as they are. You change the prompt one section at a time:
        - edit_section proposes a candidate: the current best prompt with one section replaced by your text \
        (or a new section, if the name is new). It is scored on a held-out dev split after this round.
        - evaluate_edit tries the same kind of edit on a sample of the optimization set and returns its report.
        - show_failures shows more examples of one failure mode; stop ends this round (and the tuning, if you proposed \
        nothing this round).
        Work from the failure modes in the report: find what the task model gets wrong and add short, general \
        guidance for it (rules, distinctions between similar answers, what to do when unsure). Name the modes \
        your edit targets. Never copy example inputs or expected answers into the prompt, and never mention \
        these tools or this tuning.
        """

    static let toolNames = ["edit_section", "evaluate_edit", "show_failures", "stop"]

    static let tools: [ToolSpec] = {
        let edit: [String: JSONValue] = [
            "section": ["type": "string", "description": "The name of the section to replace, or a new name to add a section (\"system\" edits the system text)."],
            "text": ["type": "string", "description": "The section's new text, complete."],
            "modes": ["type": "array", "items": ["type": "string"], "description": "The failure modes this edit targets."],
        ]
        return [
            ToolSpec(name: "edit_section", description: "Propose a candidate: the best prompt with this one section edited.",
                     parameters: ["type": "object", "required": ["section", "text"],
                                  "properties": .object(edit.merging(["rationale": ["type": "string", "description": "How it fixes those modes."]]) { a, _ in a })]),
            ToolSpec(name: "evaluate_edit", description: "Try a section edit on a sample of the optimization set; returns its report.",
                     parameters: ["type": "object", "required": ["section", "text"],
                                  "properties": .object(edit.merging(["sample_size": ["type": "integer", "description": "How many examples (default: the run's sample)."]]) { a, _ in a })]),
            ToolSpec(name: "show_failures", description: "More examples of one failure mode of the latest report.",
                     parameters: ["type": "object", "required": ["mode"],
                                  "properties": ["mode": ["type": "string"], "count": ["type": "integer"]]]),
            ToolSpec(name: "stop", description: "End this round; with no candidate proposed this round, end the tuning: no further improvement is likely.",
                     parameters: ["type": "object", "required": ["reason"], "properties": ["reason": ["type": "string"]]]),
        ]
    }()

    func round(context: String, current: PromptProgram, actions: Actions) async throws -> Outcome {
        var outcome = Outcome()
        var latest = actions.latestReport
        var messages: [ChatMessage] = [.system(OptimizerSession.instructions), .user(context)]
        outcome.transcript = messages.map(OptimizerSession.record)
        var calls = 0, nudges = 0, repeats = 0
        // Duplicates do not use up the round, but the round still ends: at most twice the calls.
        while calls < toolCalls && outcome.modelCalls < 2 * toolCalls && outcome.stop == nil && outcome.accepted.count < candidates {
            // A small model that repeats itself is nudged with more randomness; three repeats in
            // a row end the round (it will not change its mind).
            if repeats >= 3 { break }
            let heat = min(temperature + 0.2 * Double(repeats), max(temperature, 1.2))
            let response = try await client.complete(ChatRequest(model: "", messages: messages, tools: OptimizerSession.tools,
                                                                 toolChoice: .required, temperature: heat, maxTokens: maxTokens))
            outcome.modelCalls += 1
            let reply = ChatMessage.assistant(response.content, toolCalls: response.toolCalls)
            messages.append(reply)
            outcome.transcript.append(OptimizerSession.record(reply))
            if response.toolCalls.isEmpty {
                nudges += 1
                if nudges > 2 { break }
                let nudge = ChatMessage.user("That was not a tool call. Reply with one JSON tool call, for example "
                    + #"{"tool": "edit_section", "arguments": {"section": "guidance", "text": "...", "modes": ["..."]}}"#)
                messages.append(nudge)
                outcome.transcript.append(OptimizerSession.record(nudge))
                continue
            }
            for call in response.toolCalls {
                let (result, counts) = try await perform(call, current: current, actions: actions, latest: &latest, outcome: &outcome)
                if counts { calls += 1; repeats = 0 } else { repeats += 1 }
                if call.argumentsError == nil { outcome.readableToolCalls += 1 }
                let message = ChatMessage.tool(result, callID: call.id)
                messages.append(message)
                outcome.transcript.append(OptimizerSession.record(message))
            }
        }
        return outcome
    }

    /// The tool's answer, and whether the call uses up one of the round's tool calls.
    func perform(_ call: ToolCall, current: PromptProgram, actions: Actions,
                         latest: inout DiagnosticReport, outcome: inout Outcome) async throws -> (String, Bool) {
        if let problem = call.argumentsError {
            return ("Your arguments could not be read (\(problem)). Call the tool again with a JSON object.", true)
        }
        let args = call.arguments
        switch call.name {
        case "evaluate_edit", "edit_section":
            guard let named = args["section"]?.string?.trimmingCharacters(in: .whitespaces), let text = args["text"]?.string else {
                return ("\(call.name) needs \"section\" (a section name) and \"text\" (its new text). Sections: "
                        + current.sections.map { $0.frozen ? "\($0.id) (frozen)" : $0.id }.joined(separator: ", "), true)
            }
            guard named.lowercased() == "system" || PromptSection.isValidID(named) else {
                return ("A section name is letters, digits, '_' or '-' (at most 40, starting with a letter), not \"\(clip(named, 60))\". "
                        + "Sections: " + current.sections.map(\.id).joined(separator: ", "), true)
            }
            // An edit of a frozen section is almost always guidance meant for the task model: rpt
            // takes it as a new section (after the last open one) instead of refusing it.
            var section = named, note = ""
            if current.section(section)?.frozen == true, PromptSection.isValidID(section + "-notes") {
                let notes = section + "-notes"
                note = "Section '\(section)' is frozen, so your text was taken as a new section '\(notes)'.\n"
                section = notes
            }
            let edit = Edit(program: OptimizerSession.apply(section, text, to: current), section: section,
                            modes: (args["modes"]?.array ?? []).compactMap(\.string), rationale: args["rationale"]?.string ?? "")
            if let why = actions.rejection(edit) {
                if call.name == "edit_section" {
                    if outcome.rejected.contains(where: { $0.edit.program == edit.program }) {
                        outcome.duplicates += 1
                        return ("You submitted this exact edit before and it was rejected: \(why). Write a different text.", false)
                    }
                    outcome.rejected.append((edit, why))
                }
                return (note + "Rejected: \(why).", true)
            }
            if call.name == "evaluate_edit" {
                let size = OptimizerSession.count(args["sample_size"])
                let report = try await actions.evaluate(edit.program, size)
                latest = report
                outcome.reports.append(report)
                return (note + OptimizerSession.ignored("sample_size", args, size) + report.text(), true)
            }
            if outcome.accepted.contains(where: { $0.program == edit.program }) {
                outcome.duplicates += 1
                return ("You already submitted this exact edit this round. Propose a different one, or stop.", false)
            }
            if let before = actions.triedBefore(edit.program) {
                outcome.duplicates += 1
                return ("This exact prompt was tried before (\(before)). Propose a different edit.", false)
            }
            outcome.accepted.append(edit)
            return (note + "Accepted as candidate \(outcome.accepted.count) of \(candidates) this round; it will be scored on the dev split.", true)
        case "show_failures":
            let mode = args["mode"]?.string ?? ""
            guard let m = latest.modes.first(where: { $0.id == mode }) else {
                return ("No mode '\(mode)' in the latest report. Modes: " + latest.modes.map(\.id).joined(separator: ", "), true)
            }
            let asked = OptimizerSession.count(args["count"])
            // "More examples": the ones the report did not already show, when there are any.
            let shown = DiagnosticReport.examplesShown
            let pool = m.examples.count > shown ? Array(m.examples.dropFirst(shown)) : m.examples
            let n = min(asked ?? 5, pool.count)
            return (OptimizerSession.ignored("count", args, asked) + "Examples of \(m.id) (\(m.count) in all):\n" + pool.prefix(n).map { e in
                "- input: \(clip(e.input, 600))\n  reply: \(clip(e.reply, 400))\n  answer: \(clip(e.answer, 200)); expected: \(clip(e.expected, 300))"
                    + (e.detail.map { "; \(clip($0, 200))" } ?? "") + (e.verdict.map { "\n  \(clip($0, 600))" } ?? "")
            }.joined(separator: "\n"), true)
        case "stop":
            outcome.stop = args["reason"]?.string ?? "the optimizer stopped"
            return ("Stopping.", true)
        default:
            return ("There is no tool '\(call.name)'. Tools: " + OptimizerSession.toolNames.joined(separator: ", ") + ".", true)
        }
    }

    /// `current` with section `id` set to `text`; "system" is the system text. Frozen sections
    /// are left as they are (the guardrail explains the rejection).
    static func apply(_ id: String, _ text: String, to current: PromptProgram) -> PromptProgram {
        if id.lowercased() == "system" {
            var p = current
            p.system = text.trimmingCharacters(in: .whitespacesAndNewlines)
            return p
        }
        if current.section(id)?.frozen == true { return current }
        return current.editing(id, text: text)
    }

    /// A count from a tool argument: a whole number from 1 to 100,000, or nil (the default
    /// applies). The optimizer's numbers are untrusted: never converted unchecked.
    static func count(_ v: JSONValue?) -> Int? {
        guard let d = v?.number, d.isFinite, d >= 1, d <= 100_000 else { return nil }
        return Int(d)
    }

    /// A note for the optimizer when it gave a number that could not be used.
    static func ignored(_ key: String, _ args: JSONValue, _ used: Int?) -> String {
        guard let given = args[key], given != .null, used == nil else { return "" }
        return "Note: \(key) must be a whole number from 1 to 100000, not \(clip(JSON.encode(given), 40)); the default was used.\n"
    }

    static func record(_ m: ChatMessage) -> JSONValue {
        var o: [String: JSONValue] = ["role": .string(m.role.rawValue)]
        if let c = m.content { o["content"] = .string(c) }
        if !m.toolCalls.isEmpty {
            o["tool_calls"] = .array(m.toolCalls.map { c in
                ["id": .string(c.id), "name": .string(c.name), "arguments": c.arguments,
                 "arguments_error": c.argumentsError.map(JSONValue.string) ?? .null]
            })
        }
        if let id = m.toolCallID { o["tool_call_id"] = .string(id) }
        return .object(o)
    }
}
