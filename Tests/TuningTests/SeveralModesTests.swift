import Foundation
import Testing
import LuaHost
import ModelClient
import TaskPack
import TestSupport
@testable import Tuning

/// An example with several modes counts in each: a protected mode that comes second still counts,
/// and an eval folder's report agrees with summary.json's failures.
@Suite struct SeveralModesTests {
    func result(_ id: String, _ modes: [String]) -> ExampleResult {
        let o = Outcome(answer: "x", confidence: nil, score: modes.isEmpty ? 1 : 0.5, failure: modes.first, detail: nil, moreModes: Array(modes.dropFirst()))
        return ExampleResult(index: 0, id: id, source: "s", reply: "x", outcome: o, usage: Usage(), cached: false)
    }

    @Test func aProtectedModeCountsWhereverItComesInTheList() {
        let best = [result("a", []), result("b", ["far"])]
        let candidate = [result("a", ["near", "far"]), result("b", ["far"])]
        #expect(Safeguards.modeDifferences("far", best: best, candidate: candidate) == [1, 0])
        #expect(Metrics(candidate).failures == ["near": 1, "far": 2])
    }

    @Test func theEvalFolderReportCountsEveryMode() throws {
        let folder = URL(fileURLWithPath: Scratch.path("several-modes-report"))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let lines = [result("a", ["near", "far"]), result("b", ["far"]), result("c", [])].map { JSON.encode($0.json) }
        try (lines.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("results.jsonl"), atomically: true, encoding: .utf8)
        let rows = try #require(EvalFolderReport.rows(folder))
        #expect(rows[0].modes == ["near", "far"] && rows[1].modes == ["far"] && rows[2].modes.isEmpty)
        #expect(Dictionary(uniqueKeysWithValues: EvalFolderReport.failureCounts(rows)) == ["far": 2, "near": 1])
    }
}
