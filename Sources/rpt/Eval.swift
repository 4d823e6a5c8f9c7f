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
            Per-example results go to a JSONL file in the output folder.
            """)

    @Argument(help: "The task pack folder, or NAME[@VERSION] of an installed pack.") var pack: String
    @Option(help: "The model to evaluate, provider:model; repeat it to score the prompt on several models over the same sample (a table, each model's results in its own subfolder).")
    var target: [String] = []
    @Option(help: "The model that grades the replies, for a pack with a judge (default: judge_model in your rpt.toml).") var judge: String?
    @Flag(help: "Run only the pack's regression cases (its `regression` file): exit 1 naming each case that fails, for CI.")
    var regression = false
    @Option(help: "A prompt file (best_prompt.json or .md as rpt tune writes them, or text = the instruction). Default: the pack's prompt.")
    var prompt: String?
    @Option(name: .customLong("set"), help: SetOption.help) var parameters: [String] = []
    @Option(help: "The split.") var split: Split = .dev
    // .unconditional: "-3" is read as a value (and refused by validate), not as an unknown flag.
    @Option(parsing: .unconditional, help: "Evaluate a seeded sample of N examples drawn across the split (by the pack's label field when it declares one), kept in file order.")
    var limit: Int?
    @Option(parsing: .unconditional, help: "Seed of the --limit sample, an integer of 0 or more (the same seed gives the same sample).")
    var seed: Int = 1
    @Option(parsing: .unconditional, help: "Fail (exit 1) when the score is below this.") var minScore: Double?
    @Flag(help: "Print the summary as JSON.") var json = false
    @Option(help: "The folder for results (default runs/eval-PACK-SPLIT-YYYYMMDD-HHMMSS).") var out: String?
    @Flag(help: "Do not read or write the response cache.") var noCache = false
    @Option(help: "Write every request and reply to this cassette (replay it with --target replay:FILE).") var record: String?
    @Option(help: "Base URL of the target's OpenAI-compatible server (overrides rpt.toml and OPENAI_BASE_URL).") var baseURL: String?
    @Option(parsing: .unconditional, help: "Sampling temperature (replies are cached only at 0).") var temperature: Double = 0
    @Option(parsing: .unconditional, help: "The most tokens a reply may have (default: the pack's max_tokens, else 512).") var maxTokens: Int?
    @Flag(help: "Ask the server for a JSON object reply (response_format), for packs whose output is JSON.") var jsonMode = false
    @Option(parsing: .unconditional, help: "Stop after this many tokens in all.") var budgetTokens: Int?
    @Option(parsing: .unconditional, help: "Stop after this cost in US dollars.") var budgetCost: Double?
    @Option(parsing: .unconditional, help: "Stop after this many seconds.") var budgetSeconds: Double?
    @Flag(name: .shortAndLong, help: "Show the pack's hook logs (print, rpt.log) on stderr; they always go to hooks.log in the output folder.")
    var verbose = false

    func validate() throws {
        guard !target.isEmpty else { throw ValidationError("--target is required: the model to evaluate, e.g. openai:gpt-4.1-mini") }
        if Set(target).count < target.count { throw ValidationError("--target names a model twice") }
        if let baseURL, !(baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://")) {
            throw ValidationError("--base-url must be an http:// or https:// URL, e.g. http://127.0.0.1:8000/v1")
        }
        _ = try SetOption.values(parameters)
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        guard seed >= 0 else { throw ValidationError("--seed must be 0 or more") }
        if let m = minScore, !(0...1).contains(m) { throw ValidationError("--min-score is a score in [0, 1]") }
        guard temperature.isFinite, (0...2).contains(temperature) else { throw ValidationError("--temperature must be from 0 to 2") }
        if let n = maxTokens, !(1...Checked.maxTokensPerReply).contains(n) { throw ValidationError("--max-tokens must be from 1 to \(Checked.maxTokensPerReply)") }
        if let n = budgetTokens, n < 1 { throw ValidationError("--budget-tokens must be at least 1") }
        if let c = budgetCost, !(c.isFinite && c >= 0) { throw ValidationError("--budget-cost must be a number of US dollars, 0 or more") }
        if let t = budgetSeconds, !(t.isFinite && t > 0) { throw ValidationError("--budget-seconds must be a number of seconds above 0") }
    }

    /// A prompt file inside a tuning run's folder (RUN/best_prompt.md) is scored with the replies that
    /// run got for the same requests, so the eval reproduces the run's test score exactly (a local
    /// server's batching can change a reply at temperature 0); requests it never made are sent.
    func runCacheBesidePrompt() throws -> ResponseCache? {
        guard let prompt else { return nil }
        let path = URL(fileURLWithPath: prompt).deletingLastPathComponent().appendingPathComponent("cache.sqlite").path
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        FileHandle.standardError.write(Data("reading replies from the tuning run's cache too: \(path) (--no-cache asks the model again)\n".utf8))
        return try ResponseCache(path: path)
    }

    func run() async throws {
        let dir = try PackArgument.folder(pack)
        let runtime: PackRuntime
        let hookLog = HookLog(echo: verbose)
        do { runtime = try PackRuntime(directory: dir, log: hookLog, set: try SetOption.values(parameters)) } catch {
            throw ValidationError("\(pack) does not load (run rpt check \(pack)):\n\(error)")
        }
        let data = try PackData.load(spec: runtime.spec, directory: dir)
        let scope = regression ? "regression" : split.rawValue
        if regression, runtime.spec.regression.isEmpty {
            throw Refusal("\(pack) names no regression cases: add regression = \"data/regression.jsonl\" to task.lua (rows like its data)")
        }
        let pool = regression ? data.regression : data[split]
        try TuneData.refuseRepeatedIDs(pool, pack: pack, scope: regression ? "the regression cases" : "the \(split) split")
        // Every regression case runs: they are few and each one must pass.
        let examples = regression ? pool : PackData.sample(pool, n: limit, seed: UInt64(seed), stratifyBy: runtime.spec.labelField)
        var config = try ModelConfig.load(packDirectory: dir)
        for name in try target.map(ModelName.init(parsing:)) { if let baseURL { config.endpoints[name.provider]?.setBaseURL(baseURL) } }
        let judgeModel = try JudgeChoice.model(flag: judge, config: config, spec: runtime.spec, pack: pack)
        do { try config.checkCostBudget(Budget(maxCost: budgetCost), models: target + (judgeModel.map { [$0] } ?? [])) }
        catch let e as ModelError { throw Refusal(e.message) }
        let cache = noCache ? nil : try ResponseCache(path: ResponseCache.defaultPath())
        let runCache = noCache ? nil : try runCacheBesidePrompt()
        let folder = try out ?? RunStore.defaultFolder(["eval", runtime.spec.name] + PackParameters.folderParts(try SetOption.values(parameters)) + [scope])
        // Before the clients: a local model's server logs into this folder.
        let servers = try LocalModels.start(target + [judgeModel], config: &config, logFolder: folder)
        defer { servers.stop() }
        let hub = try ModelHub(config: config, ledger: UsageLedger(budget: Budget(maxTokens: budgetTokens, maxCost: budgetCost, maxSeconds: budgetSeconds)),
                               cache: cache, alsoRead: runCache.map { [$0] } ?? [], recordTo: record)
        try hookLog.attach(path: folder + "/" + HookLog.fileName)
        defer { if let note = hookLog.footnote { FileHandle.standardError.write(Data((note + "\n").utf8)) } }
        let base = PromptProgram(runtime.spec.prompt)
        let program = try prompt.map { try PromptProgram.load(path: $0, default: base) } ?? base

        let (targets, settings) = (target, EvalTargets.Settings(pack: pack, temperature: temperature, maxTokens: maxTokens, jsonMode: jsonMode,
                                                                          judgeModel: judgeModel, judge: try Tuner.judge(judgeModel, spec: runtime.spec, hub: hub)))
        let work = Task {
            var runs: [EvalTargets.Run] = []
            for model in targets {
                // One model: its files in the folder, as always; several: a subfolder each, and a table.
                let sub = targets.count == 1 ? folder : folder + "/" + EvalTargets.folderName(model)
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
