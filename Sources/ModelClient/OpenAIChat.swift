import Foundation
import JSONText

/// OpenAI's chat completions, as OpenAI, vLLM, Ollama, llama.cpp's server and others speak it.
public struct OpenAIChat: ProviderAdapter {
    public init() {}

    func httpRequest(_ request: ChatRequest, endpoint: EndpointConfig, apiKey: String?) -> HTTPRequest {
        var headers = ["Content-Type: application/json"]
        if let apiKey { headers.append("Authorization: Bearer \(apiKey)") }
        return HTTPRequest(url: endpoint.baseURL + "/chat/completions", headers: headers,
                           body: Array(JSON.encode(body(request)).utf8), connectTimeout: endpoint.connectTimeout,
                           totalTimeout: endpoint.timeout, idleTimeout: endpoint.idleTimeout, maxReplyBytes: endpoint.maxReplyBytes)
    }

    /// The request body (also what tools that talk HTTP themselves, like the bench, send).
    public func body(_ r: ChatRequest) -> JSONValue {
        var body: [String: JSONValue] = ["model": .string(r.model), "messages": .array(r.messages.map(message))]
        if !r.tools.isEmpty {
            body["tools"] = .array(r.tools.map { t in
                ["type": "function", "function": ["name": .string(t.name), "description": .string(t.description), "parameters": t.parameters]]
            })
        }
        switch r.toolChoice {
        case .auto?: body["tool_choice"] = "auto"
        case .none?: body["tool_choice"] = "none"
        case .required?: body["tool_choice"] = "required"
        case .function(let name)?: body["tool_choice"] = ["type": "function", "function": ["name": .string(name)]]
        case nil: break
        }
        if r.jsonOutput { body["response_format"] = ["type": "json_object"] }
        if let t = r.temperature { body["temperature"] = .double(t) }
        if let m = r.maxTokens { body["max_tokens"] = .int(Int64(m)) }
        if let s = r.seed { body["seed"] = .int(Int64(s)) }
        return .object(body)
    }

    func message(_ m: ChatMessage) -> JSONValue {
        var out: [String: JSONValue] = ["role": .string(m.role.rawValue), "content": m.content.map(JSONValue.string) ?? .null]
        if !m.toolCalls.isEmpty {
            out["tool_calls"] = .array(m.toolCalls.map { c in
                ["id": .string(c.id), "type": "function",
                 "function": ["name": .string(c.name), "arguments": .string(JSON.encode(c.arguments))]]
            })
        }
        if let id = m.toolCallID { out["tool_call_id"] = .string(id) }
        return .object(out)
    }

    func response(_ http: HTTPResponse) throws(ModelError) -> ChatResponse {
        let json = try decodeBody(http)
        guard let choice = json["choices"]?.array?.first, let message = choice["message"] else {
            throw ModelError(.badResponse, "no choices[0].message in the reply: \(String(decoding: http.body.prefix(200), as: UTF8.self))")
        }
        var calls: [ToolCall] = []
        for (i, c) in (message["tool_calls"]?.array ?? []).enumerated() {
            let fn = c["function"]
            guard let name = fn?["name"]?.string else { continue }
            let (args, problem) = ToolArguments.parse(fn?["arguments"])
            calls.append(ToolCall(id: c["id"]?.string ?? "call_\(i)", name: name, arguments: args, argumentsError: problem))
        }
        let usage = Usage(inputTokens: try tokenCount(json["usage"]?["prompt_tokens"], "usage.prompt_tokens"),
                          outputTokens: try tokenCount(json["usage"]?["completion_tokens"], "usage.completion_tokens"))
        // Content of the wrong type is the server's fault, not the model's format error: refusing
        // it here keeps it out of the cache, so a healthy server later gets asked again.
        let content: String?
        switch message["content"] {
        case .string(let s)?: content = s
        case nil, .null?: content = nil
        case let other?: throw ModelError(.badResponse, "choices[0].message.content is \(other.kindName), not text")
        }
        guard content != nil || !calls.isEmpty else {
            throw ModelError(.badResponse, "the reply has neither text nor a tool call (choices[0].message.content is null)")
        }
        return ChatResponse(content: content, toolCalls: calls, usage: usage, finishReason: choice["finish_reason"]?.string)
    }
}

/// Parses a reply body as JSON; a body cut short or not JSON is a retryable `badResponse`.
func decodeBody(_ http: HTTPResponse) throws(ModelError) -> JSONValue {
    do {
        return try http.body.withUnsafeBufferPointer { buf throws(JSON.ParseError) in try JSON.decode(buf) }
    } catch {
        throw ModelError(.badResponse, "the reply is not valid JSON (\(error)): \(String(decoding: http.body.prefix(120), as: UTF8.self))")
    }
}

/// Tool-call arguments as servers really send them: a JSON string (OpenAI), an object (some
/// servers), or a string holding broken JSON (small models). Broken JSON is repaired when the
/// object inside can be found; otherwise the problem is kept for the caller to report.
enum ToolArguments {
    static func parse(_ raw: JSONValue?) -> (JSONValue, String?) {
        switch raw {
        case nil, .null?: return (.object([:]), nil)
        case .object?: return (raw!, nil)
        case .string(let s)?:
            if s.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return (.object([:]), nil) }
            if let v = try? JSON.decode(s) { return (v, nil) }
            if let v = JSON.extract(s) { return (v, nil) }
            return (.object([:]), "the arguments are not valid JSON: \(s.prefix(200))")
        case let other?:
            return (.object([:]), "the arguments are \(other.kindName), not an object")
        }
    }
}
