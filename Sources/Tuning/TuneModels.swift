import ModelClient
import TaskPack

/// The models a tuning run talks to, and the ledger that counts what they spend.
///
/// The Tuner takes these instead of a hub so that it depends only on the `ChatModel`/// protocol: the CLI gives it clients from a hub (HTTP, cache, retries, budgets), tests give
/// it scripted in-memory ones, and neither changes the loop.
public struct TuneModels: Sendable {
    /// The model whose prompt is tuned.
    public var target: any ChatModel
    /// The model that diagnoses and proposes prompts, through tool calls.
    public var optimizer: any ChatModel
    /// Labels the failures the pack's taxonomy leaves generic; nil: no critic.
    public var critic: (any ChatModel)?
    /// More targets the initial and the best prompt are scored on at the end (`--also-target`):
    /// the transfer of the tuned prompt to models it was not tuned on.
    public var alsoTargets: [Named] = []
    public struct Named: Sendable {
        public var name: String
        public var client: any ChatModel
        public init(name: String, client: any ChatModel) {
            self.name = name
            self.client = client
        }
    }
    /// Grades the target's replies, for a pack with a judge (the user's `--judge` model).
    public var judge: Judge?
    /// Where the clients' calls, tokens and cost are counted (progress lines, summary.json).
    public var ledger: UsageLedger

    public init(target: any ChatModel, optimizer: any ChatModel, critic: (any ChatModel)? = nil, ledger: UsageLedger) {
        self.target = target
        self.optimizer = optimizer
        self.critic = critic
        self.ledger = ledger
    }

    /// The settings' models from one hub, each accounted under its role. Fails before any
    /// call when a provider is unknown, its key is missing or a local model has no server.
    public init(hub: ModelHub, settings: TuneSettings, spec: TaskSpec) throws {
        self.init(target: try hub.client(settings.target, role: "target"),
                  optimizer: try hub.client(settings.optimizer, role: "optimizer"),
                  critic: try settings.critic.map { try hub.client($0, role: "critic") },
                  ledger: hub.ledger)
        alsoTargets = try settings.alsoTargets.map { Named(name: $0, client: try hub.client($0, role: "also-target")) }
        judge = try Tuner.judge(settings.judge, spec: spec, hub: hub)
    }
}
