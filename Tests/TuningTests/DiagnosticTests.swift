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
}
