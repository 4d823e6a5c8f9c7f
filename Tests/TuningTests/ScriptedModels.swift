import Foundation
import LuaHost
import MockModels
import ModelClient
import Synchronization
import Tuning

/// The scripted world of the tuning tests in memory: a target and an optimizer that answer
/// through the `ChatModel` protocol, so the Tuner runs with no socket, server or cache.
///
/// They answer as `ScriptedWorld` does behind the mock server (which the end-to-end tests keep):
/// the target gets a banking77 message right by a hash of its text, 60% of the time, 70% when
/// the prompt holds `ScriptedWorld.partial`, 90% when it holds `ScriptedWorld.magic`; the optimizer follows `script(round, step)`, where
/// `step` counts the tool results already in its conversation. Tokens are counted as the
/// server's replies report them, and a token budget stops calls the way the hub's ledger does.
final class ScriptedModels: Sendable {
    let labels: [String: String]
    let script: @Sendable (_ round: Int, _ step: Int) -> [ScriptedWorld.Step]
    /// Calls fail with a budget error once this many tokens were spent (checked before a call).
    let tokenBudget: Int?
    private let state = Mutex(State())

    private struct State {
        var tokens = 0
        var optimizerRequests: [ChatRequest] = []
    }

    init(labels: [String: String], tokenBudget: Int? = nil, script: @escaping @Sendable (Int, Int) -> [ScriptedWorld.Step]) {
        self.labels = labels
        self.tokenBudget = tokenBudget
        self.script = script
    }

    /// The requests the optimizer got, in order.
    var optimizerRequests: [ChatRequest] { state.withLock { $0.optimizerRequests } }

    /// The clients for a Tuner; `ledger` is the one the run reports (these clients do not fill it).
    /// `alsoTargets` are more targets by name (one ending in "-weak" is right less often).
    func models(ledger: UsageLedger = UsageLedger(), alsoTargets: [String] = []) -> TuneModels {
        var models = TuneModels(target: Client(world: self, optimizer: false), optimizer: Client(world: self, optimizer: true), ledger: ledger)
        models.alsoTargets = alsoTargets.map { TuneModels.Named(name: $0, client: Client(world: self, optimizer: false, model: $0)) }
        return models
    }

    struct Client: ChatModel {
        let world: ScriptedModels
        let optimizer: Bool
        var model = "t"
        func complete(_ request: ChatRequest) async throws -> ChatResponse {
            try world.spend(request, optimizer: optimizer)
            return optimizer ? world.optimize(request) : world.answer(request, model: model)
        }
    }

    /// The budget check before a call (as the hub does), and the record of optimizer requests.
    private func spend(_ request: ChatRequest, optimizer: Bool) throws {
        try state.withLock { s in
            if let max = tokenBudget, s.tokens >= max { throw ModelError(.budget, "the token budget (\(max)) is spent") }
            if optimizer { s.optimizerRequests.append(request) }
        }
    }

    private func charge(_ response: ChatResponse) -> ChatResponse {
        state.withLock { $0.tokens += response.usage.total }
        return response
    }

    private func answer(_ request: ChatRequest, model: String) -> ChatResponse {
        let reply = ScriptedWorld.answer(prompt: request.messages.compactMap(\.content).joined(separator: "\n"),
                                         user: request.messages.last?.content ?? "", model: model, labels: labels)
        return charge(ChatResponse(content: reply, usage: Usage(inputTokens: 900, outputTokens: 12), finishReason: "stop"))
    }

    private func optimize(_ request: ChatRequest) -> ChatResponse {
        let context = request.messages.first { $0.role == .user }?.content ?? ""
        let round = Int(context.components(separatedBy: "# Round ").dropFirst().first?.prefix { $0.isNumber } ?? "0") ?? 0
        let calls = script(round, request.messages.filter { $0.role == .tool }.count)
        if calls.isEmpty {
            return charge(ChatResponse(content: "I have nothing more to try.", usage: Usage(inputTokens: 3000, outputTokens: 20), finishReason: "stop"))
        }
        let toolCalls = calls.enumerated().map { i, c in ToolCall(id: "call_\(i)", name: c.name, arguments: c.arguments) }
        return charge(ChatResponse(content: nil, toolCalls: toolCalls, usage: Usage(inputTokens: 3000, outputTokens: 200), finishReason: "tool_calls"))
    }
}

/// A client that answers every request with the text `reply` makes of it: for the parts of the
/// loop that need one model and no script (the critic).
struct ReplyingClient: ChatModel {
    let reply: @Sendable (ChatRequest) -> String
    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        ChatResponse(content: reply(request), usage: Usage(inputTokens: 20, outputTokens: 5), finishReason: "stop")
    }
}

/// The hostile pack's model in memory: replies with the text after "Text: " in the last message
/// (so HOG or SPIN make extract hit its limits), and counts the requests.
final class EchoModel: ChatModel {
    private let count = Mutex(0)
    var requestCount: Int { count.withLock { $0 } }

    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        count.withLock { $0 += 1 }
        let user = request.messages.last?.content ?? ""
        return ChatResponse(content: user.components(separatedBy: "Text: ").last ?? "", usage: Usage(inputTokens: 30, outputTokens: 2), finishReason: "stop")
    }
}

/// `inner`, except for the requests `error` names an error for: an API error in memory.
struct FailingClient: ChatModel {
    let inner: any ChatModel
    let error: @Sendable (ChatRequest) -> ModelError?
    func complete(_ request: ChatRequest) async throws -> ChatResponse {
        if let e = error(request) { throw e }
        return try await inner.complete(request)
    }
}
