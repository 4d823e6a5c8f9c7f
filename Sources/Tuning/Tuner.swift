import Foundation
import LuaHost
import ModelClient
import StableHash
import Synchronization
import TaskPack

/// The result of a tuning run, as the summary table shows it.
public struct TuneResult: Sendable {
    public var stopReason: String
    public var initial: PromptProgram
    public var best: PromptProgram
    public var bestRound: Int
    public var initialDev: Double
    public var bestDev: Double
    public var final: FinalResult?
    /// Candidates dev would have kept that a safeguard rejected, each as "round R candidate C: why".
    public var safeguardRejections: [String] = []
    /// What each edit of the best prompt contributes (nil: no edit, --no-ablation, or a budget stop before it).
    public var ablation: AblationResult?
}

/// The initial and the best prompt, once each on the untouched test split.
public struct FinalResult: Sendable {
    public var initialTest: Metrics
    public var bestTest: Metrics
    /// Paired bootstrap 95% interval of best - initial.
    public var gain: Selection.Interval
    /// The same on each `--also-target` model.
    public var transfer: [TransferResult] = []
}

/// Reflective Prompt Tuning: diagnose, let the optimizer patch, keep what dev says is better.
public final class Tuner {
    let settings: TuneSettings
    let store: RunStore
    let ledger: UsageLedger
    let runtime: PackRuntime
    let data: PackData
    let train: [Example]
    let dev: [Example]
    let test: [Example]
    let guardrails: Guardrails
    let target: any ChatModel
    let alsoTargets: [TuneModels.Named]
    let session: OptimizerSession
    let critic: Critic?
    /// Candidates a safeguard (regression case, protected mode) rejected, for the summary.
    var safeguardRejections: [String] = []
    let judge: Judge?
    public var progress: (String) -> Void = { _ in }
    /// What earlier tunings of the pack left (`TuningMemory.summary` of its history.json): every
    /// round's context starts with it. Nil without a history or with `--no-history`.
    public var earlierTuning: String?

    /// The models come as clients (`TuneModels`), not as a hub: the loop only asks and counts.
    public init(settings: TuneSettings, store: RunStore, models: TuneModels, runtime: PackRuntime, data: PackData) {
        self.settings = settings
        self.store = store
        self.ledger = models.ledger
        self.runtime = runtime
        self.data = data
        var rng = SplitMix(settings.seed)
        let shuffled = data[.train].shuffled(using: &rng)
        train = settings.trainSample > 0 ? Array(shuffled.prefix(settings.trainSample)) : shuffled
        dev = PackData.sample(data[.dev], n: settings.devLimit, seed: settings.seed, stratifyBy: runtime.spec.labelField)
        test = PackData.sample(data[.test], n: settings.testLimit, seed: settings.seed, stratifyBy: runtime.spec.labelField)
        let all = Split.allCases.flatMap { data[$0] } + data.regression      // regression cases may not be pasted either
        let fields = all.flatMap { ex in ex.fields.filter { $0.key != runtime.spec.idField }.values.compactMap(\.string) }
        guardrails = Guardrails(contract: runtime.spec.contract, texts: all.flatMap { CopiedText.texts(of: $0, runtime: runtime) }, inputs: fields,
                                initial: PromptProgram(runtime.spec.prompt), optimizerInstructions: OptimizerSession.instructions)
        target = models.target
        alsoTargets = models.alsoTargets
        session = OptimizerSession(client: models.optimizer, temperature: settings.optimizerTemperature,
                                   maxTokens: settings.optimizerMaxTokens, toolCalls: settings.toolCallsPerRound, candidates: settings.candidatesPerRound)
        critic = models.critic.map { Critic(client: $0) }
        judge = models.judge
    }

    /// A report on optimization examples, with the critic's labels when there is a critic.
    func trainReport(_ label: String, _ results: [ExampleResult], _ examples: [Example], best: [ExampleResult]?,
                     warnings: [String] = []) async throws -> DiagnosticReport {
        var results = results, definitions: [String: String] = [:]
        if let critic { (results, definitions) = try await critic.relabel(results, examples: examples, runtime: runtime) }
        return DiagnosticReport.build(label: label, results: results, examples: examples, runtime: runtime, best: best,
                                      warnings: warnings, definitions: definitions)
    }

    struct BudgetStop: Error { let message: String }

    /// What a spent budget says, or nil for any other error (which ends the run).
    static func budgetMessage(_ error: any Error) -> String? {
        (error as? BudgetStop)?.message ?? (error as? ModelError).flatMap { $0.kind == .budget ? $0.message : nil }
    }

    /// Each example's result as it comes, with what is being evaluated and how many in all.
    public var onResult: @Sendable (_ step: String, _ result: ExampleResult, _ total: Int) -> Void = { _, _, _ in }

    func evaluate(_ program: PromptProgram, _ examples: [Example], _ step: String,
                  client: (any ChatModel)? = nil) async throws -> [ExampleResult] {
        var evaluator = Evaluator(client: client ?? target)
        evaluator.maxTokens = runtime.spec.replyTokens(settings.targetMaxTokens)
        evaluator.judge = judge
        let report = onResult
        let (results, stop) = try await evaluator.run(runtime: runtime, examples: examples, prompt: program) { report(step, $0, examples.count) }
        if let stop { throw BudgetStop(message: stop.message) }
        return results
    }

    /// The whole run: baseline, rounds until a stop, the ablation of the best prompt's edits, then
    /// the test split. A spent budget at any point ends it cleanly with the best prompt the run
    /// folder holds (unpruned, when the budget ran out during the ablation).
    public func run() async throws -> TuneResult {
        let initial = PromptProgram(runtime.spec.prompt)
        store.log("run_started", ["settings": settings.json, "train": .int(Int64(train.count)), "dev": .int(Int64(dev.count)),
                                  "test": .int(Int64(test.count))])
        var best: Incumbent
        var stopReason = "iteration limit (\(settings.rounds) rounds)"
        var initialDev = Double.nan
        do {
            var state = try await baseline(initial)
            initialDev = state.best.devScore
            store.log("round_tokens", RoundTokens.fields(round: 0, ledger: ledger))
            for n in 1...max(1, settings.rounds) {
                let reason = try await round(n, &state)
                store.log("round_tokens", RoundTokens.fields(round: n, ledger: ledger))
                if let reason { stopReason = reason; break }
            }
            best = state.best
        } catch {
            guard let message = Tuner.budgetMessage(error) else { throw error }
            stopReason = "budget: \(message)"
            best = try bestSoFar(initial)
        }
        var ablation: AblationResult?
        if !stopReason.hasPrefix("budget") { (best, ablation) = try await ablate(initial: initial, best: best, stopReason: &stopReason) }
        return try await finish(initial: initial, best: best, initialDev: initialDev, stopReason: stopReason, ablation: ablation)
    }

    /// Round 0: the initial prompt on the optimization sample (the first report the optimizer
    /// reads) and on dev (the score every candidate must beat, and the pairs it is compared on).
    func baseline(_ initial: PromptProgram) async throws -> LoopState {
        let initialTrain = try await evaluate(initial, train, "initial prompt on the optimization sample")
        let report = try await trainReport("initial prompt on \(train.count) optimization examples", initialTrain, train, best: nil)
        try store.write("rounds/00/initial-train.json", json: report.json)
        let initialDev = try await evaluate(initial, dev, "initial prompt on dev")
        let devMetrics = Metrics(initialDev)
        let best = Incumbent(program: initial, dev: initialDev, devScore: devMetrics.score, train: initialTrain, round: 0,
                             regression: try await baselineRegression(initial))
        try store.write("rounds/00/initial-dev.json", json: DiagnosticReport.build(label: "initial prompt on dev", results: initialDev,
                                                                                    examples: dev, runtime: runtime).json)
        store.log("baseline", ["dev_score": .double(devMetrics.score), "train_score": .double(report.metrics.score)])
        progress(String(format: "round 0: initial prompt, dev %.3f", devMetrics.score))
        return LoopState(best: best, reports: [report])
    }

    /// One round: a fresh optimizer conversation from a bounded context, its rejected edits
    /// logged, its candidates scored. Returns why the tuning stops after it, or nil to go on.
    func round(_ round: Int, _ state: inout LoopState) async throws -> String? {
        // The session's tools see the best prompt and the prompts tried as the round began
        // (only scoring the candidates, after the conversation, changes them).
        let (best, tried) = (state.best, state.tried)
        let context = roundContext(round: round, best: best, history: state.history, reports: state.reports)
        let tests = Mutex(0)   // each evaluate call its own progress line (a shared label summed their counts)
        let actions = OptimizerSession.Actions(
            evaluate: { [self] program, size in
                let sample = Array(train.prefix(min(size ?? train.count, train.count)))
                let n = tests.withLock { $0 += 1; return $0 }
                let results = try await evaluate(program, sample, "round \(round): edit test \(n) on the optimization sample")
                let collapse = Guardrails.parseCollapse(candidate: Metrics(results), best: Metrics(best.train))
                if let collapse { store.log("warning", ["round": .int(Int64(round)), "message": .string(collapse)]) }
                return try await trainReport("a prompt under test on \(sample.count) optimization examples", results, sample,
                                             best: best.train, warnings: collapse.map { [$0] } ?? [])
            },
            rejection: { [guardrails] in guardrails.rejection($0.program, section: $0.section, best: best.program) },
            triedBefore: { tried[$0] },
            latestReport: state.reports.last!)
        let outcome = try await session.round(context: context, current: best.program, actions: actions)
        try store.write(String(format: "rounds/%02d/optimizer.json", round), json: .array(outcome.transcript))
        state.reports = Array((state.reports + outcome.reports).suffix(settings.reportsKept))
        for (e, why) in outcome.rejected {
            store.log("candidate_rejected", ["round": .int(Int64(round)), "section": .string(e.section), "modes": .array(e.modes.map(JSONValue.string)),
                                             "prompt": e.program.json, "reason": .string(why)])
            state.history.append("round \(round): edit of section '\(e.section)' rejected: \(why)")
        }
        store.log("optimizer_round", ["round": .int(Int64(round)), "model_calls": .int(Int64(outcome.modelCalls)),
                                      "readable_tool_calls": .int(Int64(outcome.readableToolCalls)),
                                      "candidates": .int(Int64(outcome.accepted.count)), "rejected": .int(Int64(outcome.rejected.count)),
                                      "duplicates": .int(Int64(outcome.duplicates))])
        let improved = try await candidates(outcome.accepted, round: round, &state)
        state.streak = improved ? 0 : state.streak + 1
        progress(String(format: "round %d: %d candidates, best dev %.3f (round %d)", round, outcome.accepted.count,
                        state.best.devScore, state.best.round) + tokensAndCost())
        // A stop after proposing candidates ends the round (small models call it when done
        // with a round); a stop with nothing proposed ends the tuning.
        if let reason = outcome.stop, outcome.accepted.isEmpty { return "optimizer stopped: \(reason)" }
        if state.streak >= settings.patience { return "patience: no dev gain in \(settings.patience) rounds" }
        return nil
    }

    /// Scores a round's candidates on dev, in order, each against the best prompt at that moment:
    /// a real gain (paired bootstrap) or the same score in fewer tokens replaces it. Every
    /// candidate is logged with its per-mode effects, so the folder explains each choice.
    /// Returns whether any candidate was a real gain (patience counts rounds without one).
    func candidates(_ accepted: [OptimizerSession.Edit], round: Int, _ state: inout LoopState) async throws -> Bool {
        var improved = false
        for (i, c) in accepted.enumerated() {
            let best = state.best
            let results = try await evaluate(c.program, dev, "round \(round): candidate \(i + 1) on dev")
            let metrics = Metrics(results)
            let (real, interval) = Selection.isRealGain(Selection.differences(best.dev, results), level: settings.level,
                                                        seed: settings.seed &+ UInt64(round * 100 + i))
            let shorter = metrics.score == best.devScore && tokens(c.program) < tokens(best.program)
            // Whatever its dev score, a candidate may not break a regression case or raise a protected mode.
            let guarded = real || shorter
                ? try await safeguard(c.program, dev: results, best: best, seed: settings.seed &+ UInt64(round * 100 + i + 1) &+ 7919,
                                      step: "round \(round): candidate \(i + 1) on the regression cases")
                : (reason: nil, record: [:], regression: [])
            let kept = (real || shorter) && guarded.reason == nil
            if let why = guarded.reason { safeguardRejections.append("round \(round) candidate \(i + 1): \(why)") }
            let report = DiagnosticReport.build(label: "round \(round) candidate \(i + 1) on dev", results: results, examples: dev,
                                                runtime: runtime, best: best.dev)
            let effects = report.modes.filter { ($0.fixed ?? 0) + ($0.broke ?? 0) > 0 }
            let effectText = effects.map { "\($0.id) fixed \($0.fixed ?? 0), broke \($0.broke ?? 0)" }.joined(separator: "; ")
            try store.write(String(format: "rounds/%02d/candidate-%d.json", round, i + 1),
                            json: ["prompt": c.program.json, "section": .string(c.section), "modes": .array(c.modes.map(JSONValue.string)),
                                   "rationale": .string(c.rationale), "kept": .bool(kept), "report": report.json])
            store.log("candidate_scored", guarded.record.merging(["round": .int(Int64(round)), "candidate": .int(Int64(i + 1)), "dev_score": .double(metrics.score),
                                           "section": .string(c.section), "modes": .array(c.modes.map(JSONValue.string)),
                                           "effects": .object(Dictionary(uniqueKeysWithValues: effects.map {
                                               ($0.id, ["fixed": .int(Int64($0.fixed ?? 0)), "broke": .int(Int64($0.broke ?? 0))])
                                           })),
                                           "gain": .double(interval.mean), "gain_lower": .double(interval.lower), "kept": .bool(kept),
                                           "why": .string(guarded.reason ?? (real ? "dev gain is real" : shorter ? "same dev score, fewer tokens" : "no real dev gain"))]) { a, _ in a })
            let verdict = kept ? "kept" : "not kept (\(guarded.reason ?? "no real dev gain"))"
            state.tried[c.program] = String(format: "round %d: dev %.3f, %@", round, metrics.score, verdict)
            state.history.append(String(format: "round %d: edit of section '%@' for %@: dev %.3f (best was %.3f) — %@", round, c.section,
                                        c.modes.isEmpty ? "no named mode" : c.modes.joined(separator: ", "), metrics.score, best.devScore, verdict)
                                 + (effectText.isEmpty ? "" : "; " + effectText))
            if kept {
                let trainResults = try await evaluate(c.program, train, "round \(round): the new best on the optimization sample")
                improved = improved || real
                state.best = Incumbent(program: c.program, dev: results, devScore: metrics.score, train: trainResults, round: round,
                                       regression: guarded.regression.isEmpty ? best.regression : guarded.regression)
                try store.write("best_prompt.json", json: state.best.program.json)
                store.log("best_changed", ["round": .int(Int64(round)), "dev_score": .double(metrics.score)])
            }
        }
        return improved
    }

    /// After a budget stop: the best prompt as the log and files have it.
    private func bestSoFar(_ initial: PromptProgram) throws -> Incumbent {
        let saved = store.read("best_prompt.json").flatMap { try? JSON.decode($0) }
        let program = saved.flatMap { PromptProgram.from(json: $0) } ?? initial
        return Incumbent(program: program, dev: [], devScore: .nan, train: [], round: -1)
    }

    /// The end of every run, stopped for any reason: the best prompt written in both forms, the
    /// stop logged, then (unless the budget is spent) the one look at the test split, and the
    /// summary. The test split is used here only, so it cannot steer any choice.
    func finish(initial: PromptProgram, best: Incumbent, initialDev: Double, stopReason: String, ablation: AblationResult?) async throws -> TuneResult {
        try store.write("best_prompt.json", json: best.program.json)
        try store.write("best_prompt.md", best.program.markdown)
        store.log("stopped", ["reason": .string(stopReason), "best_round": .int(Int64(best.round))])
        var result = TuneResult(stopReason: stopReason, initial: initial, best: best.program, bestRound: best.round,
                                initialDev: initialDev, bestDev: best.devScore, final: nil, safeguardRejections: safeguardRejections,
                                ablation: ablation)
        if !stopReason.hasPrefix("budget") {
            progress("final: the initial and the best prompt on \(test.count) test examples")
            let before = try await evaluate(initial, test, "final: initial prompt on test")
            let after = best.program == initial ? before : try await evaluate(best.program, test, "final: best prompt on test")
            let gain = Selection.bootstrap(Selection.differences(before, after), level: 0.95, seed: settings.seed)
            result.final = FinalResult(initialTest: Metrics(before), bestTest: Metrics(after), gain: gain,
                                       transfer: try await transfer(initial: initial, best: best.program))
            try TestRecord.write(store, initial: before, best: after)
            try store.write("final.json", json: TestRecord.final(result.final!, examples: test.count, bestRound: best.round, best: best.program,
                                                                 ablation: ablation))
            store.log("finished", ["test_initial": .double(Metrics(before).score), "test_best": .double(Metrics(after).score),
                                   "gain": .double(gain.mean), "gain_lower": .double(gain.lower), "gain_upper": .double(gain.upper)])
        }
        // The printed table's numbers, from the same ledger, so the two cannot disagree.
        try store.write("summary.json", json: TuneSummary.json(pack: runtime.spec.name, result: result, ledger: ledger))
        return result
    }

    /// The judge a pack with a judge needs (the command refuses to start without one, with how to
    /// give one); none for a pack without.
    public static func judge(_ model: String?, spec: TaskSpec, hub: ModelHub) throws -> Judge? {
        guard let judging = spec.judge else { return nil }
        guard let model else { throw ModelError(.config, "the pack \(spec.name) grades replies with a judge model: give one with --judge MODEL") }
        return Judge(model: model, spec: judging, client: try hub.client(model, role: "judge"))
    }

    func tokens(_ p: PromptProgram) -> Int { (p.system.utf8.count + p.instruction.utf8.count + 3) / 4 }

    func tokensAndCost() -> String {
        let u = ledger.totalUsage
        return "; live tokens so far \(u.total)" + (ledger.totalCost.map { String(format: ", $%.4f", $0) } ?? "")
    }
}
