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

    @Argument(help: "The task pack folder.") var pack: String
    @Option(help: "The model to evaluate, provider:model.") var target: String
    @Option(help: "The model that grades the replies, for a pack with a judge (default: judge_model in your rpt.toml).") var judge: String?
    @Option(help: "A prompt file (best_prompt.json or .md as rpt tune writes them, or text = the instruction). Default: the pack's prompt.")
    var prompt: String?
    @Option(help: "The split: train, dev or test.") var split: String = "dev"
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
        if let baseURL, !(baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://")) {
            throw ValidationError("--base-url must be an http:// or https:// URL, e.g. http://127.0.0.1:8000/v1")
        }
        guard Split(rawValue: split) != nil else { throw ValidationError("--split must be train, dev or test") }
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
        let dir = URL(fileURLWithPath: pack)
        let runtime: PackRuntime
        let hookLog = HookLog(echo: verbose)
        do { runtime = try PackRuntime(directory: dir, log: hookLog) } catch {
            throw ValidationError("\(pack) does not load (run rpt check \(pack)):\n\(error)")
        }
        let data = try PackData.load(spec: runtime.spec, directory: dir)
        let examples = PackData.sample(data[Split(rawValue: split)!], n: limit, seed: UInt64(seed), stratifyBy: runtime.spec.labelField)
        var config = try ModelConfig.load(packDirectory: dir)
        let name = try ModelName(parsing: target)
        if let baseURL { config.endpoints[name.provider]?.setBaseURL(baseURL) }
        let judgeModel = try JudgeChoice.model(flag: judge, config: config, spec: runtime.spec, pack: pack)
        do { try config.checkCostBudget(Budget(maxCost: budgetCost), models: [target] + (judgeModel.map { [$0] } ?? [])) }
        catch let e as ModelError { throw Refusal(e.message) }
        let cache = noCache ? nil : try ResponseCache(path: ResponseCache.defaultPath())
        let runCache = noCache ? nil : try runCacheBesidePrompt()
        let hub = try ModelHub(config: config, ledger: UsageLedger(budget: Budget(maxTokens: budgetTokens, maxCost: budgetCost, maxSeconds: budgetSeconds)),
                               cache: cache, alsoRead: runCache.map { [$0] } ?? [], recordTo: record)
        // Before the client: a local model's server starts with it, logs into this folder and says so.
        let folder = out ?? RunStore.defaultFolder(["eval", runtime.spec.name, split])
        LocalServer.shared.logServers(in: URL(fileURLWithPath: folder))
        let progress = Progress(total: examples.count)
        hub.onNotice { progress.note($0) }
        var evaluator = Evaluator(client: try hub.client(target, role: "target"))
        evaluator.temperature = temperature
        evaluator.maxTokens = runtime.spec.replyTokens(maxTokens)
        evaluator.jsonMode = jsonMode
        evaluator.failFast = 5
        evaluator.judge = try Tuner.judge(judgeModel, spec: runtime.spec, hub: hub)
        let base = PromptProgram(runtime.spec.prompt)
        let program = try prompt.map { try PromptProgram.load(path: $0, default: base) } ?? base

        let results = try ResultsFile(path: folder + "/results.jsonl")
        try hookLog.attach(path: folder + "/" + HookLog.fileName)
        defer { if let note = hookLog.footnote { FileHandle.standardError.write(Data((note + "\n").utf8)) } }

        let work = Task { try await evaluator.run(runtime: runtime, examples: examples, prompt: program) { r in
            try results.append(r)
            progress.add(r)
        } }
        let interrupt = Interrupt { work.cancel() }
        defer { interrupt.cancel() }
        let (done, stop): ([ExampleResult], ModelError?)
        do { (done, stop) = try await work.value } catch is CancellationError {
            progress.finish()
            FileHandle.standardError.write(Data("interrupted: results so far are in \(results.path)\n".utf8))
            throw ExitCode(130)
        } catch let failing as PackFailing {
            progress.finish()
            FileHandle.standardError.write(Data("stopped: \(failing)\nfix the pack (rpt check \(pack) runs its hooks without a model); results so far are in \(results.path)\n".utf8))
            throw ExitCode.failure
        }
        progress.finish()
        let report = EvalReport(pack: runtime.spec.name, split: split, model: target, metrics: Metrics(done),
                                ledger: hub.ledger.lines, cost: hub.ledger.totalCost, resultsFile: results.path,
                                stoppedBy: stop?.message, firstAPIError: done.lazy.compactMap(\.apiError).first,
                                firstPackError: done.lazy.compactMap(\.packError).first, judge: judgeModel)
        try (JSON.encode(report.json) + "\n").write(toFile: folder + "/summary.json", atomically: true, encoding: .utf8)
        print(json ? JSON.encode(report.json) : report.text, terminator: json ? "\n" : "")
        if report.metrics.scored == 0 && report.metrics.examples > 0 {
            FileHandle.standardError.write(Data("no example was scored: see the API errors above\n".utf8))
            throw ExitCode.failure
        }
        if let minScore, report.metrics.score < minScore {
            FileHandle.standardError.write(Data(String(format: "score %.3f is below --min-score %.3f\n", report.metrics.score, minScore).utf8))
            throw ExitCode.failure
        }
    }
}
