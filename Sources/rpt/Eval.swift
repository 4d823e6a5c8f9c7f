import ArgumentParser
import Foundation
import LuaHost
import ModelClient
import TaskPack
import Tuning

struct Eval: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score one prompt of a task pack with a model.",
        discussion: """
            Models are provider:model (openai:gpt-4.1-mini, anthropic:claude-sonnet-4-5, local:NAME, a provider \
            of rpt.toml, or replay:CASSETTE). Keys come from the environment (OPENAI_API_KEY, ANTHROPIC_API_KEY). \
            Per-example results go to results.jsonl in the output folder, the pack's hook logs to hooks.log there.
            """)

    @Argument(help: "The task pack folder, or NAME[@VERSION] of an installed pack.") var pack: String
    @OptionGroup var targets: TargetsOption
    @OptionGroup var judge: JudgeOption
    @Flag(help: "Run only the pack's regression cases (its `regression` file): exit 1 naming each case that fails, for CI.")
    var regression = false
    @OptionGroup var prompt: PromptOption
    @OptionGroup var parameters: SetOption
    @OptionGroup var sample: SampleOptions
    @Option(parsing: .unconditional, help: ArgumentHelp("Fail (exit 1) when the score is below this, from 0 to 1.", valueName: "score"))
    var minScore: Double?
    @Flag(help: "Print the summary as JSON.") var json = false
    @Option(help: "The folder for results (default runs/eval-PACK-SPLIT-YYYYMMDD-HHMMSS).") var out: String?
    @OptionGroup var caching: CacheOption
    @Option(help: "Write every request and reply to this cassette (replay it with --target replay:FILE).") var record: String?
    @OptionGroup var call: TargetCallOptions
    @OptionGroup var generation: GenerationOptions
    @OptionGroup var budgets: BudgetOptions
    @OptionGroup var logging: HookLogOption

    func validate() throws {
        if let m = minScore, !(0...1).contains(m) { throw ValidationError("--min-score", is: m, mustBe: "a score from 0 to 1") }
    }

    /// A prompt file inside a tuning run's folder (RUN/best_prompt.md) is scored with the replies that
    /// run got for the same requests, so the eval reproduces the run's test score exactly (a local
    /// server's batching can change a reply at temperature 0); requests it never made are sent.
    func runCacheBesidePrompt() throws -> ResponseCache? {
        guard let file = prompt.file else { return nil }
        let path = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("cache.sqlite").path
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        FileHandle.standardError.write(Data("reading replies from the tuning run's cache too: \(path) (--no-cache asks the model again)\n".utf8))
        return try ResponseCache(path: path)
    }

    func run() async throws {
        let (target, split) = (targets.names, sample.split)
        let dir = try PackArgument.folder(pack)
        let runtime: PackRuntime
        let hookLog = HookLog(echo: logging.verbose)
        do { runtime = try PackRuntime(directory: dir, log: hookLog, set: try parameters.values) } catch {
            throw ValidationError(PackArgument.loadFailure(pack, error, hint: "run rpt check \(pack)"))
        }
        let data = try PackData.load(spec: runtime.spec, directory: dir)
        let scope = regression ? "regression" : split.rawValue
        if regression, runtime.spec.regression.isEmpty {
            throw Refusal("\(pack) names no regression cases: add regression = \"data/regression.jsonl\" to task.lua (rows like its data)")
        }
        let pool = regression ? data.regression : data[split]
        try TuneData.refuseRepeatedIDs(pool, pack: pack, scope: regression ? "the regression cases" : "the \(split) split")
        // Every regression case runs: they are few and each one must pass.
        let examples = regression ? pool : sample.examples(of: pool, spec: runtime.spec)
        var config = try ModelConfig.load(packDirectory: dir)
        call.point(&config, for: targets.models)
        let judgeModel = try JudgeChoice.model(flag: judge.model, config: config, spec: runtime.spec, pack: pack)
        do { try config.checkCostBudget(budgets.budget, models: target + (judgeModel.map { [$0] } ?? [])) }
        catch let e as ModelError { throw Refusal(e.message) }
        let cache = try caching.shared()
        let runCache = caching.noCache ? nil : try runCacheBesidePrompt()
        let folder = try out ?? RunStore.defaultFolder(["eval", runtime.spec.name] + PackParameters.folderParts(try parameters.values) + [scope])
        // Before the clients: a local model's server logs into this folder.
        let servers = try LocalModels.start(target + [judgeModel], config: &config, logFolder: folder)
        defer { servers.stop() }
        let hub = try ModelHub(config: config, ledger: UsageLedger(budget: budgets.budget),
                               cache: cache, alsoRead: runCache.map { [$0] } ?? [], recordTo: record)
        try hookLog.attach(path: folder + "/" + HookLog.fileName)
        defer { if let note = hookLog.footnote { FileHandle.standardError.write(Data((note + "\n").utf8)) } }
        let program = try prompt.program(runtime.spec)

        let settings = EvalTargets.Settings(pack: pack, temperature: generation.temperature, maxTokens: call.maxTokens, jsonMode: generation.jsonMode,
                                            judgeModel: judgeModel, judge: try Tuner.judge(judgeModel, spec: runtime.spec, hub: hub))
        let work = Task {
            var runs: [EvalTargets.Run] = []
            for model in target {
                // One model: its files in the folder, as always; several: a subfolder each, and a table.
                let sub = target.count == 1 ? folder : folder + "/" + EvalTargets.folderName(model)
                runs.append(try await EvalTargets.evaluate(model, hub: hub, runtime: runtime, examples: examples, program: program, folder: sub,
                                                           settings: settings, scope: scope))
            }
            return runs
        }
        let interrupt = Interrupt { work.cancel() }
        defer { interrupt.cancel() }
        let runs: [EvalTargets.Run]
        do { runs = try await work.value } catch is CancellationError {
            FileHandle.standardError.write(Data("interrupted: results so far are in \(folder)\n".utf8))
            throw ExitCode(130)
        }
        if let run = runs.first, target.count == 1 { print(json ? JSON.encode(run.report.json) : run.report.text, terminator: json ? "\n" : "") }
        if target.count > 1 {
            let table = EvalTargets.table(runs, pack: runtime.spec.name, scope: scope, modes: runtime.spec.failureModes)
            try (JSON.encode(table.json) + "\n").write(toFile: folder + "/summary.json", atomically: true, encoding: .utf8)
            print(json ? JSON.encode(table.json) : table.text, terminator: json ? "\n" : "")
        }
        var failed = false
        for run in runs {
            let m = run.report.metrics
            let who = target.count > 1 ? "\(run.model): " : ""
            if m.scored == 0 && m.examples > 0 {
                FileHandle.standardError.write(Data("\(who)no example was scored: see the API errors above\n".utf8))
                failed = true
            }
            if let minScore, m.score < minScore {
                FileHandle.standardError.write(Data(String(format: "%@score %.3f is below --min-score %.3f\n", who, m.score, minScore).utf8))
                failed = true
            }
            if regression {
                let broken = run.results.filter { !Safeguards.passes($0) }
                for r in broken { FileHandle.standardError.write(Data("\(who)regression case \(r.id) failed: \(EvalTargets.why(r))\n".utf8)) }
                FileHandle.standardError.write(Data("\(who)regression: \(run.results.count - broken.count) of \(run.results.count) cases pass\n".utf8))
                failed = failed || !broken.isEmpty
            }
        }
        if failed { throw ExitCode.failure }
    }
}
