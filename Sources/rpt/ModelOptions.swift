import ArgumentParser
import ModelClient

// The options that say which models a command calls and how: each declared once here, with
// its help and its checks, and shared by the commands through @OptionGroup.

/// A model option is typed: the parser refuses a name that is not provider:model, saying the
/// accepted forms, and --help lists them. Whether the provider exists is known only once
/// rpt.toml is read (ModelConfig says so, with a did-you-mean).
extension ModelName: ExpressibleByArgument {
    public init?(argument: String) {
        guard let name = try? ModelName(parsing: argument) else { return nil }
        self = name
    }

    public static var allValueStrings: [String] {
        ["openai:MODEL", "anthropic:MODEL", "local:NAME", "replay:CASSETTE", "PROVIDER:MODEL from rpt.toml"]
    }

    /// The help of a model option: what the model is for, shown as `<provider:model>`.
    static func help(_ text: String) -> ArgumentHelp { ArgumentHelp(text, valueName: "provider:model") }
}

/// `--target`, repeatable (eval, compare): every model scores the same sample.
struct TargetsOption: ParsableArguments {
    @Option(name: .customLong("target"),
            help: ModelName.help("The model to score with; repeat it to score several models on the same sample, side by side."))
    var models: [ModelName] = []

    var names: [String] { models.map(\.description) }

    func validate() throws {
        guard !models.isEmpty else {
            throw ValidationError("--target is required: the model to score with, e.g. openai:gpt-4.1-mini (repeat it for several models)")
        }
        if Set(names).count < names.count { throw ValidationError("--target names a model twice") }
    }
}

/// `--judge` for the commands that score replies (eval, tune, try). rpt check's `--judge` is
/// another question (does this judge agree with tests/judge.lua?) and says so in its own help.
struct JudgeOption: ParsableArguments {
    @Option(name: .customLong("judge"),
            help: ModelName.help("The model that grades the replies, for a pack with a judge (default: judge_model in your rpt.toml)."))
    var model: ModelName?
}

/// Where the target's server is and how long its replies may be (eval, tune, compare, try).
struct TargetCallOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Base URL of the target's OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1 (overrides rpt.toml and "
                               + "OPENAI_BASE_URL).", valueName: "url"))
    var baseURL: String?
    // .unconditional: "-3" is read as a value (and refused by validate), not as an unknown flag.
    @Option(parsing: .unconditional, help: ArgumentHelp("The most tokens a target reply may have (default: the pack's max_tokens, else 512).",
                                                        valueName: "n"))
    var maxTokens: Int?

    func validate() throws {
        if let baseURL, !EndpointConfig.isWebURL(baseURL) {
            throw ValidationError("--base-url must be an http:// or https:// URL, e.g. http://127.0.0.1:8000/v1")
        }
        if let n = maxTokens, !(1...Checked.maxTokensPerReply).contains(n) {
            throw ValidationError("--max-tokens", is: n, mustBe: "a whole number from 1 to \(Checked.maxTokensPerReply)")
        }
    }

    /// Points each model's provider at --base-url, when given (tune records it in its settings instead).
    func point(_ config: inout ModelConfig, for models: [ModelName]) {
        guard let baseURL else { return }
        for name in models { config.endpoints[name.provider]?.setBaseURL(baseURL) }
    }
}

/// How the target samples its reply (eval, try; tune's target always runs at temperature 0).
struct GenerationOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("Sampling temperature, from 0 to 2 (replies are cached only at 0).", valueName: "t"))
    var temperature: Double = 0
    @Flag(help: "Ask the server for a JSON object reply (response_format), for packs whose output is JSON.") var jsonMode = false

    func validate() throws {
        guard temperature.isFinite, (0...2).contains(temperature) else { throw ValidationError("--temperature", is: temperature, mustBe: "a number from 0 to 2") }
    }
}

/// Limits on what a command may spend (eval, tune); their bounds are `Budget`'s, the same a
/// run's config.json is held to.
struct BudgetOptions: ParsableArguments {
    @Option(parsing: .unconditional, help: ArgumentHelp("Stop after this many tokens in all.", valueName: "n")) var budgetTokens: Int?
    @Option(parsing: .unconditional, help: ArgumentHelp("Stop after this cost in US dollars (every model called needs a price).", valueName: "usd"))
    var budgetCost: Double?
    @Option(parsing: .unconditional, help: ArgumentHelp("Stop after this many seconds, calls in flight included.", valueName: "s"))
    var budgetSeconds: Double?

    var budget: Budget { Budget(maxTokens: budgetTokens, maxCost: budgetCost, maxSeconds: budgetSeconds) }

    func validate() throws {
        if let p = budget.problem { throw ValidationError("--" + p.key.replacingOccurrences(of: "_", with: "-"), is: p.value, mustBe: p.want) }
    }
}
