import Foundation
import LuaHost
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
            // A pack's named metrics, each beside the score they make up (the primary).
            for name in fin.initialTest.metricMeans.keys.sorted() {
                // A long name is kept whole and pushes its numbers right, rather than run into them.
                let label = ("test " + name).padding(toLength: max(15, name.count + 6), withPad: " ", startingAt: 0)
                out += "  \(label)\(f(fin.initialTest.metricMeans[name]))     \(f(fin.bestTest.metricMeans[name]))\n"
            }
            out += "  format errors  \(f(fin.initialTest.formatErrorRate))     \(f(fin.bestTest.formatErrorRate))\n"
            for t in fin.transfer { out += t.line }
        } else {
            out += "  test           not run (the budget was spent)\n"
        }
        if !r.safeguardRejections.isEmpty {
            out += "  safeguards     \(r.safeguardRejections.count) candidate(s) with a dev gain rejected:\n"
            for line in r.safeguardRejections.prefix(5) { out += "                 \(line)\n" }
        }
        if let a = r.ablation { out += a.line }
        for l in ledger.lines {
            out += "  \(l.role.padding(toLength: 13, withPad: " ", startingAt: 0)) \(l.model): \(l.tokensText)"
                + (l.cost.map { String(format: ", $%.4f", $0) } ?? ", cost unknown") + "\n"
        }
        out += "run folder: \(folder)  (best_prompt.md, final.json, summary.json, events.jsonl)\n"
        return out
    }

    /// The table's numbers as `summary.json` keeps them (the test result in detail is final.json).
    public static func json(pack: String, result r: TuneResult, ledger: UsageLedger) -> JSONValue {
        func num(_ x: Double) -> JSONValue { x.isNaN ? .null : .double(x) }
        var o: [String: JSONValue] = [
            "pack": .string(pack), "stopped_by": .string(r.stopReason), "best_round": .int(Int64(r.bestRound)),
            "initial_dev": num(r.initialDev), "best_dev": num(r.bestDev),
            "tokens": .array(ledger.lines.map(\.json)), "cost": ledger.totalCost.map(JSONValue.double) ?? .null,
        ]
        if let fin = r.final {
            o["test"] = ["initial": num(fin.initialTest.score), "best": num(fin.bestTest.score), "gain": .double(fin.gain.mean),
                         "gain_ci95": [.double(fin.gain.lower), .double(fin.gain.upper)], "paired_examples": .int(Int64(fin.gain.n)),
                         "transfer": .array(fin.transfer.map(\.json))]
        }
        o["safeguard_rejections"] = .array(r.safeguardRejections.map(JSONValue.string))
        o["ablation"] = r.ablation?.json ?? .null
        return .object(o)
    }

    /// The most calls and output tokens the run can use, the input tokens they can carry (from
    /// the longest prompt), and their cost with the price table. Calls and output tokens are hard
    /// bounds: the optimizer may make twice its tool calls a round (replies that call no tool, the
    /// nudge after them, and duplicates do not use one up), each up to its max tokens; the critic
    /// labels up to `Critic.defaultLabels` failures of every report on optimization examples.
    /// The judge grades every target reply (twice when a verdict cannot be used): `judgeChars` is
    /// its longest request before the reply (rubric, input, reference), `judgeTokens` its reply bound.
    public static func estimate(settings s: TuneSettings, train: Int, dev: Int, test: Int, maxPromptChars: Int,
                                replyTokens: Int, config: ModelConfig, judgeChars: Int = 0, judgeTokens: Int = 0,
                                regression: Int = 0) -> String {
        let trainN = s.trainSample > 0 ? min(s.trainSample, train) : train
        let devN = min(s.devLimit ?? dev, dev), testN = min(s.testLimit ?? test, test)
        let perRoundTarget = s.toolCallsPerRound * trainN + s.candidatesPerRound * (devN + trainN)
        // The ablation: each edit of the best prompt (at most one per kept candidate) reverted alone
        // on dev, then the removals checked together, each with the regression cases.
        let edits = s.ablation ? s.rounds * s.candidatesPerRound : 0
        let ablationCalls = edits == 0 ? 0 : (2 * edits - 1) * devN + edits * regression
        // Regression cases: the initial prompt's, then every candidate dev would keep.
        let targetCalls = trainN + devN + s.rounds * perRoundTarget + 2 * testN + regression * (1 + s.rounds * s.candidatesPerRound) + ablationCalls
        // Each --also-target scores the initial and the best prompt on test.
        let alsoCalls = 2 * testN
        let perRound = 2 * s.toolCallsPerRound
        let optimizerCalls = s.rounds * perRound
        // A candidate is the prompt with one section rewritten by the optimizer: at most its reply longer.
        // Doubles: the product of large settings must not overflow an Int.
        let promptTokens = Double(maxPromptChars / 3 + s.optimizerMaxTokens)
        let targetIn = Double(targetCalls) * promptTokens, targetOut = Double(targetCalls) * Double(replyTokens)
        // Each optimizer call resends the conversation: the round's context (with the pack's capped
        // tuning history, unless --no-history), then every earlier reply and tool result.
        let context = 8000.0 + (s.useHistory ? Double(TuningMemory.maxChars / 3) : 0), step = Double(s.optimizerMaxTokens + 3000), k = Double(perRound)
        let optIn = Double(s.rounds) * (k * context + k * (k - 1) / 2 * step)
        let optOut = Double(optimizerCalls) * Double(s.optimizerMaxTokens)
        let reports = 1 + s.rounds * s.toolCallsPerRound
        let criticCalls = s.critic == nil ? 0 : reports * Critic.defaultLabels
        let criticIn = Double(criticCalls) * 1500, criticOut = Double(criticCalls * Critic.maxTokens)
        func cost(_ model: String, _ i: Double, _ o: Double) -> String {
            guard let p = config.price(for: model) else { return "unknown price" }
            return String(format: "$%.2f", (i * p.input + o * p.output) / 1e6)
        }
        func n(_ x: Double) -> String { String(format: "%.0f", x) }
        var out = """
            rpt tune --dry-run: at most, with \(s.rounds) rounds of \(s.toolCallsPerRound) optimizer tool calls and \(s.candidatesPerRound) candidates
              target     \(s.target): \(targetCalls) calls, up to \(n(targetIn)) tokens in and \(n(targetOut)) out: \(cost(s.target, targetIn, targetOut))
              optimizer  \(s.optimizer): \(optimizerCalls) calls, up to \(n(optIn)) tokens in and \(n(optOut)) out: \(cost(s.optimizer, optIn, optOut))

            """
        if edits > 0 {
            out += "  ablation   \(ablationCalls) of the target's calls: up to \(2 * edits - 1) dev runs for at most \(edits) edits (--no-ablation skips them)\n"
        }
        if let judge = s.judge {
            // A verdict that cannot be used is asked for again, once.
            let calls = (targetCalls + alsoCalls * s.alsoTargets.count) * Judge.attempts
            let judgeIn = Double(calls) * (Double(judgeChars / 3) + Double(replyTokens)), judgeOut = Double(calls) * Double(judgeTokens)
            out += "  judge      \(judge): \(calls) calls, up to \(n(judgeIn)) tokens in and \(n(judgeOut)) out: \(cost(judge, judgeIn, judgeOut))\n"
        }
        for also in s.alsoTargets {
            let i = Double(alsoCalls) * promptTokens, o = Double(alsoCalls) * Double(replyTokens)
            out += "  also       \(also): \(alsoCalls) calls, up to \(n(i)) tokens in and \(n(o)) out: \(cost(also, i, o))\n"
        }
        if let critic = s.critic {
            out += "  critic     \(critic): \(criticCalls) calls, up to \(n(criticIn)) tokens in and \(n(criticOut)) out: \(cost(critic, criticIn, criticOut))\n"
        }
        out += """
              examples   \(trainN) optimization (sample), \(devN) dev, \(testN) test
            Tokens in are counted at 3 characters a token. Real runs use far less: most rounds evaluate a few prompts, and repeated calls come from the cache.

            """
        return out
    }
}
