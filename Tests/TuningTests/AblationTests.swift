import Foundation
import Testing
import LuaHost
import MockModels
import ModelClient
import StableHash
import TaskPack
import TestSupport
@testable import Tuning

/// Issue 17's patch ablation in a tuning run: what each section edit of the best prompt
/// contributes on dev, the edits that add nothing removed, copies from train flagged.
@Suite struct AblationTests {
    /// Round 1 adds `partial` in "guidance" (dev 0.6 -> 0.7), round 2 adds `magic` in "focus" (0.9).
    static func twoEdits(_ guidance: String = ScriptedWorld.partial) -> TuneFixture.Script {
        { round, step in
            switch (round, step) {
            case (1, 0): return [TuneFixture.submit(guidance)]
            case (2, 0): return [TuneFixture.submit(ScriptedWorld.magic, section: "focus")]
            default: return [TuneFixture.stop()]
            }
        }
    }

    /// With `magic` in the prompt the target ignores `partial`: the ablation removes that edit and
    /// keeps the one that matters; the pruned prompt is the run's best, tested and written as such.
    @Test(arguments: TuneFixture.Wire.allCases)
    func anEditTheTargetIgnoresIsRemovedAndOneThatMattersIsKept(over wire: TuneFixture.Wire) async throws {
        let f = try TuneFixture()
        let run = try await f.run(Self.twoEdits(), over: wire) { $0.candidatesPerRound = 1 }
        let (r, store) = (run.result, run.store)
        #expect(r.best.section("guidance") == nil)
        #expect(r.best.section("focus")?.text == ScriptedWorld.magic)
        let a = try #require(r.ablation)
        #expect(a.entries.map(\.edit) == [Ablation.Edit(section: "guidance", change: .added), Ablation.Edit(section: "focus", change: .added)])
        #expect(a.removed == ["guidance"])
        #expect(a.entries[0].loss.interval == Selection.Interval(mean: 0, lower: 0, upper: 0, n: 200))
        #expect(a.entries[1].loss.interval.lower > 0.1 && !a.entries[1].loss.noWorse)
        #expect(abs(a.unprunedDev - 0.9) < 0.08 && a.prunedDev == a.unprunedDev && r.bestDev == a.prunedDev)
        #expect(abs((r.final?.bestTest.score ?? 0) - 0.9) < 0.08)
        #expect(store.read("best_prompt.md")?.contains("## Section guidance") == false)
        let final = try JSON.decode(store.read("final.json") ?? "")
        #expect(final["best_prompt"].flatMap { PromptProgram.from(json: $0) } == r.best)
        #expect(final["unpruned_prompt"].flatMap { PromptProgram.from(json: $0) }?.section("guidance")?.text == ScriptedWorld.partial)
        #expect(final["ablation"]?["removed"] == ["guidance"])
        #expect(final["ablation"]?["edits"]?.array?.map { $0["removed"] } == [.bool(true), .bool(false)])
        // Every step is in the event log, before the stop.
        let events = TuneFixture.events(store)
        let types = events.compactMap { $0["type"]?.string }
        #expect(types.filter { $0.hasPrefix("ablation") } == ["ablation_edit", "ablation_edit", "ablation_removal", "ablation_finished"])
        #expect(types.firstIndex(of: "ablation_finished")! < types.firstIndex(of: "stopped")!)
        let removal = events.first { $0["type"] == "ablation_removal" }
        #expect(removal?["accepted"] == .bool(true) && removal?["removing"] == ["guidance"])
        #expect(events.first { $0["type"] == "ablation_finished" }?["kept"] == ["focus"])
        let table = TuneSummary.table(pack: "b", result: r, ledger: run.ledger, folder: "x")
        #expect(table.contains("  ablation       removed 'guidance' +0.000, kept 'focus' +0.2"), "\(table)")
        let html = RunReportAblation.html(try RunRecord(folder: store.folder))
        #expect(html.contains("<td>guidance</td><td>added</td>") && html.contains("<td>removed</td>") && html.contains("kept: it contributes"))
        #expect(html.contains("Removed: guidance. The pruned prompt scored"))
        // Through the server, the prompt without "focus" is round 1's best: its dev replies came from the run's cache.
        if wire == .mockServer { #expect(run.ledger.lines.first { $0.role == "target" }?.cacheHits == 200) }
    }

    @Test func anEditThatCopiesTrainTextIsFlaggedNotRemoved() async throws {
        let f = try TuneFixture()
        // Seven words of a message of the optimization sample (the Tuner's seeded shuffle): under the guardrail's eight.
        var rng = SplitMix(1)
        let sample = f.data[.train].shuffled(using: &rng).prefix(40)
        let words = try #require(sample.lazy.map { Guardrails.words($0.fields["text"]?.string ?? "") }.first { $0.count >= 10 })
        let text = ScriptedWorld.magic + " Messages such as: " + words[1..<8].joined(separator: " ") + "."
        let run = try await f.run({ round, step in round == 1 && step == 0 ? [TuneFixture.submit(text)] : [TuneFixture.stop()] }) {
            $0.candidatesPerRound = 1
        }
        let a = try #require(run.result.ablation)
        #expect(run.result.best.section("guidance")?.text == text)
        #expect(a.removed.isEmpty && a.entries.count == 1)
        let copied = words[1..<7].joined(separator: " ")
        #expect(a.entries[0].copied == copied)
        #expect(TuneFixture.events(run.store).first { $0["type"] == "ablation_edit" }?["copied_from_train"] == .string(copied))
        #expect(RunReportAblation.html(try RunRecord(folder: run.store.folder)).contains("“\(ReportHTML.esc(copied))”"))
    }

    @Test func withoutAnEditThereIsNoAblationAndNoAblationTurnsItOff() async throws {
        let f = try TuneFixture()
        let none = try await f.run({ _, _ in [TuneFixture.stop()] })
        #expect(none.result.ablation == nil)
        let skipped = TuneFixture.events(none.store).first { $0["type"] == "ablation_skipped" }
        #expect(skipped?["reason"] == "the best prompt is the initial prompt: no edit to measure")
        let final = try JSON.decode(none.store.read("final.json") ?? "")
        #expect(final["ablation"] == .null && final["unpruned_prompt"] == final["best_prompt"])

        let off = try await f.run(Self.twoEdits()) { $0.candidatesPerRound = 1; $0.ablation = false }
        #expect(off.result.ablation == nil && off.result.best.section("guidance") != nil && off.result.best.section("focus") != nil)
        #expect(TuneFixture.events(off.store).first { $0["type"] == "ablation_skipped" }?["reason"] == "turned off (--no-ablation)")
        #expect(RunReportAblation.html(try RunRecord(folder: off.store.folder)) == "<p>No ablation: turned off (--no-ablation).</p>\n")
    }

    /// The rounds fit the budget, the ablation does not: the run still finishes, unpruned, and says why.
    @Test func aBudgetSpentDuringTheAblationKeepsTheBestPromptUnpruned() async throws {
        let f = try TuneFixture()
        let run = try await f.run(Self.twoEdits()) { $0.candidatesPerRound = 1; $0.budget = Budget(maxTokens: 800_000) }
        let (r, store) = (run.result, run.store)
        #expect(r.stopReason.hasPrefix("budget: the token budget (800000) is spent (during the ablation; the rounds had stopped by optimizer stopped"),
                "\(r.stopReason)")
        #expect(r.final == nil)
        #expect(r.best.section("guidance") != nil && r.best.section("focus") != nil)
        #expect(r.ablation?.note == "stopped by the budget before it finished: the best prompt is kept unpruned")
        let types = TuneFixture.events(store).compactMap { $0["type"]?.string }
        #expect(types.suffix(2) == ["ablation_stopped", "stopped"])
        #expect(PromptProgram.from(json: try JSON.decode(store.read("best_prompt.json") ?? "")) == r.best)
        #expect(TuneSummary.table(pack: "b", result: r, ledger: run.ledger, folder: "x")
            .contains("  ablation       stopped by the budget before it finished: the best prompt is kept unpruned\n"))
        #expect(RunReportAblation.html(try RunRecord(folder: store.folder)).contains("The ablation stopped by the budget before it finished"))
    }
}
