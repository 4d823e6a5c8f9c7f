import Foundation
import LuaHost
import ModelClient

/// One round of the optimizer's function-calling conversation. The tools really act: they
/// evaluate a prompt, show failures, take candidates, or stop. Each round starts a fresh
/// conversation from a bounded context (running summary and the last few reports).
struct OptimizerSession {
    let client: any ModelClient
    let temperature: Double
    let maxTokens: Int
    let toolCalls: Int
    let candidates: Int

    struct Outcome {
        var accepted: [(program: PromptProgram, rationale: String)] = []
        var rejected: [(program: PromptProgram, reason: String)] = []
        var stop: String?
        var reports: [DiagnosticReport] = []
    }

    /// What the session needs from the loop.
    struct Actions {
        var evaluate: (PromptProgram, Int?) async throws -> DiagnosticReport
        var rejection: (PromptProgram) -> String?
        var latestReport: DiagnosticReport
    }

    static let instructions = """
        You improve the prompt of a language-model task. A prompt is a system text and an instruction; \
        the task model sees them with one example at a time. You work with tools: evaluate_prompt runs a \
        prompt on a sample of the optimization set and returns its score and failure modes with examples; \
        show_failures shows more examples of one failure mode of the latest report; submit_candidate proposes \
        a prompt to be scored on a held-out dev split; stop ends the tuning when you see no further gain.
        Work from the failure modes: find what the task model misunderstands and say it in the prompt, in \
        general terms. Keep every output format requirement. Never copy example inputs or expected answers \
        into the prompt, and never mention these tools. Submit your best ideas with submit_candidate.
        """

    static let tools: [ToolSpec] = {
        let prompt: [String: JSONValue] = [
            "system": ["type": "string", "description": "The system text (omit to keep the current one)."],
            "instruction": ["type": "string", "description": "The full task instruction."],
        ]
        return [
            ToolSpec(name: "evaluate_prompt", description: "Run a prompt on a seeded sample of the optimization set; returns its report.",
                     parameters: ["type": "object", "required": ["instruction"],
                                  "properties": .object(prompt.merging(["sample_size": ["type": "integer", "description": "How many examples (default: the run's sample)."]]) { a, _ in a })]),
            ToolSpec(name: "show_failures", description: "More examples of one failure mode of the latest report.",
                     parameters: ["type": "object", "required": ["mode"],
                                  "properties": ["mode": ["type": "string"], "count": ["type": "integer"]]]),
            ToolSpec(name: "submit_candidate", description: "Propose a prompt; it is scored on the dev split after this round.",
                     parameters: ["type": "object", "required": ["instruction"],
                                  "properties": .object(prompt.merging(["rationale": ["type": "string", "description": "Which failure modes it targets and how."]]) { a, _ in a })]),
            ToolSpec(name: "stop", description: "End the tuning: no further improvement is likely.",
                     parameters: ["type": "object", "required": ["reason"], "properties": ["reason": ["type": "string"]]]),
        ]
    }()

    func round(context: String, current: PromptProgram, actions: Actions) async throws -> Outcome {
        var outcome = Outcome()
        var latest = actions.latestReport
        var messages: [ChatMessage] = [.system(OptimizerSession.instructions), .user(context)]
        var calls = 0, nudged = false
        while calls < toolCalls && outcome.stop == nil && outcome.accepted.count < candidates {
            let response = try await client.complete(ChatRequest(model: "", messages: messages, tools: OptimizerSession.tools,
                                                                 toolChoice: .required, temperature: temperature, maxTokens: maxTokens))
            messages.append(.assistant(response.content, toolCalls: response.toolCalls))
            if response.toolCalls.isEmpty {
                if nudged { break }
                nudged = true
                messages.append(.user("Please use the tools: submit_candidate with an improved prompt, or stop."))
                continue
            }
            for call in response.toolCalls {
                calls += 1
                let result = try await perform(call, current: current, actions: actions, latest: &latest, outcome: &outcome)
                messages.append(.tool(result, callID: call.id))
            }
        }
        return outcome
    }

    private func perform(_ call: ToolCall, current: PromptProgram, actions: Actions,
                         latest: inout DiagnosticReport, outcome: inout Outcome) async throws -> String {
        if let problem = call.argumentsError { return "Your arguments could not be read (\(problem)). Call the tool again with a JSON object." }
        let args = call.arguments
        func program() -> PromptProgram? {
            guard let instruction = args["instruction"]?.string else { return nil }
            return PromptProgram(system: args["system"]?.string ?? current.system, instruction: instruction)
        }
        switch call.name {
        case "evaluate_prompt":
            guard let p = program() else { return "evaluate_prompt needs an \"instruction\"." }
            if let why = actions.rejection(p) { return "This prompt would be rejected: \(why)." }
            let report = try await actions.evaluate(p, args["sample_size"]?.number.map { Int($0) })
            latest = report
            outcome.reports.append(report)
            return report.text()
        case "show_failures":
            let mode = args["mode"]?.string ?? ""
            guard let m = latest.modes.first(where: { $0.id == mode }) else {
                return "No mode '\(mode)' in the latest report. Modes: " + latest.modes.map(\.id).joined(separator: ", ")
            }
            let n = min(args["count"]?.number.map { Int($0) } ?? 5, m.examples.count)
            return "Examples of \(m.id) (\(m.count) in all):\n" + m.examples.prefix(n).map { e in
                "- input: \(clip(e.input, 600))\n  reply: \(clip(e.reply, 400))\n  answer: \(clip(e.answer, 200)); expected: \(clip(e.expected, 300))"
                    + (e.detail.map { "; \(clip($0, 200))" } ?? "")
            }.joined(separator: "\n")
        case "submit_candidate":
            guard let p = program() else { return "submit_candidate needs an \"instruction\"." }
            if let why = actions.rejection(p) {
                outcome.rejected.append((p, why))
                return "Rejected: \(why)."
            }
            outcome.accepted.append((p, args["rationale"]?.string ?? ""))
            return "Accepted as candidate \(outcome.accepted.count) of \(candidates) this round; it will be scored on the dev split."
        case "stop":
            outcome.stop = args["reason"]?.string ?? "the optimizer stopped"
            return "Stopping."
        default:
            return "There is no tool '\(call.name)'. Tools: evaluate_prompt, show_failures, submit_candidate, stop."
        }
    }
}
