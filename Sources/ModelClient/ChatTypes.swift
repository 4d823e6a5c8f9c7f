// Requests and replies carry JSON values (tool schemas and arguments), so whoever imports
// ModelClient gets the JSON module with it.
@_exported import JSONText

public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable { case system, user, assistant, tool }
    public var role: Role
    public var content: String?
    public var toolCalls: [ToolCall]
    /// For `.tool` messages: the call this answers.
    public var toolCallID: String?

    public init(role: Role, content: String?, toolCalls: [ToolCall] = [], toolCallID: String? = nil) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
    }

    public static func system(_ text: String) -> ChatMessage { ChatMessage(role: .system, content: text) }
    public static func user(_ text: String) -> ChatMessage { ChatMessage(role: .user, content: text) }
    public static func assistant(_ text: String?, toolCalls: [ToolCall] = []) -> ChatMessage {
        ChatMessage(role: .assistant, content: text, toolCalls: toolCalls)
    }
    public static func tool(_ text: String, callID: String) -> ChatMessage {
        ChatMessage(role: .tool, content: text, toolCallID: callID)
    }
}

public struct ToolSpec: Sendable, Equatable {
    public var name: String
    public var description: String
    /// A JSON Schema object for the arguments.
    public var parameters: JSONValue

    public init(name: String, description: String, parameters: JSONValue) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}

public struct ToolCall: Sendable, Equatable {
    public var id: String
    public var name: String
    /// Parsed arguments; servers that send broken JSON get it repaired or reported in `argumentsError`.
    public var arguments: JSONValue
    public var argumentsError: String?

    public init(id: String, name: String, arguments: JSONValue, argumentsError: String? = nil) {
        self.id = id
        self.name = name
        self.arguments = arguments
        self.argumentsError = argumentsError
    }
}

public enum ToolChoice: Sendable, Equatable {
    case auto, none, required
    case function(String)
}

/// What the model is asked. Sent as is; `model` is the provider's own model name.
public struct ChatRequest: Sendable, Equatable {
    public var model: String
    public var messages: [ChatMessage]
    public var tools: [ToolSpec]
    public var toolChoice: ToolChoice?
    /// Ask for a JSON object reply (OpenAI's `response_format`), where the server supports it.
    public var jsonOutput: Bool
    public var temperature: Double?
    public var maxTokens: Int?
    public var seed: Int?

    public init(model: String, messages: [ChatMessage], tools: [ToolSpec] = [], toolChoice: ToolChoice? = nil,
                jsonOutput: Bool = false, temperature: Double? = 0, maxTokens: Int? = nil, seed: Int? = nil) {
        self.model = model
        self.messages = messages
        self.tools = tools
        self.toolChoice = toolChoice
        self.jsonOutput = jsonOutput
        self.temperature = temperature
        self.maxTokens = maxTokens
        self.seed = seed
    }
}

public struct Usage: Sendable, Equatable, Codable {
    public var inputTokens: Int
    public var outputTokens: Int
    public init(inputTokens: Int = 0, outputTokens: Int = 0) {
        self.inputTokens = inputTokens
        self.outputTokens = outputTokens
    }
    public var total: Int { inputTokens + outputTokens }
    public static func + (a: Usage, b: Usage) -> Usage {
        Usage(inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens)
    }
}

public struct ChatResponse: Sendable, Equatable {
    public var content: String?
    public var toolCalls: [ToolCall]
    public var usage: Usage
    /// "stop", "length", "tool_calls", ... as the provider said it.
    public var finishReason: String?
    /// True when this came from the response cache (no HTTP request was made).
    public var cached: Bool

    public init(content: String?, toolCalls: [ToolCall] = [], usage: Usage = Usage(), finishReason: String? = nil, cached: Bool = false) {
        self.content = content
        self.toolCalls = toolCalls
        self.usage = usage
        self.finishReason = finishReason
        self.cached = cached
    }
}

/// Anything that answers chat requests: a provider over HTTP, a replay cassette, or a wrapper
/// that adds retries, caching and accounting around one.
public protocol ChatModel: Sendable {
    func complete(_ request: ChatRequest) async throws -> ChatResponse
    /// A reply `accept` cannot use (it says why) is asked for again, `attempts` times in all, then
    /// a `badResponse` error gives the last reason. Such a reply is never cached; its tokens count.
    func complete(_ request: ChatRequest, attempts: Int, accept: @Sendable (ChatResponse) -> String?) async throws -> ChatResponse
}

extension ChatModel {
    public func complete(_ request: ChatRequest, attempts: Int, accept: @Sendable (ChatResponse) -> String?) async throws -> ChatResponse {
        var why = ""
        for _ in 0..<max(1, attempts) {
            let response = try await complete(request)
            guard let problem = accept(response) else { return response }
            why = problem
        }
        throw ModelError(.badResponse, why)
    }
}
