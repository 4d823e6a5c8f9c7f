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
            the gain with a 95% interval. Everything goes to a run folder; a killed run continues with --resume. \
            A pack with a tuning history (history.json, from rpt export) starts the optimizer from it (--no-history: not).
            """)

    @Argument(help: "The task pack folder, or NAME[@VERSION] of an installed pack (not needed with --resume).") var pack: String?
    @Option(help: ModelName.help("The model whose prompt is tuned.")) var target: ModelName?
    @Option(help: ModelName.help("The model that proposes prompts (defaults to the target).")) var optimizer: ModelName?
    @Option(name: .customLong("also-target"),
            help: ModelName.help("Also score the initial and the best prompt on this model's test sample at the end (the transfer gain); repeatable."))
    var alsoTargets: [ModelName] = []
    @OptionGroup var parameters: SetOption
    @Option(help: ModelName.help("A model that explains and labels the failures the pack's taxonomy leaves as other (optional).")) var critic: ModelName?
    @OptionGroup var judge: JudgeOption
    // .unconditional: "-1" is read as a value (and refused by validate), not as an unknown flag. Their
    // bounds are TuneSettings.counts, the same a run's config.json is held to.
    @Option(parsing: .unconditional, help: ArgumentHelp("Rounds at most.", valueName: "n")) var rounds: Int = 10
    @Option(parsing: .unconditional, help: ArgumentHelp("Candidates the optimizer submits per round.", valueName: "n")) var candidates: Int = 2
    @Option(parsing: .unconditional, help: ArgumentHelp("Stop after this many rounds without a dev gain.", valueName: "n")) var patience: Int = 3
    @Option(parsing: .unconditional, help: ArgumentHelp("Examples of the optimization set an evaluation uses (0 = all).", valueName: "n"))
    var trainSample: Int = 100
    @Option(parsing: .unconditional, help: ArgumentHelp("Use at most N dev examples.", valueName: "n")) var devLimit: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp("Use at most N test examples.", valueName: "n")) var testLimit: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp("Confidence that a dev gain is real before a candidate replaces the best, above 0.5 "
                                                        + "and below 1.", valueName: "p"))
    var level: Double = 0.95
    @Option(parsing: .unconditional, help: ArgumentHelp("Optimizer tool calls per round at most.", valueName: "n")) var toolCalls: Int = 12
    @Option(parsing: .unconditional, help: ArgumentHelp("The most tokens an optimizer reply may have (small models ramble to the bound).",
                                                        valueName: "n"))
    var optimizerMaxTokens: Int = 2048
    @Option(parsing: .unconditional, help: ArgumentHelp("Seed of the samples (--train-sample, --dev-limit, --test-limit) and the bootstrap, "
                                                        + "\(SeedArgument.range) (default 1).", valueName: "seed"), transform: SeedArgument.parse)
    var seed: UInt64 = 1
    @OptionGroup var call: TargetCallOptions
    @OptionGroup var budgets: BudgetOptions
    @Option(help: "The run folder (default runs/PACK-YYYYMMDD-HHMMSS).") var run: String?
    @Option(help: "Continue the killed run in this folder, with its settings and judge (give --base-url again if its server moved).")
    var resume: String?
    @Flag(help: "Print how many calls and tokens the run may use, and the cost, then stop.") var dryRun = false
    @Flag(help: "Keep every edit of the best prompt: skip the ablation that measures each on dev and removes those that add nothing.")
    var noAblation = false
    @Flag(help: "Do not start the optimizer from the pack's tuning history (history.json, written by rpt export).") var noHistory = false
    @Flag(help: "Do not read replies from the shared response cache (where rpt eval keeps its temperature-0 replies).") var noSharedCache = false
    @OptionGroup var logging: HookLogOption

    /// Settings a resumed run takes from its config.json: given with --resume they would be
    /// ignored, so they are refused (--base-url, --judge and --set are checked where they are read).
    static let fixedOnResume = ["target", "optimizer", "also-target", "critic", "rounds", "candidates", "patience", "train-sample",
                                "dev-limit", "test-limit", "level", "tool-calls", "optimizer-max-tokens", "seed", "max-tokens", "budget-tokens", "budget-cost",
                                "budget-seconds", "run", "no-ablation", "no-history"]

    /// The options of `fixedOnResume` among `arguments` (ArgumentParser cannot tell a default from a given value).
    static func ignoredOnResume(_ arguments: [String]) -> [String] {
        fixedOnResume.filter { name in arguments.contains { $0 == "--" + name || $0.hasPrefix("--" + name + "=") } }
    }

    func validate() throws {
        if resume != nil {
            let ignored = Self.ignoredOnResume(Array(CommandLine.arguments.dropFirst()))
            if !ignored.isEmpty || pack != nil {
                let named = (pack != nil ? ["the pack"] : []) + ignored.map { "--" + $0 }
                throw ValidationError("a resumed run keeps the settings in its config.json, so \(named.joined(separator: ", ")) would be ignored: "
                                      + "leave \(named.count == 1 ? "it" : "them") out (only --base-url may change: where the server is now)")
            }
        }
        if resume == nil {
            guard pack != nil else { throw ValidationError("give the task pack folder (or --resume RUN)") }
            guard target != nil else { throw ValidationError("--target is required: the model whose prompt is tuned, e.g. openai:gpt-4.1-mini") }
        }
        // The same limits config.json is held to, named as options.
        do { try commandLineSettings(pack: pack ?? "", target: "", optimizer: "").check(source: "the command line") }
        catch let e as ModelError { throw ValidationError(e.message) }
    }

    func commandLineSettings(pack: String, target: String, optimizer: String) -> TuneSettings {
        var s = TuneSettings(pack: pack, target: target, optimizer: optimizer)
        s.critic = critic?.description
        s.alsoTargets = alsoTargets.map(\.description)
        s.rounds = rounds; s.candidatesPerRound = candidates; s.patience = patience; s.trainSample = trainSample
        s.devLimit = devLimit; s.testLimit = testLimit; s.level = level; s.toolCallsPerRound = toolCalls
        s.seed = seed; s.targetMaxTokens = call.maxTokens; s.optimizerMaxTokens = optimizerMaxTokens
        s.budget = budgets.budget
        s.ablation = !noAblation
        s.useHistory = !noHistory
        return s
    }

    func settings() throws -> TuneSettings {
        if let resume {
            guard let text = try? String(contentsOfFile: resume + "/config.json", encoding: .utf8), let v = try? JSON.decode(text) else {
                throw Refusal("\(resume) is not a run folder (no readable config.json)")
            }
            var s: TuneSettings
            do { s = try TuneSettings(json: v) } catch let e as ModelError { throw Refusal("\(resume)/\(e.message)") }
            if let baseURL = call.baseURL { s.baseURLs[try ModelName(parsing: s.target).provider] = baseURL }   // the server may have moved
            try Self.refuseOtherParameters(try parameters.values, recorded: s.parameters, run: resume)
            // A password is never written down, so a run that had one needs it again.
            for (provider, url) in s.baseURLs where url.contains(":\(Redact.mark)@") {
                throw Refusal("the base URL of \(provider) for this run had a password, which rpt does not write down: "
                              + "give it again with --base-url")
            }
            return s
        }
        // An installed pack is recorded by its folder, so --resume finds the same files.
        var s = commandLineSettings(pack: try PackArgument.folder(pack!).path, target: target!.description,
                                    optimizer: (optimizer ?? target!).description)
        if let baseURL = call.baseURL { s.baseURLs[target!.provider] = baseURL }
        s.parameters = try parameters.values
        return s
    }

    func run() async throws {
        var s = try settings()
        let dir = URL(fileURLWithPath: s.pack)
        let runtime: PackRuntime
        let hookLog = HookLog(echo: logging.verbose)
        do { runtime = try PackRuntime(directory: dir, log: hookLog, set: s.parameters) } catch { throw Refusal(PackArgument.loadFailure(s.pack, error, hint: "run rpt check \(s.pack)")) }
        let data = try PackData.load(spec: runtime.spec, directory: dir)
        try TuneData.refuseUnusable(data, pack: s.pack)
        let files = try PackFingerprint.files(of: runtime.spec, directory: dir, dependencies: runtime.dependencies.packs)
        if resume != nil, !s.packFiles.isEmpty {
            let changed = PackFingerprint.differences(recorded: s.packFiles, now: files)
            guard changed.isEmpty else {
                throw Refusal("the pack changed since this run started (\(changed.prefix(5).joined(separator: ", "))), so its events "
                              + "would mix two versions: put the files back as they were, or start a new run")
            }
        }
        s.packFiles = files
        let earlier = try Self.earlierTuning(s, dir: dir)      // before any folder or call: a bad history stops here
        s.parameters = runtime.parameters.values         // defaults too: the run says what it ran
        var config = try ModelConfig.load(packDirectory: dir)
        for (provider, url) in s.baseURLs { config.endpoints[provider]?.setBaseURL(url) }
        if resume == nil {
            s.judge = try JudgeChoice.model(flag: judge.model, config: config, spec: runtime.spec, pack: s.pack)
        } else if let asked = judge.model?.description, asked != s.judge {
            throw Refusal("this run was graded by the judge \(s.judge ?? "none"), and a resume keeps it: leave out --judge \(asked)")
        }
        do { try config.checkCostBudget(s.budget, models: [s.target, s.optimizer] + [s.critic, s.judge].compactMap { $0 } + s.alsoTargets) }
        catch let e as ModelError { throw Refusal(e.message) }

        if dryRun {
            let longest = Split.allCases.flatMap { data[$0] }.compactMap { try? runtime.render($0) }.map(\.utf8.count).max() ?? 0
            print(TuneSummary.estimate(settings: s, train: data[.train].count, dev: data[.dev].count, test: data[.test].count,
                                       maxPromptChars: longest + PromptProgram(runtime.spec.prompt).markdown.utf8.count,
                                       replyTokens: runtime.spec.replyTokens(s.targetMaxTokens), config: config,
                                       judgeChars: JudgeChoice.requestChars(runtime, Split.allCases.flatMap { data[$0] }),
                                       judgeTokens: runtime.spec.judge.map(Judge.maxTokens) ?? 0, regression: data.regression.count),
                  terminator: "")
            return
        }
        let folder = try resume ?? run ?? RunStore.defaultFolder([runtime.spec.name] + PackParameters.folderParts(try parameters.values))
        let store = try RunStore(folder: URL(fileURLWithPath: folder))
        try hookLog.attach(path: folder + "/" + HookLog.fileName, append: resume != nil)    // a resume runs the hooks again
        defer { if let note = hookLog.footnote { FileHandle.standardError.write(Data((note + "\n").utf8)) } }
        if resume == nil { try store.write("config.json", json: s.json) }
        else { FileHandle.standardError.write(Data("resuming \(folder): \(store.loggedEvents.count) events logged; replaying them from the run's cache\n".utf8)) }
        let cache = try ResponseCache(path: store.cachePath, fix: "move it aside to go on without it (the resume then asks the models again "
                                      + "for what it held, and stops if a reply differs)")
        // Temperature-0 replies rpt eval already paid for are read from the shared cache (and kept in the run's).
        let shared = noSharedCache ? nil : try? ResponseCache(path: ResponseCache.defaultPath())
        let servers = try LocalModels.start([s.target, s.optimizer, s.critic, s.judge] + s.alsoTargets, config: &config, logFolder: folder)
        defer { servers.stop() }
        let hub = try ModelHub(config: config, ledger: UsageLedger(budget: s.budget), cache: cache, alsoRead: shared.map { [$0] } ?? [],
                               cacheAllTemperatures: true, cacheRequired: true)
        let notices = Notices(interval: 2)
        hub.onNotice { notices.say($0) }
        let tuner = Tuner(settings: s, store: store, models: try TuneModels(hub: hub, settings: s, spec: runtime.spec), runtime: runtime, data: data)
        tuner.earlierTuning = earlier
        let steps = StepProgress()
        tuner.progress = { line in steps.finish(); FileHandle.standardError.write(Data((line + "\n").utf8)) }
        tuner.onResult = { step, result, total in steps.add(step, result, total) }
        let work = Cancellable<TuneResult>()
        store.onFailure = { work.cancel(because: $0.description) }     // a replay that differs stops the run at once
        // Finished or interrupted, the run lets go of the folder (an early error does it in RunStore's deinit).
        let task = Task {
            defer { store.releaseLock() }
            return try await tuner.run()
        }
        work.set(task)
        let interrupt = Interrupt { task.cancel() }
        defer { interrupt.cancel() }
        let result: TuneResult
        do { result = try await task.value } catch {
            if let reason = work.reason { throw Refusal(reason) }
            if let failed = error as? CacheWriteFailed { throw Refusal(failed.description) }
            guard error is CancellationError || (error as? ModelError)?.kind == .cancelled else { throw error }
            FileHandle.standardError.write(Data("interrupted: continue with rpt tune --resume \(folder)\n".utf8))
            throw ExitCode(130)
        }
        if let reason = work.reason { throw Refusal(reason) }
        print(TuneSummary.table(pack: runtime.spec.name, result: result, ledger: hub.ledger, folder: folder), terminator: "")
        print(RunReport.writeAfterTune(folder: folder, initial: PromptProgram(runtime.spec.prompt)))
    }
}

extension Tune {
    /// The pack's tuning history as the optimizer's first memory, unless the run said --no-history.
    /// A history rpt cannot read stops the run before any call, naming the field.
    static func earlierTuning(_ s: TuneSettings, dir: URL) throws -> String? {
        guard s.useHistory else { return nil }
        do { return try PackHistory.read(folder: dir).flatMap(TuningMemory.summary) } catch {
            throw Refusal("\(error)\nThe optimizer would start from this history: fix or remove \(PackHistory.fileName), or tune with --no-history")
        }
    }

    /// A resumed run keeps its parameters: a --set that says otherwise would mix two tasks in one run.
    static func refuseOtherParameters(_ set: [String: String], recorded: [String: String], run: String) throws {
        for name in set.keys.sorted() where recorded[name] != set[name] {
            let was = recorded[name].map { "\(name)=\($0)" } ?? "no parameter \(name)"
            throw Refusal("--set \(name)=\(set[name]!) differs from the run's \(was) (\(run)/config.json): a resume keeps "
                          + "the run's parameters; drop --set, or start a new run")
        }
    }
}

/// What a tuning run needs of the data, checked before any call: every split has examples (an
/// empty dev split would print a score of 0 and pick nothing), and ids are unique (results are
/// paired by id between prompts).
enum TuneData {
    static func refuseUnusable(_ data: PackData, pack: String) throws {
        for split in [Split.train, .dev, .test] where data[split].isEmpty {
            throw Refusal("the \(split.rawValue) split of \(pack) is empty (\(data.provenance[split] ?? "no file")): tuning needs "
                          + "examples in train, dev and test; add rows, or let rpt carve dev and test from train (data = \"FILE\")")
        }
        try refuseRepeatedIDs(Split.allCases.flatMap { data[$0] }, pack: pack, scope: "all splits")
    }

    /// Results are paired and reported by id (tune across all splits, eval within its split).
    static func refuseRepeatedIDs(_ examples: [Example], pack: String, scope: String) throws {
        var first: [String: String] = [:]
        var repeats: [String] = []
        for ex in examples {
            if let at = first[ex.id] { repeats.append("'\(ex.id)' at \(ex.source) (first at \(at))") } else { first[ex.id] = ex.source }
        }
        guard repeats.isEmpty else {
            throw Refusal("ids must be unique across \(scope) (results are paired by id), but \(repeats.count) "
                          + (repeats.count == 1 ? "is" : "are") + " used again: " + repeats.prefix(3).joined(separator: "; ")
                          + (repeats.count > 3 ? "; ..." : "") + " (rpt check \(pack) lists them all)")
        }
    }
}
