import ArgumentParser
import Foundation
import LuaHost
import ModelClient
import TaskPack
import Tuning

struct Tune: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Tune the prompt of a task pack by Reflective Prompt Tuning (the main job).",
        discussion: """
            The optimizer model diagnoses the prompt on the optimization set and proposes patches through \
            function calls; the dev split picks the best prompt; the test split, used once at the end, reports \
            the gain with a 95% interval. Everything goes to a run folder; a killed run continues with --resume.
            """)

    @Argument(help: "The task pack folder (not needed with --resume).") var pack: String?
    @Option(help: "The model whose prompt is tuned, provider:model.") var target: String?
    @Option(help: "The model that proposes prompts, provider:model (defaults to the target).") var optimizer: String?
    @Option(help: "A model that explains and labels the failures the pack's taxonomy leaves as other (optional).") var critic: String?
    @Option(help: "Rounds at most.") var rounds: Int = 10
    @Option(help: "Candidates the optimizer submits per round.") var candidates: Int = 2
    @Option(help: "Stop after this many rounds without a dev gain.") var patience: Int = 3
    @Option(help: "Examples of the optimization set an evaluation uses (0 = all).") var trainSample: Int = 100
    @Option(help: "Use at most N dev examples.") var devLimit: Int?
    @Option(help: "Use at most N test examples.") var testLimit: Int?
    @Option(help: "Confidence that a dev gain is real before a candidate replaces the best.") var level: Double = 0.95
    @Option(help: "Optimizer tool calls per round at most.") var toolCalls: Int = 12
    @Option(help: "Seed for sampling and the bootstrap.") var seed: Int = 1
    @Option(help: "The most tokens a target reply may have.") var maxTokens: Int?
    @Option(help: "Base URL for the target's provider (OpenAI-compatible server); with --resume, where that server is now.") var baseURL: String?
    @Option(help: "Stop after this many tokens in all.") var budgetTokens: Int?
    @Option(help: "Stop after this cost in US dollars.") var budgetCost: Double?
    @Option(help: "Stop after this many seconds.") var budgetSeconds: Double?
    @Option(help: "The run folder (default runs/PACK-TIME).") var run: String?
    @Option(help: "Continue the killed run in this folder.") var resume: String?
    @Flag(help: "Print how many calls and tokens the run may use, and the cost, then stop.") var dryRun = false

    func validate() throws {
        if resume == nil {
            guard pack != nil else { throw ValidationError("give the task pack folder (or --resume RUN)") }
            guard target != nil else { throw ValidationError("--target is required: the model whose prompt is tuned, e.g. openai:gpt-4.1-mini") }
        }
        guard rounds >= 1, candidates >= 1, patience >= 1, toolCalls >= 1 else { throw ValidationError("--rounds, --candidates, --patience and --tool-calls must be at least 1") }
        guard level > 0.5, level < 1 else { throw ValidationError("--level is a confidence between 0.5 and 1, e.g. 0.95") }
    }

    func settings() throws -> TuneSettings {
        if let resume {
            guard let text = try? String(contentsOfFile: resume + "/config.json", encoding: .utf8), let v = try? JSON.decode(text) else {
                throw ValidationError("\(resume) is not a run folder (no readable config.json)")
            }
            var s = try TuneSettings(json: v)
            if let baseURL { s.baseURLs[try ModelName(parsing: s.target).provider] = baseURL }   // the server may have moved
            return s
        }
        var s = TuneSettings(pack: pack!, target: target!, optimizer: optimizer ?? target!)
        s.critic = critic
        s.rounds = rounds; s.candidatesPerRound = candidates; s.patience = patience; s.trainSample = trainSample
        s.devLimit = devLimit; s.testLimit = testLimit; s.level = level; s.toolCallsPerRound = toolCalls
        s.seed = UInt64(seed); s.targetMaxTokens = maxTokens
        s.budget = Budget(maxTokens: budgetTokens, maxCost: budgetCost, maxSeconds: budgetSeconds)
        if let baseURL { s.baseURLs[try ModelName(parsing: s.target).provider] = baseURL }
        return s
    }

    func run() async throws {
        let s = try settings()
        let dir = URL(fileURLWithPath: s.pack)
        let runtime: PackRuntime
        do { runtime = try PackRuntime(directory: dir) } catch { throw ValidationError("\(s.pack) does not load (run rpt check \(s.pack)):\n\(error)") }
        let data = try PackData.load(spec: runtime.spec, directory: dir)
        var config = try ModelConfig.load(packDirectory: dir)
        for (provider, url) in s.baseURLs { config.endpoints[provider]?.baseURL = url.hasSuffix("/") ? String(url.dropLast()) : url }

        if dryRun {
            let sample = data[.train].prefix(50).compactMap { try? runtime.render($0) }
            let mean = sample.isEmpty ? 0 : sample.map(\.utf8.count).reduce(0, +) / sample.count
            print(TuneSummary.estimate(settings: s, train: data[.train].count, dev: data[.dev].count, test: data[.test].count,
                                       meanPromptChars: mean + runtime.spec.prompt.system.utf8.count + runtime.spec.prompt.instruction.utf8.count,
                                       config: config), terminator: "")
            return
        }
        let stamp = ISO8601DateFormatter.string(from: Date(), timeZone: .current, formatOptions: [.withYear, .withMonth, .withDay, .withTime])
        let folder = resume ?? run ?? "runs/\(runtime.spec.name)-\(stamp.replacingOccurrences(of: ":", with: ""))"
        let store = try RunStore(folder: URL(fileURLWithPath: folder))
        if resume == nil { try store.write("config.json", json: s.json) }
        else { FileHandle.standardError.write(Data("resuming \(folder): \(store.loggedEvents.count) events logged; replaying them from the run's cache\n".utf8)) }
        let hub = try ModelHub(config: config, ledger: UsageLedger(budget: s.budget), cache: try ResponseCache(path: store.cachePath),
                               cacheAllTemperatures: true)
        let tuner = try Tuner(settings: s, store: store, hub: hub, runtime: runtime, data: data)
        tuner.progress = { line in FileHandle.standardError.write(Data((line + "\n").utf8)) }
        let work = Task { try await tuner.run() }
        let interrupt = Interrupt { work.cancel() }
        defer { interrupt.cancel() }
        let result: TuneResult
        do { result = try await work.value } catch where error is CancellationError || (error as? ModelError)?.kind == .cancelled {
            FileHandle.standardError.write(Data("interrupted: continue with rpt tune --resume \(folder)\n".utf8))
            throw ExitCode(130)
        }
        print(TuneSummary.table(pack: runtime.spec.name, result: result, ledger: hub.ledger, folder: folder), terminator: "")
    }
}
