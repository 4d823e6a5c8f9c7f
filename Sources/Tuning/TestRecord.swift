import Foundation
import LuaHost
import ModelClient

/// What the end of a tuning run records of its test split beyond the scores in final.json: each
/// example's result under the initial and the best prompt (the report lists the ones that
/// changed) and the calibration bins (the report draws the reliability diagram from them).
public enum TestRecord {
    public static let initialFile = "final/initial-test.jsonl"
    public static let bestFile = "final/best-test.jsonl"

    /// One line per example, as `rpt eval` writes results.jsonl, without `cached`: where a reply
    /// came from differs between a run and its resume (which replays from the cache), and the
    /// files of a resumed run must be the files of the run that was killed.
    public static func jsonl(_ results: [ExampleResult]) -> String {
        results.map { r in
            guard case .object(var o) = r.json else { return JSON.encode(r.json) }
            o["cached"] = nil
            return JSON.encode(.object(o))
        }.map { $0 + "\n" }.joined()
    }

    public static func write(_ store: RunStore, initial: [ExampleResult], best: [ExampleResult]) throws {
        try store.write(initialFile, jsonl(initial))
        try store.write(bestFile, jsonl(best))
    }

    /// final.json: the test scores and their paired gain, calibration, named metrics, the best
    /// prompt and the unpruned one the ablation started from (the same when it removed nothing).
    static func final(_ f: FinalResult, examples: Int, bestRound: Int, best: PromptProgram, ablation: AblationResult?) -> JSONValue {
        func calib(_ m: Metrics) -> JSONValue { m.calibration?.json ?? .null }
        return ["test_examples": .int(Int64(examples)), "initial_score": .double(f.initialTest.score), "best_score": .double(f.bestTest.score),
                "gain": .double(f.gain.mean), "gain_ci95": [.double(f.gain.lower), .double(f.gain.upper)], "paired_examples": .int(Int64(f.gain.n)),
                "initial_calibration": calib(f.initialTest), "best_calibration": calib(f.bestTest),
                "initial_metrics": .object(f.initialTest.metricMeans.mapValues(JSONValue.double)),
                "best_metrics": .object(f.bestTest.metricMeans.mapValues(JSONValue.double)),
                "best_round": .int(Int64(bestRound)), "best_prompt": best.json, "transfer": .array(f.transfer.map(\.json)),
                "unpruned_prompt": (ablation?.unpruned ?? best).json, "ablation": ablation?.json ?? .null]
    }
}

extension Calibration {
    /// final.json's form: the three numbers and the 10 bins (mean confidence, accuracy, count).
    public var json: JSONValue {
        ["count": .int(Int64(count)), "brier": .double(brier), "ece": .double(ece), "auroc": auroc.map(JSONValue.double) ?? .null,
         "bins": .array(bins.map { ["confidence": .double($0.confidence), "accuracy": .double($0.accuracy), "count": .int(Int64($0.count))] })]
    }

    /// Read back from `json`; nil without bins (a run folder older than them).
    public init?(json v: JSONValue?) {
        guard let v, let bins = v["bins"]?.array, bins.count == 10, let brier = v["brier"]?.number, let ece = v["ece"]?.number else { return nil }
        let read = bins.compactMap { b -> Bin? in
            guard let c = b["confidence"]?.number, let a = b["accuracy"]?.number, let n = b["count"]?.number, n >= 0, n < 1e9 else { return nil }
            return Bin(confidence: c, accuracy: a, count: Int(n))
        }
        guard read.count == 10 else { return nil }
        self.bins = read
        self.count = read.reduce(0) { $0 + $1.count }
        self.brier = brier
        self.ece = ece
        self.auroc = v["auroc"]?.number
    }
}
