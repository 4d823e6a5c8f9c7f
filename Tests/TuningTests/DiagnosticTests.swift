import Foundation
import Testing
import ModelClient
import TaskPack
import TestSupport
@testable import Tuning

/// What the optimizer reads: the report's modes and the pattern behind them.
@Suite struct DiagnosticTests {
    @Test func recurringPartsOfTheDetailsAreCountedPerMode() throws {
        let pack = repoRoot.appendingPathComponent("tasks/support-triage")
        let runtime = try PackRuntime(directory: pack)
        // Questions (low urgency by the policy) answered as urgent: the 0.5B model's habit.
        let questions = try PackData.load(spec: runtime.spec, directory: pack)[.dev].filter { $0.fields["label"]?.string == "exchange_rate" }.prefix(3)
        #expect(questions.count == 3)
        var results: [ExampleResult] = []
        for (i, ex) in questions.enumerated() {
            let reply = #"{"intent": "card_arrival", "category": "exchange", "urgency": "high", "needs_human": false}"#
            results.append(ExampleResult(index: i, id: ex.id, source: ex.source, reply: reply,
                                         outcome: try runtime.evaluate(reply: reply, example: ex), usage: Usage(), cached: false))
        }
        let report = DiagnosticReport.build(label: "t", results: results, examples: Array(questions), runtime: runtime)
        let mode = try #require(report.modes.first)
        #expect(mode.id == "over_escalated")
        let parts = mode.recurring.map { "\($0.part) \($0.count)" }
        #expect(parts.contains("urgency high instead of low 3"))
        #expect(parts.contains("intent card_arrival instead of exchange_rate 3"))
        // The inputs it happened on are listed with the most frequent part, side by side.
        #expect(mode.recurring.first?.inputs.count == 3)
        #expect(report.text().contains("Inputs with \"\(mode.recurring[0].part)\": \"Customer message: "))
        #expect(report.text().contains("Recurring: "))
        #expect(report.text().contains("urgency high instead of low (3 times)"))
    }

    /// An example with several modes counts once in each; its lost score is split between them,
    /// so the shares (and the prevalences) still sum to 1. Metrics count each mode and give each
    /// field's mean.
    @Test func anExampleWithSeveralModesCountsInEachAndSplitsItsLoss() throws {
        let pack = repoRoot.appendingPathComponent("tasks/support-triage")
        let runtime = try PackRuntime(directory: pack)
        let questions = try PackData.load(spec: runtime.spec, directory: pack)[.dev].filter { $0.fields["label"]?.string == "exchange_rate" }.prefix(2)
        let replies = [#"{"intent": "exchange_rate", "category": "payments", "urgency": "low", "needs_human": false}"#,
                       #"{"intent": "exchange_charge", "category": "payments", "urgency": "low", "needs_human": false}"#]
        var results: [ExampleResult] = []
        for (i, (ex, reply)) in zip(questions, replies).enumerated() {
            results.append(ExampleResult(index: i, id: ex.id, source: ex.source, reply: reply,
                                         outcome: try runtime.evaluate(reply: reply, example: ex), usage: Usage(), cached: false))
        }
        #expect(results[1].outcome?.modes == ["wrong_category", "wrong_intent"])
        let report = DiagnosticReport.build(label: "t", results: results, examples: Array(questions), runtime: runtime)
        let byID = Dictionary(uniqueKeysWithValues: report.modes.map { ($0.id, $0) })
        #expect(byID["wrong_category"]?.count == 2 && byID["wrong_intent"]?.count == 1)
        #expect(abs(byID["wrong_category"]!.lostScore - 0.5) < 1e-12 && abs(byID["wrong_intent"]!.lostScore - 0.25) < 1e-12)
        #expect(abs(byID["wrong_category"]!.prevalence - 2.0 / 3) < 1e-12 && abs(byID["wrong_intent"]!.prevalence - 1.0 / 3) < 1e-12)
        let m = report.metrics
        #expect(m.failures == ["wrong_category": 2, "wrong_intent": 1])
        #expect(m.metricMeans == ["intent": 0.5, "category": 0, "urgency": 1, "needs_human": 1] && m.score == 0.625)
        #expect(report.text().contains("metrics (means; the score is their weighted mean): category 0.000, intent 0.500, needs_human 1.000, urgency 1.000"))
    }
}
