import Foundation
import LuaHost
import ModelClient
import TaskPack

/// The initial and the best prompt on one more model, on the same test sample: does the tuned
/// prompt carry over to a model it was not tuned on (`rpt tune --also-target`)?
public struct TransferResult: Sendable {
    public var model: String
    public var initialTest: Metrics
    public var bestTest: Metrics
    /// Paired bootstrap 95% interval of best - initial on this model.
    public var gain: Selection.Interval

    public var json: JSONValue {
        ["model": .string(model), "initial_score": .double(initialTest.score), "best_score": .double(bestTest.score),
         "gain": .double(gain.mean), "gain_ci95": [.double(gain.lower), .double(gain.upper)], "paired_examples": .int(Int64(gain.n))]
    }

    /// The summary table's line, beside the target's test score.
    public var line: String {
        String(format: "  test on %@\n                 %.3f     %.3f    gain %+.3f, 95%% CI [%+.3f, %+.3f] over %d paired examples\n",
               model, initialTest.score, bestTest.score, gain.mean, gain.lower, gain.upper, gain.n)
    }
}

extension Tuner {
    /// Each `--also-target` model on the test sample, the initial prompt then the best (one
    /// evaluation when they are the same prompt), after the target's own test run.
    func transfer(initial: PromptProgram, best: PromptProgram) async throws -> [TransferResult] {
        var out: [TransferResult] = []
        for other in alsoTargets {
            progress("final: the initial and the best prompt on \(test.count) test examples with \(other.name)")
            let before = try await evaluate(initial, test, "final: initial prompt on test with \(other.name)", client: other.client)
            let after = best == initial ? before
                : try await evaluate(best, test, "final: best prompt on test with \(other.name)", client: other.client)
            let gain = Selection.bootstrap(Selection.differences(before, after), level: 0.95, seed: settings.seed)
            out.append(TransferResult(model: other.name, initialTest: Metrics(before), bestTest: Metrics(after), gain: gain))
        }
        return out
    }
}
