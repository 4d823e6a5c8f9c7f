import Foundation
import ModelClient

/// The short table `rpt tune` ends with, and the dry-run estimate.
public enum TuneSummary {
    public static func table(pack: String, result r: TuneResult, ledger: UsageLedger, folder: String) -> String {
        func f(_ x: Double?) -> String { x.map { $0.isNaN ? "  -  " : String(format: "%.3f", $0) } ?? "  -  " }
        var out = "rpt tune \(pack): stopped by \(r.stopReason)\n"
        out += "                 initial   best" + (r.bestRound >= 0 ? " (round \(r.bestRound))" : "") + "\n"
        out += "  dev score      \(f(r.initialDev))     \(f(r.bestDev))\n"
        if let fin = r.final {
            out += "  test score     \(f(fin.initialTest.score))     \(f(fin.bestTest.score))"
            out += String(format: "    gain %+.3f, 95%% CI [%+.3f, %+.3f] over %d paired examples\n", fin.gain.mean, fin.gain.lower, fin.gain.upper, fin.gain.n)
            if let a = fin.initialTest.calibration, let b = fin.bestTest.calibration {
                out += "  test Brier     \(f(a.brier))     \(f(b.brier))\n"
                out += "  test ECE       \(f(a.ece))     \(f(b.ece))\n"
            }
            out += "  format errors  \(f(fin.initialTest.formatErrorRate))     \(f(fin.bestTest.formatErrorRate))\n"
        } else {
            out += "  test           not run (the budget was spent)\n"
        }
        for l in ledger.lines {
            out += "  \(l.role.padding(toLength: 13, withPad: " ", startingAt: 0)) \(l.model): \(l.calls) calls (\(l.cacheHits) cached, \(l.retries) retries), "
            out += "tokens in \(l.usage.inputTokens) out \(l.usage.outputTokens)" + (l.cost.map { String(format: ", $%.4f", $0) } ?? ", cost unknown") + "\n"
        }
        out += "run folder: \(folder)  (best_prompt.md, final.json, events.jsonl)\n"
        return out
    }

    /// The most calls and tokens the run can use, and their cost with the price table.
    public static func estimate(settings s: TuneSettings, train: Int, dev: Int, test: Int, meanPromptChars: Int,
                                config: ModelConfig) -> String {
        let trainN = s.trainSample > 0 ? min(s.trainSample, train) : train
        let devN = min(s.devLimit ?? dev, dev), testN = min(s.testLimit ?? test, test)
        let perRoundTarget = s.toolCallsPerRound * trainN + s.candidatesPerRound * (devN + trainN)
        let targetCalls = trainN + devN + s.rounds * perRoundTarget + 2 * testN
        let optimizerCalls = s.rounds * s.toolCallsPerRound
        let targetIn = targetCalls * (meanPromptChars / 4), targetOut = targetCalls * (s.targetMaxTokens ?? 512)
        let optIn = optimizerCalls * 8000, optOut = optimizerCalls * 1500
        func cost(_ model: String, _ i: Int, _ o: Int) -> String {
            guard let p = config.price(for: model) else { return "unknown price" }
            return String(format: "$%.2f", p.cost(Usage(inputTokens: i, outputTokens: o)))
        }
        return """
            rpt tune --dry-run: at most, with \(s.rounds) rounds of \(s.toolCallsPerRound) optimizer tool calls and \(s.candidatesPerRound) candidates
              target     \(s.target): \(targetCalls) calls, about \(targetIn) tokens in and up to \(targetOut) out: \(cost(s.target, targetIn, targetOut))
              optimizer  \(s.optimizer): \(optimizerCalls) calls, about \(optIn) tokens in and \(optOut) out: \(cost(s.optimizer, optIn, optOut))
              examples   \(trainN) optimization (sample), \(devN) dev, \(testN) test
            Real runs use far less: most rounds evaluate a few prompts, and repeated calls come from the cache.

            """
    }
}
