import Foundation
import Testing
import LuaHost
import ModelClient
import TaskPack
import TestSupport
@testable import Tuning

/// Why an evaluation has no calibration, as the summary says it (issue 18: "the pack's extract
/// gives no confidence" was printed for banking77, whose replies had never parsed).
@Suite struct MetricsTests {
    let pack = repoRoot.appendingPathComponent("tasks/banking77")

    /// banking77's results for these replies, one example each: its extract gives a confidence
    /// only when the reply has one.
    func results(_ replies: [String], apiErrors: Int = 0) throws -> [ExampleResult] {
        let runtime = try PackRuntime(directory: pack)
        let examples = try PackData.load(spec: runtime.spec, directory: pack)[.dev]
        var out: [ExampleResult] = []
        for (i, reply) in replies.enumerated() {
            let ex = examples[i]
            out.append(ExampleResult(index: i, id: ex.id, source: ex.source, reply: reply, outcome: try runtime.evaluate(reply: reply, example: ex),
                                     usage: Usage(), cached: false))
        }
        for i in 0..<apiErrors {
            let ex = examples[replies.count + i]
            out.append(ExampleResult(index: replies.count + i, id: ex.id, source: ex.source, apiError: "HTTP 500", usage: Usage(), cached: false))
        }
        return out
    }

    let withConfidence = #"{"intent": "card_arrival", "confidence": 0.8}"#
    let withoutConfidence = #"{"intent": "card_arrival"}"#

    func summaryLine(_ m: Metrics) -> String {
        let report = EvalReport(pack: "banking77", split: "dev", model: "m", metrics: m, ledger: [], cost: 0, resultsFile: nil, stoppedBy: nil)
        return report.text.split(separator: "\n").first { $0.contains("calibration") }.map(String.init) ?? ""
    }

    @Test func noReplyParsed() throws {
        let m = Metrics(try results(Array(repeating: "It is about a card, I think.", count: 12)))
        #expect(m.calibration == nil && m.noCalibration == .noReplyParsed(formatErrors: 12, packErrors: 0, scored: 12))
        #expect(summaryLine(m) == "  calibration    none (no reply was parsed: 12 of 12 format errors)")
    }

    @Test func thePackGaveNoConfidence() throws {
        let m = Metrics(try results(Array(repeating: withoutConfidence, count: 11) + ["not JSON"]))
        #expect(m.noCalibration == .noConfidenceGiven(parsed: 11))
        #expect(summaryLine(m) == "  calibration    none (the pack's extract gave no confidence for any of the 11 parsed replies)")
    }

    @Test func tooFewExamples() throws {
        let few = Metrics(try results(Array(repeating: withConfidence, count: Calibration.minimumCount - 1) + [withoutConfidence]))
        #expect(few.noCalibration == .tooFew(Calibration.minimumCount - 1))
        #expect(summaryLine(few) == "  calibration    none (too few examples: 9 answers with a confidence, at least 10 needed)")
        let enough = Metrics(try results(Array(repeating: withConfidence, count: Calibration.minimumCount)))
        #expect(enough.calibration?.count == 10 && enough.noCalibration == nil)
        #expect(summaryLine(enough).hasPrefix("  calibration    Brier "))
    }

    @Test func nothingScored() throws {
        let m = Metrics(try results([], apiErrors: 3))
        #expect(m.noCalibration == .nothingScored)
        #expect(summaryLine(m) == "  calibration    none (no example was scored)")
    }
}
