import Foundation
import Testing
import GRDB
import JSONText
import MockModels
import TestSupport
@testable import ModelClient

/// The key of the response cache and of cassettes: every field of a request, in no provider's
/// wire format.
@Suite struct RequestKeyTests {
    static let base = ProviderShapeTests.conversation

    /// The base request with one field changed, for every field (and a few values each).
    static let variants: [(String, ChatRequest)] = {
        func with(_ change: (inout ChatRequest) -> Void) -> ChatRequest {
            var r = base
            change(&r)
            return r
        }
        func call(_ change: (inout ToolCall) -> Void) -> ChatRequest {
            with { r in change(&r.messages[2].toolCalls[0]) }
        }
        return [
            ("model", with { $0.model = "gpt-4.1" }),
            ("a message more", with { $0.messages.append(.user("And in Rome?")) }),
            ("messages reordered", with { $0.messages.swapAt(0, 1) }),
            ("role", with { $0.messages[1].role = .assistant }),
            ("content", with { $0.messages[1].content = "Weather in Rome?" }),
            ("content empty, not absent", with { $0.messages[2].content = "" }),
            ("tool call id", call { $0.id = "call_2" }),
            ("tool call name", call { $0.name = "get_time" }),
            ("tool call arguments", call { $0.arguments = ["city": "Rome"] }),
            ("tool call arguments error", call { $0.argumentsError = "not JSON" }),
            ("tool call id answered", with { $0.messages[3].toolCallID = "call_2" }),
            ("tool name", with { $0.tools[0].name = "get_time" }),
            ("tool description", with { $0.tools[0].description = "Weather" }),
            ("tool parameters", with { $0.tools[0].parameters = ["type": "object"] }),
            ("no tools", with { $0.tools = [] }),
            ("tool choice unset", with { $0.toolChoice = nil }),
            ("tool choice auto", with { $0.toolChoice = .auto }),
            ("tool choice none", with { $0.toolChoice = ToolChoice.none }),
            ("tool choice a function", with { $0.toolChoice = .function("get_weather") }),
            ("tool choice another function", with { $0.toolChoice = .function("get_time") }),
            ("JSON output", with { $0.jsonOutput = true }),
            ("temperature unset", with { $0.temperature = nil }),
            ("temperature 0.7", with { $0.temperature = 0.7 }),
            ("max tokens unset", with { $0.maxTokens = nil }),
            ("max tokens 101", with { $0.maxTokens = 101 }),
            ("seed unset", with { $0.seed = nil }),
            ("seed 4", with { $0.seed = 4 }),
        ]
    }()

    @Test func equalRequestsHaveEqualKeys() {
        let rebuilt = ChatRequest(
            model: "gpt-4.1-mini",
            messages: [.system("You are terse."), .user("Weather in Paris?"),
                       .assistant(nil, toolCalls: [ToolCall(id: "call_1", name: "get_weather", arguments: ["city": "Paris"])]),
                       .tool("18C, sunny", callID: "call_1")],
            tools: ProviderShapeTests.tools, toolChoice: .required, temperature: 0, maxTokens: 100, seed: 3)
        #expect(RequestKey.text(rebuilt) == RequestKey.text(Self.base))
    }

    @Test func requestsThatDifferInAnyFieldHaveDifferentKeys() {
        var seen: [String: String] = [RequestKey.text(Self.base): "the base request"]
        for (name, r) in Self.variants {
            let key = RequestKey.text(r)
            #expect(seen[key] == nil, "\(name) has the key of \(seen[key] ?? "")")
            seen[key] = name
        }
        // Only the model is left out of a cassette's key.
        #expect(RequestKey.text(Self.variants[0].1, includingModel: false) == RequestKey.text(Self.base, includingModel: false))
    }

    /// A field added to these types must be added to the key (and to `variants`).
    @Test func theKeyCoversEveryStoredField() {
        #expect(Mirror(reflecting: Self.base).children.map(\.label) ==
                ["model", "messages", "tools", "toolChoice", "jsonOutput", "temperature", "maxTokens", "seed"])
        #expect(Mirror(reflecting: Self.base.messages[2]).children.map(\.label) == ["role", "content", "toolCalls", "toolCallID"])
        #expect(Mirror(reflecting: Self.base.messages[2].toolCalls[0]).children.map(\.label) == ["id", "name", "arguments", "argumentsError"])
        #expect(Mirror(reflecting: Self.base.tools[0]).children.map(\.label) == ["name", "description", "parameters"])
    }

    /// An Anthropic call is cached and recorded under the request's own key, not OpenAI's body
    /// (which has no `arguments_error`, and writes tool calls as OpenAI functions).
    @Test func anAnthropicRequestIsKeyedWithoutOpenAIsBody() async throws {
        let server = try MockServer { _ in .anthropic("sunny") }
        defer { server.stop() }
        let cache = try tempCache()
        let cassette = Scratch.url("cassette").appendingPathExtension("jsonl").path
        var config = ModelConfig.builtIn
        config.endpoints["claude"] = EndpointConfig(name: "claude", kind: .anthropic, baseURL: server.baseURL, apiKeyEnv: nil)
        let hub = try ModelHub(config: config, cache: cache, recordTo: cassette)
        var request = Self.base
        request.tools = []
        request.toolChoice = nil
        _ = try await hub.client("claude:claude-x", role: "target").complete(request)

        var sent = request
        sent.model = "claude-x"
        let rows = try await DatabaseQueue(path: cache.path).read { try String.fetchAll($0, sql: "SELECT request FROM responses") }
        #expect(rows == ["claude\n" + RequestKey.text(sent)])
        #expect(rows.first?.contains("\"arguments_error\":null") == true)
        #expect(rows.first?.contains("\"type\":\"function\"") == false)
        let line = try JSON.decode(try String(contentsOfFile: cassette, encoding: .utf8).trimmingCharacters(in: .newlines))
        #expect(line["request"].map(JSON.encode) == RequestKey.text(sent, includingModel: false))
        #expect(try await ModelHub(config: config).client("replay:\(cassette)", role: "target").complete(request).content == "sunny")
    }
}
