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
            prompt runs with every --target, all on one sample (--split, --limit, --seed as rpt eval; the seed also \
            draws the bootstrap). Prints score with a 95% interval, failures by mode, tokens and cost, and each \
            contender's paired difference from the first; writes compare.html, summary.json and each contender's \
            results to the output folder.
            """)

    @Argument(help: "The task pack folder, or NAME[@VERSION] of an installed pack.") var pack: String
    @Argument(help: "Prompt files or run folders to compare.") var prompts: [String] = []
    @OptionGroup var targets: TargetsOption
    @OptionGroup var parameters: SetOption
    @OptionGroup var sample: SampleOptions
    @Option(help: "The output folder (default runs/compare-PACK-SPLIT-YYYYMMDD-HHMMSS).") var out: String?
    @OptionGroup var call: TargetCallOptions
    @OptionGroup var caching: CacheOption
    @Flag(help: "Print the comparison as JSON.") var json = false

    func validate() throws {
        guard max(1, prompts.count == 1 ? 2 : prompts.count) * targets.models.count >= 2 else {
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
        let split = sample.split
        let dir = try PackArgument.folder(pack)
        let runtime: PackRuntime
        do { runtime = try PackRuntime(directory: dir, log: HookLog(), set: try parameters.values) } catch {
            throw ValidationError(PackArgument.loadFailure(pack, error, hint: "run rpt check \(pack)"))
        }
        let data = try PackData.load(spec: runtime.spec, directory: dir)
        let splitData = data[split]
        try TuneData.refuseRepeatedIDs(splitData, pack: pack, scope: "the \(split) split")
        let examples = sample.examples(of: splitData, spec: runtime.spec)

        let base = PromptProgram(runtime.spec.prompt)
        var programs: [(String, PromptProgram)] = prompts.count == 1 || prompts.isEmpty ? [("the pack's prompt", base)] : []
        var runCaches: [ResponseCache] = []
        for arg in prompts {
            let (file, cache) = try Self.promptFile(arg)
            programs.append((arg, try PromptProgram.load(path: file, default: base)))
            if let cache, !caching.noCache { runCaches.append(try ResponseCache(path: cache)) }
        }
        var config = try ModelConfig.load(packDirectory: dir)
        call.point(&config, for: targets.models)
        let cache = try caching.shared()
        let folder = try out ?? RunStore.defaultFolder(["compare", runtime.spec.name] + PackParameters.folderParts(try parameters.values) + [split.rawValue])
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let servers = try LocalModels.start(targets.names, config: &config, logFolder: folder)
        defer { servers.stop() }

        var contenders: [Comparison.Contender] = []
        for (label, program) in programs {
            for model in targets.names {
                let n = contenders.count + 1
                // A ledger per contender: its tokens and cost are its own.
                let hub = try ModelHub(config: config, ledger: UsageLedger(), cache: cache, alsoRead: runCaches)
                let progress = Progress(total: examples.count, title: "#\(n)")
                hub.onNotice { progress.note($0) }
                var evaluator = Evaluator(client: try hub.client(model, role: "target"))
                evaluator.maxTokens = runtime.spec.replyTokens(call.maxTokens)
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
        let comparison = Comparison(pack: runtime.spec.name, split: split.rawValue, contenders: contenders, seed: sample.seed)
        try (JSON.encode(comparison.json) + "\n").write(toFile: folder + "/summary.json", atomically: true, encoding: .utf8)
        let html = folder + "/" + Comparison.fileName
        try comparison.html.write(toFile: html, atomically: true, encoding: .utf8)
        print(json ? JSON.encode(comparison.json) : comparison.text + "report: \(html)")
    }
}
