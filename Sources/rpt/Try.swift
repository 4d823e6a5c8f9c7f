import ArgumentParser
import DidYouMean
import Foundation
import LuaHost
import ModelClient
import TaskPack
import Tuning

struct Try: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one example through a task pack: the messages sent, the reply, and what extract, score and classify return.",
        discussion: """
            With --reply TEXT no model is called (--reply - reads the reply from stdin); with --target MODEL the \
            messages go to that model as rpt eval sends them (the same model names, rpt.toml, --base-url and \
            response cache). With neither, the pack's gold(example) is the reply, when it has one. Each hook's log \
            lines (print, rpt.log) are shown under it. Exits 1 when a hook or the model call fails.
            """)

    @Argument(help: "The task pack folder, or NAME[@VERSION] of an installed pack.") var pack: String
    @Option(help: "The id of the example (default: the first example of the split).") var example: String?
    @Option(help: "The split: train, dev or test (default: dev; with --example, whichever split holds it).") var split: Split?
    @OptionGroup var parameters: SetOption
    @Option(help: "The reply to read, as if the model had written it ('-' reads it from stdin); no model is called.") var reply: String?
    @Option(help: ModelName.help("Send the messages to this model instead (as rpt eval).")) var target: ModelName?
    @OptionGroup var judge: JudgeOption
    @OptionGroup var prompt: PromptOption
    @OptionGroup var call: TargetCallOptions
    @OptionGroup var generation: GenerationOptions
    @OptionGroup var caching: CacheOption
    @OptionGroup var logging: HookLogOption

    func validate() throws {
        if reply != nil && target != nil { throw ValidationError("give --reply TEXT (no model) or --target MODEL, not both") }
        if call.baseURL != nil && target == nil { throw ValidationError("--base-url goes with --target MODEL") }
    }

    func run() async throws {
        let dir = try PackArgument.folder(pack)
        let log = HookLog(echo: logging.verbose, keep: true, maxBytes: 256 << 10)     // all of it is printed
        let runtime: PackRuntime
        do { runtime = try PackRuntime(directory: dir, log: log, set: try parameters.values) } catch {
            throw Refusal(PackArgument.loadFailure(pack, error, hint: "rpt check \(pack) lists every problem"))
        }
        let show = TryOutput(log: log)
        let data = try PackData.load(spec: runtime.spec, directory: dir)
        let (ex, from, note) = try pick(data)
        let program = try prompt.program(runtime.spec)
        // The models are set up before anything runs, so a missing key or unknown provider stops here.
        var config = try ModelConfig.load(packDirectory: dir)
        call.point(&config, for: target.map { [$0] } ?? [])
        let judgeModel = try JudgeChoice.model(flag: judge.model, config: config, spec: runtime.spec, pack: pack)
        let servers = try LocalModels.start([target?.description, judgeModel], config: &config)
        defer { servers.stop() }
        let hub = target != nil || judgeModel != nil ? try makeHub(config) : nil
        let evaluator = try hub.flatMap { hub in try target.map { try makeEvaluator(model: $0.description, runtime: runtime, hub: hub) } }
        let judging = try hub.flatMap { try Tuner.judge(judgeModel, spec: runtime.spec, hub: $0) }

        show.header(pack: pack, example: ex, split: from, note: note)
        show.logs(of: "load")
        let rendered = try show.hook("render", example: ex) { () throws(HookError) in try runtime.render(ex) }
        show.line("returned", "\(rendered.count) characters, the end of the user turn")
        let request = evaluator?.request(for: rendered, prompt: program)
        show.messages(request?.messages ?? program.messages(for: rendered))

        let text: String
        if let reply {
            text = reply == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : reply
            show.section("reply (--reply: no model called)")
        } else if let evaluator, let request, let target {
            let response: ChatResponse
            do { response = try await evaluator.client.complete(request) } catch {
                throw Refusal("the call to \(target) failed: \(error)")
            }
            text = response.content ?? ""
            show.section("reply (\(target): \(response.usage.inputTokens) tokens in, \(response.usage.outputTokens) out"
                         + (response.cached ? ", from the response cache" : "") + ")")
        } else {
            guard runtime.spec.hasGold, let gold = try show.hook("gold", example: ex, body: { () throws(HookError) in try runtime.gold(ex) }) else {
                print("\nno reply to read: give --reply TEXT (no model), or --target MODEL to ask one")
                return
            }
            show.line("returned", "the reply below (\(gold.count) characters)")
            text = gold
            show.section("reply (gold(example), as no --reply or --target was given)")
        }
        print(text)

        var steps: [HookStep] = []
        func failed(_ error: HookError) -> Refusal {
            show.steps(steps, spec: runtime.spec, failed: error.hook)
            show.failure(error)
            return Refusal(error.description)
        }
        let extraction: Extraction
        do throws(HookError) { extraction = try runtime.extract(reply: text, example: ex) { steps.append($0) } } catch { throw failed(error) }
        // A pack with a judge: what extract read goes to the judge, and its verdict to score.
        var verdict: Verdict?
        if let judging, case .answer(let answer, _) = extraction {
            let reference: String?
            do throws(HookError) { reference = try runtime.reference(ex) } catch { throw failed(error) }
            do { verdict = try await judging.grade(input: rendered, answer: answer, reference: reference) } catch {
                show.steps(steps, spec: runtime.spec)
                throw Refusal("the judge \(judging.model) gave no usable verdict: \(error)")
            }
            steps.append(.judged(verdict!, reference: reference))
        }
        do throws(HookError) {
            let outcome = try runtime.score(extraction, reply: text, example: ex, verdict: verdict) { steps.append($0) }
            show.steps(steps, spec: runtime.spec)
            show.result(outcome)
        } catch { throw failed(error) }
    }

    /// The example asked for, its split, and a note when rpt chose it.
    func pick(_ data: PackData) throws -> (Example, Split, String?) {
        let asked = split
        guard let id = example else {
            let s = asked ?? .dev
            guard let first = data[s].first else { throw Refusal("the \(s.rawValue) split of \(pack) has no examples: give --split") }
            return (first, s, "no --example given: the first example of \(s.rawValue)")
        }
        let searched = asked.map { [$0] } ?? Split.allCases
        for s in searched { if let ex = data[s].first(where: { $0.id == id }) { return (ex, s, nil) } }
        if let asked, let s = Split.allCases.first(where: { data[$0].contains { $0.id == id } }) {
            throw Refusal("example '\(id)' is in \(s.rawValue), not \(asked.rawValue): give --split \(s.rawValue), or leave --split out")
        }
        let place = asked.map { "the \($0.rawValue) split" } ?? "any split"
        let close = Self.closeIDs(to: id, among: searched.flatMap { data[$0].map(\.id) })
        throw Refusal("no example '\(id)' in \(place) of \(pack)"
                      + (close.isEmpty ? "" : "; close ids: " + close.joined(separator: ", ")))
    }

    /// The ids most like `id`: those containing it first, then by edit distance.
    static func closeIDs(to id: String, among ids: [String], count: Int = 5) -> [String] {
        let query = id.lowercased()
        return ids.map { ($0, $0.lowercased().contains(query) ? 0 : 1, Spelling.editDistance(query, $0.lowercased())) }
            .sorted { ($0.1, $0.2, $0.0) < ($1.1, $1.2, $1.0) }
            .prefix(count).map(\.0)
    }

    /// The models' hub (the target's and the judge's), with the response cache unless --no-cache.
    func makeHub(_ config: ModelConfig) throws -> ModelHub {
        let hub = try ModelHub(config: config, cache: try caching.shared())
        hub.onNotice { FileHandle.standardError.write(Data(($0 + "\n").utf8)) }
        return hub
    }

    func makeEvaluator(model: String, runtime: PackRuntime, hub: ModelHub) throws -> Evaluator {
        var evaluator = Evaluator(client: try hub.client(model, role: "target"))
        evaluator.temperature = generation.temperature
        evaluator.maxTokens = runtime.spec.replyTokens(call.maxTokens)
        evaluator.jsonMode = generation.jsonMode
        return evaluator
    }
}
