import ArgumentParser
import Foundation
import LuaHost
import ModelClient
import TaskPack
import Tuning

struct Compare: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Score several prompts or models on the same examples of one pack, side by side.",
        discussion: """
            Each PROMPT is a prompt file (as rpt eval --prompt takes) or a tuning run folder (its best_prompt.md); \
            one PROMPT alone is compared with the pack's own prompt, none compares the models of --target. Every \
            prompt runs with every --target, all on one sample (--split, --limit, --seed as rpt eval). Prints score \
            with a 95% interval, failures by mode, tokens and cost, and each contender's paired difference from \
            the first; writes compare.html, summary.json and each contender's results to the output folder.
            """)

    @Argument(help: "The task pack folder, or NAME[@VERSION] of an installed pack.") var pack: String
    @Argument(help: "Prompt files or run folders to compare.") var prompts: [String] = []
    @Option(help: "A model, provider:model; repeat it to compare models.") var target: [String] = []
    @Option(name: .customLong("set"), help: SetOption.help) var parameters: [String] = []
    @Option(help: "The split.") var split: Split = .dev
    @Option(parsing: .unconditional, help: "Compare on a seeded sample of N examples of the split (as rpt eval --limit).") var limit: Int?
    @Option(parsing: .unconditional, help: "Seed of the sample and the bootstrap, an integer of 0 or more.") var seed: Int = 1
    @Option(help: "The output folder (default runs/compare-PACK-SPLIT-YYYYMMDD-HHMMSS).") var out: String?
    @Option(help: "Base URL of the targets' OpenAI-compatible server (overrides rpt.toml and OPENAI_BASE_URL).") var baseURL: String?
    @Option(parsing: .unconditional, help: "The most tokens a reply may have (default: the pack's max_tokens, else 512).") var maxTokens: Int?
    @Flag(help: "Do not read or write the response cache.") var noCache = false
    @Flag(help: "Print the comparison as JSON.") var json = false

    func validate() throws {
        guard !target.isEmpty else { throw ValidationError("--target is required: the model to score with, e.g. openai:gpt-4.1-mini (repeat it to compare models)") }
        _ = try SetOption.values(parameters)
        if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
        guard seed >= 0 else { throw ValidationError("--seed must be 0 or more") }
        if let baseURL, !(baseURL.hasPrefix("http://") || baseURL.hasPrefix("https://")) {
            throw ValidationError("--base-url must be an http:// or https:// URL, e.g. http://127.0.0.1:8000/v1")
        }
        if let n = maxTokens, !(1...Checked.maxTokensPerReply).contains(n) { throw ValidationError("--max-tokens must be from 1 to \(Checked.maxTokensPerReply)") }
        guard max(1, prompts.count == 1 ? 2 : prompts.count) * target.count >= 2 else {
            throw ValidationError("give two things to compare: prompt files or run folders, or --target twice")
        }
    }

    /// A run folder stands for its best prompt; the file and its run's cache (so the run's replies are reused).
    static func promptFile(_ arg: String) throws -> (file: String, runCache: String?) {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: arg, isDirectory: &isDir) else { throw Refusal("\(arg): no such prompt file or run folder") }
        let file: String
        if isDir.boolValue {
            guard let f = ["best_prompt.md", "best_prompt.json"].map({ arg + "/" + $0 }).first(where: FileManager.default.fileExists) else {
                throw Refusal("\(arg) is a folder without best_prompt.md: give a tuning run folder or a prompt file")
            }
            file = f
        } else { file = arg }
        let cache = URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent("cache.sqlite").path
        return (file, FileManager.default.fileExists(atPath: cache) ? cache : nil)
    }

    func run() async throws {
        let dir = try PackArgument.folder(pack)
        let runtime: PackRuntime
        do { runtime = try PackRuntime(directory: dir, log: HookLog(), set: try SetOption.values(parameters)) } catch {
            throw ValidationError("\(pack) does not load (run rpt check \(pack)):\n\(error)")
        }
        let data = try PackData.load(spec: runtime.spec, directory: dir)
        let splitData = data[split]
        try TuneData.refuseRepeatedIDs(splitData, pack: pack, scope: "the \(split) split")
        let examples = PackData.sample(splitData, n: limit, seed: UInt64(seed), stratifyBy: runtime.spec.labelField)

        let base = PromptProgram(runtime.spec.prompt)
        var programs: [(String, PromptProgram)] = prompts.count == 1 || prompts.isEmpty ? [("the pack's prompt", base)] : []
        var runCaches: [ResponseCache] = []
        for arg in prompts {
            let (file, cache) = try Self.promptFile(arg)
            programs.append((arg, try PromptProgram.load(path: file, default: base)))
            if let cache, !noCache { runCaches.append(try ResponseCache(path: cache)) }
        }
        var config = try ModelConfig.load(packDirectory: dir)
        for t in target {
            let name = try ModelName(parsing: t)
            if let baseURL { config.endpoints[name.provider]?.setBaseURL(baseURL) }
        }
        let cache = noCache ? nil : try ResponseCache(path: ResponseCache.defaultPath())
        let folder = try out ?? RunStore.defaultFolder(["compare", runtime.spec.name] + PackParameters.folderParts(try SetOption.values(parameters)) + [split.rawValue])
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let servers = try LocalModels.start(target, config: &config, logFolder: folder)
        defer { servers.stop() }

        var contenders: [Comparison.Contender] = []
        for (label, program) in programs {
            for model in target {
                let n = contenders.count + 1
                // A ledger per contender: its tokens and cost are its own.
                let hub = try ModelHub(config: config, ledger: UsageLedger(), cache: cache, alsoRead: runCaches)
                let progress = Progress(total: examples.count, title: "#\(n)")
                hub.onNotice { progress.note($0) }
                var evaluator = Evaluator(client: try hub.client(model, role: "target"))
                evaluator.maxTokens = runtime.spec.replyTokens(maxTokens)
                evaluator.failFast = 5
                let file = try ResultsFile(path: folder + String(format: "/%02d-results.jsonl", n))
                let (done, stop): ([ExampleResult], ModelError?)
                do {
                    (done, stop) = try await EvalTargets.score(evaluator, runtime: runtime, examples: examples, program: program,
                                                               into: file, progress: progress)
                } catch let failing as PackFailing {
                    throw Refusal("#\(n) \(label) · \(model) stopped: \(failing)")
                }
                if let stop { throw Refusal("#\(n) \(label) · \(model) stopped: \(stop.message)") }
                contenders.append(Comparison.Contender(prompt: label, model: model, results: done, ledger: hub.ledger.lines, cost: hub.ledger.totalCost))
            }
        }
        let comparison = Comparison(pack: runtime.spec.name, split: split.rawValue, contenders: contenders, seed: UInt64(seed))
        try (JSON.encode(comparison.json) + "\n").write(toFile: folder + "/summary.json", atomically: true, encoding: .utf8)
        let html = folder + "/" + Comparison.fileName
        try comparison.html.write(toFile: html, atomically: true, encoding: .utf8)
        print(json ? JSON.encode(comparison.json) : comparison.text + "report: \(html)")
    }
}
