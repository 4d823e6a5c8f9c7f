import Foundation
import Testing
import LuaHost
import ModelClient
import TaskPack
import TestSupport
@testable import Tuning

/// Prompt files: what `rpt tune` writes, `rpt eval --prompt` reads back exactly.
@Suite struct PromptProgramTests {
    let base = PromptProgram(system: "sys", sections: [PromptSection(id: "task", text: "Do it."),
                                                       PromptSection(id: "format", text: "Reply JSON.", frozen: true)])

    func file(_ text: String, _ ext: String = "md") throws -> String {
        let path = Scratch.url("prompt").appendingPathExtension(ext).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func markdownAndJSONReadBackToTheSamePrompt() throws {
        let tuned = base.editing("guidance", text: "## Notes\nLook at the whole message.\n\n## Sectional heads are fine too")
        #expect(tuned.sections.map(\.id) == ["task", "guidance", "format"])
        #expect(try PromptProgram.load(path: file(tuned.markdown), default: base) == tuned)
        #expect(try PromptProgram.load(path: file(JSON.encode(tuned.json), "json"), default: base) == tuned)
    }

    @Test func editsKeepFrozenSectionsAndCanRemoveOpenOnes() {
        #expect(OptimizerSession.apply("format", "Reply in prose.", to: base) == base)
        #expect(base.editing("task", text: "  ").sections.map(\.id) == ["format"])
        #expect(OptimizerSession.apply("system", " New system. ", to: base).system == "New system.")
    }

    @Test func plainTextIsTheInstructionAndStrayTextIsRefused() throws {
        let plain = try PromptProgram.load(path: file("Just do it.\n## Not a heading rpt knows\n"), default: base)
        #expect(plain.system == "sys" && plain.instruction == "Just do it.\n## Not a heading rpt knows")
        #expect(throws: PackError.self) { try PromptProgram.load(path: file("stray\n## System\n\ns\n"), default: base) }
        #expect(throws: PackError.self) { try PromptProgram.load(path: file("## Section a\n\nx\n## Section a\n\ny\n"), default: base) }
    }

    @Test func aPromptWithAHeadingLineIsRejectedBeforeItCostsAnything() {
        let g = Guardrails(contract: ["JSON"], texts: [], inputs: [], initial: base, optimizerInstructions: "")
        let careful = "Read the whole message before you choose an answer."
        let bad = base.editing("guidance", text: careful + "\n## Section format")
        #expect(g.rejection(bad, section: "guidance", best: base)?.contains("which prompt files use as a heading") == true)
        #expect(g.rejection(base.editing("guidance", text: careful), section: "guidance", best: base) == nil)
        #expect(g.rejection(base.editing("guidance", text: "Treat a bus stop as a place name, never as a verb."), section: "guidance", best: base) == nil)
        #expect(g.rejection(base.editing("guidance", text: "Call edit_section when you are unsure of the answer."), section: "guidance", best: base)?
            .contains("talks about the tuning tools (edit_section)") == true)
        #expect(g.rejection(base.editing("guidance", text: "album"), section: "guidance", best: base)?.contains("too short") == true)
        #expect(g.rejection(base, section: "guidance", best: base)?.hasPrefix("the text is empty") == true)
    }

    @Test func aSectionThatRepeatsAFrozenListIsRejected() {
        let labels = PromptSection(id: "labels", text: "Intents:\ncard_arrival, card_linking, exchange_rate, pending_top_up, lost_or_stolen_card, cancel_transfer", frozen: true)
        let best = PromptProgram(system: "sys", sections: base.sections + [labels])
        let g = Guardrails(contract: ["JSON"], texts: [], inputs: [], initial: best, optimizerInstructions: "")
        // What a 1.5B optimizer sent: the frozen list again, as bullets, under "labels-notes".
        let copy = best.editing("labels-notes", text: "Intents:\n- card_arrival\n- card_linking\n- exchange_rate\n- pending_top_up\n- lost_or_stolen_card")
        #expect(g.rejection(copy, section: "labels-notes", best: best)?.contains("repeats the frozen section 'labels'") == true)
        // Guidance that names a few labels is not a copy.
        let rules = best.editing("guidance", text: "A card that never came is card_arrival; a card someone else may hold is lost_or_stolen_card, even when the customer only suspects it.")
        #expect(g.rejection(rules, section: "guidance", best: best) == nil)
    }

    @Test func sectionNamesFromTheOptimizerAreChecked() async throws {
        let session = OptimizerSession(client: NoModel(), temperature: 0, maxTokens: 10, toolCalls: 1, candidates: 1)
        var outcome = OptimizerSession.Outcome()
        let call = ToolCall(id: "c", name: "edit_section", arguments: ["section": "My Notes!!", "text": "Read the whole request before answering it."])
        var latest = DiagnosticReport(label: "", metrics: Metrics([]), modes: [], shown: [], warnings: [])
        let actions = OptimizerSession.Actions(evaluate: { _, _ in throw CancellationError() }, rejection: { _ in nil }, triedBefore: { _ in nil },
                                               latestReport: latest)
        let (answer, counts) = try await session.perform(call, current: base, actions: actions, latest: &latest, outcome: &outcome)
        #expect(answer.hasPrefix("A section name is letters, digits") && counts && outcome.accepted.isEmpty)
    }

    @Test func toolCountsAreCheckedNotConverted() {
        #expect(OptimizerSession.count(.double(-5)) == nil)
        #expect(OptimizerSession.count(.double(1e300)) == nil)
        #expect(OptimizerSession.count(.double(.nan)) == nil)
        #expect(OptimizerSession.count(.string("7")) == nil)
        #expect(OptimizerSession.count(.int(7)) == 7)
        #expect(OptimizerSession.ignored("sample_size", ["sample_size": .double(-5)], nil).hasPrefix("Note: sample_size must be a whole number"))
        #expect(OptimizerSession.ignored("sample_size", ["section": "x"], nil) == "")
    }
}

/// A client that is never called.
struct NoModel: ChatModel {
    func complete(_ request: ChatRequest) async throws -> ChatResponse { throw CancellationError() }
}
