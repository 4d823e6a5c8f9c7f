import Foundation
import Testing
import LuaHost
import MockModels
import ModelClient
import TestSupport
@testable import Tuning

/// Issue 17 in the loop: regression cases and protected modes veto a dev gain; the tuned prompt
/// is also scored on another model at the end.
@Suite struct SafeguardTests {
    /// One round proposes three gains on dev: one breaks the regression cases, one answers in
    /// prose where it is unsure (the protected `format` mode), one is clean. Only the clean one
    /// is kept, and the log, the summary and the optimizer's history say why.
    @Test func aDevGainThatBreaksARegressionCaseOrRaisesAProtectedModeIsRejected() async throws {
        let (pack, cases) = try GuardedPack.make()
        let f = try TuneFixture(pack: pack)
        let good = f.good
        let script: TuneFixture.Script = { round, step in
            switch (round, step) {
            case (1, 0): return [TuneFixture.submit(ScriptedWorld.risky)]
            case (1, 1): return [TuneFixture.submit(ScriptedWorld.prose)]
            case (1, 2): return [TuneFixture.submit(good)]
            default: return [TuneFixture.stop()]
            }
        }
        let run = try await f.run(script) { $0.candidatesPerRound = 3 }
        let r = run.result
        #expect(r.best.section("guidance")?.text == good)
        let events = TuneFixture.events(run.store)
        #expect(events.first { $0["type"] == "regression_baseline" }?["cases"] == .int(3))
        let scored = events.filter { $0["type"] == "candidate_scored" }
        try #require(scored.count == 3)
        // The risky edit raised dev by about 0.2, and still is not kept: it breaks every case.
        #expect(scored[0]["gain_lower"]?.number ?? 0 > 0)
        #expect(scored[0]["kept"] == .bool(false))
        #expect(scored[0]["why"]?.string == "breaks regression cases " + cases.joined(separator: ", "))
        #expect(scored[0]["regression_broken"]?.array?.count == 3)
        // The prose edit raised dev too, but the format mode with it, beyond noise.
        #expect(scored[1]["gain_lower"]?.number ?? 0 > 0)
        #expect(scored[1]["kept"] == .bool(false))
        #expect(scored[1]["why"]?.string?.hasPrefix("raises protected mode format by +0.") == true)
        #expect(scored[1]["protected"]?["format"]?["rises"] == .bool(true))
        #expect(scored[2]["kept"] == .bool(true) && scored[2]["protected"]?["format"]?["rises"] == .bool(false))
        #expect(scored[2]["regression_broken"] == .array([]))
        #expect(r.safeguardRejections.count == 2)
        let summary = try JSON.decode(run.store.read("summary.json") ?? "")
        #expect(summary["safeguard_rejections"]?.array?.first?.string == "round 1 candidate 1: breaks regression cases " + cases.joined(separator: ", "))
        #expect(TuneSummary.table(pack: "b", result: r, ledger: run.ledger, folder: "x").contains("safeguards     2 candidate(s) with a dev gain rejected"))
        // The report shows the checks from the folder alone.
        let record = try RunRecord(folder: run.store.folder)
        #expect(record.regressionBaseline?.cases == 3)
        let html = RunReportSafeguards.html(record)
        #expect(html.contains("Regression cases: 3; the initial prompt fails 0"))
        #expect(html.contains("Candidates vetoed despite their dev score"))
        #expect(html.contains(ReportHTML.esc("breaks regression cases " + cases.joined(separator: ", "))))
        #expect(html.contains("raises protected mode format by +0."))
    }

    @Test func theProtectedModeTestIsPairedAndIgnoresNoise() throws {
        let f = try TuneFixture()
        let examples = Array(f.data[.dev].prefix(100))
        /// The gold reply where `format` is false, a reply in prose (a format failure) where it is true.
        func results(_ modes: [String?]) throws -> [ExampleResult] {
            try zip(examples, modes).enumerated().map { i, pair in
                let reply = pair.1 == nil ? try #require(try f.runtime.gold(pair.0)) : "I cannot tell."
                return ExampleResult(index: i, id: pair.0.id, source: "", reply: reply, outcome: try f.runtime.evaluate(reply: reply, example: pair.0),
                                     usage: Usage(), cached: false)
            }
        }
        let best = try results((0..<100).map { $0 % 10 == 0 ? "format" : nil })
        let same = try results((0..<100).map { $0 % 10 == 1 ? "format" : nil })      // as many, on other examples
        let more = try results((0..<100).map { $0 % 10 < 4 ? "format" : nil })
        let level = 0.95
        #expect(!Safeguards.protectedChanges(["format"], best: best, candidate: same, level: level, seed: 1)[0].rises)
        let rise = Safeguards.protectedChanges(["format"], best: best, candidate: more, level: level, seed: 1)[0]
        #expect(rise.rises && abs(rise.change.mean - 0.3) < 1e-9)
        #expect(Safeguards.broken(best: best, candidate: more).count == 30)
    }

    /// `--also-target`: the initial and the best prompt on a second (weaker) model's test sample.
    /// Also end to end (the mock server and a hub), where the also-target is accounted under its role.
    @Test(arguments: TuneFixture.Wire.allCases)
    func theTransferGainIsReportedBesideTheTargets(over wire: TuneFixture.Wire) async throws {
        let f = try TuneFixture()
        let good = f.good
        let script: TuneFixture.Script = { round, step in round == 1 && step == 0 ? [TuneFixture.submit(good)] : [TuneFixture.stop()] }
        let run = try await f.run(script, over: wire) { $0.alsoTargets = ["mock:t-weak"]; $0.candidatesPerRound = 1 }
        let fin = try #require(run.result.final)
        let t = try #require(fin.transfer.first)
        #expect(t.model == "mock:t-weak" && t.gain.n == 200)
        #expect(t.initialTest.score < fin.initialTest.score)          // the weaker model, same sample
        #expect(t.gain.lower > 0.1)
        let final = try JSON.decode(run.store.read("final.json") ?? "")
        #expect(final["transfer"]?.array?.first?["model"] == "mock:t-weak")
        #expect(final["transfer"]?.array?.first?["gain_ci95"]?.array?.count == 2)
        let summary = try JSON.decode(run.store.read("summary.json") ?? "")
        #expect(summary["test"]?["transfer"]?.array?.first?["paired_examples"] == .int(200))
        if wire == .mockServer { #expect(run.ledger.lines.map(\.role).contains("also-target")) }
    }
}
