import Foundation
import Testing
import LuaHost
import MockModels
import ModelClient
import StableHash
import TaskPack
import TestSupport
@testable import Tuning

/// A banking77 target whose answers follow a rule of the prompt and of the message's hash (0-9):
/// right, wrong, or (nil) an API error.
struct RuleTarget: ChatModel {
    let labels: [String: String]
    let rule: @Sendable (_ prompt: String, _ hash: Int) -> Bool?
    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        let prompt = request.messages.compactMap(\.content).joined(separator: "\n")
        let text = (request.messages.last?.content ?? "").components(separatedBy: "Customer message: ").last ?? ""
        guard let right = rule(prompt, Int(FNV1a.hash(text) % 10)) else { throw ModelError(.server, "the scripted server failed") }
        let intent = right ? (labels[text] ?? "card_arrival") : "exchange_rate"
        return ChatResponse(content: #"{"intent": "\#(intent)", "confidence": 0.9}"#, usage: Usage(inputTokens: 10, outputTokens: 5), finishReason: "stop")
    }
}

/// The ablation's rules on a best prompt made by hand: removals re-checked together, safeguards
/// that veto a removal, replies that cannot be paired, and the pieces (edits, reverting, copies).
@Suite struct AblationRuleTests {
    struct Ablated {
        let pruned: PromptProgram
        let result: AblationResult?
        let events: [JSONValue]
    }

    /// `best` as a run's best prompt (scored on dev and the regression cases), then ablated.
    func ablate(_ f: TuneFixture, best: PromptProgram, rule: @escaping @Sendable (String, Int) -> Bool?) async throws -> Ablated {
        let target = RuleTarget(labels: f.labels, rule: rule)
        let store = try RunStore(folder: Scratch.url("ablate"))
        let tuner = Tuner(settings: f.settings(), store: store, models: TuneModels(target: target, optimizer: target, ledger: UsageLedger()),
                          runtime: f.runtime, data: f.data)
        let dev = try await tuner.evaluate(best, tuner.dev, "best on dev")
        let regression = f.data.regression.isEmpty ? [] : try await tuner.evaluate(best, f.data.regression, "best on the regression cases")
        let incumbent = Tuner.Incumbent(program: best, dev: dev, devScore: Metrics(dev).score, train: [], round: 1, regression: regression)
        var reason = "optimizer stopped"
        let (pruned, result) = try await tuner.ablate(initial: PromptProgram(f.runtime.spec.prompt), best: incumbent, stopReason: &reason)
        return Ablated(pruned: pruned.program, result: result, events: TuneFixture.events(store))
    }

    /// Two edits that each make the other redundant: either may go, not both.
    @Test func removalsAreCheckedTogether() async throws {
        let f = try TuneFixture()
        let initial = PromptProgram(f.runtime.spec.prompt)
        let best = initial.editing("a", text: "Alpha: name the goal first.").editing("b", text: "Alpha again: name the goal.")
        let out = try await ablate(f, best: best) { prompt, h in h < (prompt.contains("Alpha") ? 9 : 6) }
        let a = try #require(out.result)
        #expect(a.entries.allSatisfy { $0.loss.interval.mean == 0 && $0.loss.noWorse })
        #expect(a.removed == ["a"])
        #expect(out.pruned == initial.editing("b", text: "Alpha again: name the goal."))
        let steps = out.events.filter { $0["type"] == "ablation_removal" }
        #expect(steps.map { $0["accepted"] } == [.bool(true), .bool(false)])
        #expect(steps[1]["removing"] == ["a", "b"] && (steps[1]["contribution"]?.number ?? 0) > 0.2)
        #expect(steps[1]["why"]?.string?.hasPrefix("with the edits removed before it, the prompt loses more than noise") == true)
    }

    /// Dropping the edit raises the dev score, but the prompt without it fails the must-pass cases.
    @Test func aRemovalThatBreaksARegressionCaseIsVetoed() async throws {
        let (pack, cases) = try GuardedPack.make()
        let f = try TuneFixture(pack: pack)
        let best = PromptProgram(f.runtime.spec.prompt).editing("beta", text: "Beta: the router reads every word.")
        let out = try await ablate(f, best: best) { prompt, h in prompt.contains("Beta") ? h < 8 : h >= 1 }
        let a = try #require(out.result)
        #expect(a.entries[0].loss.interval.mean < 0 && a.entries[0].loss.noWorse)
        #expect(a.removed.isEmpty && out.pruned == best)
        let step = try #require(out.events.first { $0["type"] == "ablation_removal" })
        #expect(step["accepted"] == .bool(false) && step["regression_broken"]?.array?.count == cases.count)
        #expect(step["why"]?.string == "breaks regression cases " + cases.joined(separator: ", ") + ": the edit is kept")
    }

    /// Hostile: the prompt without the edit gets nothing but API errors. No pair, no evidence: kept.
    @Test func anAblationWithoutPairedRepliesRemovesNothing() async throws {
        let f = try TuneFixture()
        let best = PromptProgram(f.runtime.spec.prompt).editing("x", text: "Xeno: answer with the closest intent.")
        let out = try await ablate(f, best: best) { prompt, h in prompt.contains("Xeno") ? h < 9 : nil }
        let a = try #require(out.result)
        #expect(a.entries[0].loss.interval.n == 0 && !a.entries[0].loss.noWorse)
        #expect(a.removed.isEmpty && out.pruned == best)
        #expect(!out.events.contains { $0["type"] == "ablation_removal" })
    }

    @Test func editsAndRevertingCoverTheSystemTextAndDroppedSections() {
        let initial = PromptProgram(system: "S", sections: [PromptSection(id: "task", text: "T"), PromptSection(id: "tone", text: "N"),
                                                            PromptSection(id: "labels", text: "L", frozen: true)])
        var best = initial.editing("task", text: "T2").editing("extra", text: "E")
        best.system = "S2"
        best.sections.removeAll { $0.id == "tone" }
        let edits = Ablation.edits(initial: initial, best: best)
        #expect(edits.map(\.section) == ["system", "task", "extra", "tone"])
        #expect(edits.map(\.change) == [.system, .edited, .added, .removed])
        #expect(Ablation.reverting(best, edits[3], initial: initial).sections.map(\.id) == ["task", "tone", "extra", "labels"])
        #expect(edits.reduce(best) { Ablation.reverting($0, $1, initial: initial) } == initial)
        #expect(Ablation.edits(initial: initial, best: initial).isEmpty)
    }

    /// A run of 6 words from one example is a copy; the task's own wording (most examples have
    /// it) and the initial prompt's are not.
    @Test func copiedTextIsSixWordsFromFewExamples() {
        let preamble = "The following paragraphs each describe a set of objects."
        let examples = (0..<20).map { ["\(preamble) Item \($0) stands at position number \($0) in the long row today."] }
        let initial = PromptProgram(system: "", instruction: "Say where item 3 stands at position number 3, and so on.")
        let found = CopiedText.find(["a": "Remember: the following paragraphs each describe a set of objects.",
                                     "b": "Note that item 7 stands at position number 7 in the row.",
                                     "c": "Item 3 stands at position number 3.", "d": "Short."], examples: examples, initial: initial)
        #expect(found == ["b": "item 7 stands at position number"])
        #expect(CopiedText.find(["b": "item 7 stands at position number"], examples: [], initial: initial).isEmpty)
    }

    @Test func configJSONRecordsTheAblationAndRefusesAnythingButABoolean() throws {
        var s = TuneSettings(pack: "p", target: "t", optimizer: "o")
        s.ablation = false
        #expect(try TuneSettings(json: s.json).ablation == false)
        #expect(try TuneSettings(json: TuneSettings(pack: "p", target: "t", optimizer: "o").json).ablation == true)
        guard case .object(var o) = s.json else { Issue.record("settings are an object"); return }
        o["ablation"] = nil                   // a run folder from before the ablation resumes without it
        #expect(try TuneSettings(json: .object(o)).ablation == false)
        o["ablation"] = "yes"
        #expect(throws: ModelError.self) { try TuneSettings(json: .object(o)) }
        do { _ = try TuneSettings(json: .object(o)) } catch { #expect("\(error)".contains("ablation is \"yes\", but must be true or false")) }
    }

    /// Section names and copied words come from the optimizer and the data: escaped in the report.
    @Test func theReportSectionEscapesWhatTheRunRecorded() throws {
        let folder = Scratch.url("ablation-report")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let events: [JSONValue] = [
            ["type": "baseline", "dev_score": 0.5],
            ["type": "ablation_edit", "section": "<b>x</b>", "change": "added", "dev_score": 0.5, "contribution": 0.0, "ci95": [0.0, 0.0],
             "upper": 0.0, "no_worse": true, "no_longer": true, "copied_from_train": "<script>alert(1)</script>"],
            ["type": "ablation_removal", "section": "<b>x</b>", "removing": ["<b>x</b>"], "dev_score": 0.5, "accepted": true, "why": "<i>ok</i>"],
            ["type": "ablation_finished", "removed": ["<b>x</b>"], "kept": [], "dev_score": 0.5, "unpruned_dev_score": 0.5],
        ]
        try events.map { JSON.encode($0) + "\n" }.joined().write(to: folder.appendingPathComponent("events.jsonl"), atomically: true, encoding: .utf8)
        let html = RunReport.html(try RunRecord(folder: folder), initial: nil)
        #expect(html.contains("What each edit contributes"))
        #expect(!html.contains("<script>") && !html.contains("<b>x</b>"))
        #expect(html.contains("<td>&lt;b&gt;x&lt;/b&gt;</td><td>added</td>") && html.contains("“&lt;script&gt;alert(1)&lt;/script&gt;”"))
        #expect(html.contains("Removed: &lt;b&gt;x&lt;/b&gt;."))
    }
}
