import JSONText

/// Anthropic's Messages API: the system prompt apart, content blocks, tool_use / tool_result,
/// roles that must alternate (consecutive messages of one role are merged).
struct AnthropicMessages: ProviderAdapter {
    static let version = "2023-06-01"
    /// Anthropic requires max_tokens; used when the request names none.
    static let defaultMaxTokens = 4096

    func httpRequest(_ request: ChatRequest, endpoint: EndpointConfig, apiKey: String?) -> HTTPRequest {
        var headers = ["Content-Type: application/json", "anthropic-version: \(AnthropicMessages.version)"]
        if let apiKey { headers.append("x-api-key: \(apiKey)") }
        return HTTPRequest(url: endpoint.baseURL + "/messages", headers: headers,
                           body: Array(JSON.encode(body(request)).utf8), connectTimeout: endpoint.connectTimeout,
                           totalTimeout: endpoint.timeout, idleTimeout: endpoint.idleTimeout, maxReplyBytes: endpoint.maxReplyBytes)
    }

    func body(_ r: ChatRequest) -> JSONValue {
        var body: [String: JSONValue] = [
            "model": .string(r.model),
            "max_tokens": .int(Int64(r.maxTokens ?? AnthropicMessages.defaultMaxTokens)),
        ]
        let system = r.messages.filter { $0.role == .system }.compactMap(\.content).joined(separator: "\n\n")
        if !system.isEmpty { body["system"] = .string(system) }
        var turns: [(role: String, blocks: [JSONValue])] = []
        for m in r.messages where m.role != .system {
            let role = m.role == .assistant ? "assistant" : "user"
            var blocks: [JSONValue] = []
            if m.role == .tool {
                blocks.append(["type": "tool_result", "tool_use_id": .string(m.toolCallID ?? ""), "content": .string(m.content ?? "")])
            } else {
                if let text = m.content, !text.isEmpty { blocks.append(["type": "text", "text": .string(text)]) }
                for c in m.toolCalls {
                    blocks.append(["type": "tool_use", "id": .string(c.id), "name": .string(c.name), "input": c.arguments])
                }
            }
            if let last = turns.last, last.role == role { turns[turns.count - 1].blocks += blocks }
            else { turns.append((role, blocks)) }
        }
        body["messages"] = .array(turns.map { ["role": .string($0.role), "content": .array($0.blocks)] })
        if !r.tools.isEmpty {
            body["tools"] = .array(r.tools.map { ["name": .string($0.name), "description": .string($0.description), "input_schema": $0.parameters] })
        }
        switch r.toolChoice {
        case .auto?: body["tool_choice"] = ["type": "auto"]
        case .none?: body["tool_choice"] = ["type": "none"]
        case .required?: body["tool_choice"] = ["type": "any"]
        case .function(let name)?: body["tool_choice"] = ["type": "tool", "name": .string(name)]
        case nil: break
        }
        if let t = r.temperature { body["temperature"] = .double(t) }
        return .object(body)
    }

    func response(_ http: HTTPResponse) throws(ModelError) -> ChatResponse {
        let json = try decodeBody(http)
        guard let blocks = json["content"]?.array else {
            throw ModelError(.badResponse, "no content blocks in the reply: \(String(decoding: http.body.prefix(200), as: UTF8.self))")
        }
        var text: [String] = []
        var calls: [ToolCall] = []
        for b in blocks {
            switch b["type"]?.string {
            case "text":
                guard let t = b["text"]?.string else { throw ModelError(.badResponse, "a text block without text: \(JSON.encode(b).prefix(120))") }
                text.append(t)
            case "tool_use":
                let (args, problem) = ToolArguments.parse(b["input"])
                calls.append(ToolCall(id: b["id"]?.string ?? "toolu_\(calls.count)", name: b["name"]?.string ?? "",
                                      arguments: args, argumentsError: problem))
            default: continue
            }
        }
        let usage = Usage(inputTokens: try tokenCount(json["usage"]?["input_tokens"], "usage.input_tokens"),
                          outputTokens: try tokenCount(json["usage"]?["output_tokens"], "usage.output_tokens"))
        // No block at all with a stop reason is the model saying nothing (its own failure); blocks
        // of which none is text or a tool call is a reply rpt cannot read.
        if text.isEmpty && calls.isEmpty {
            guard blocks.isEmpty, json["stop_reason"]?.string != nil else {
                throw ModelError(.badResponse, "the reply has neither a text block nor a tool_use block")
            }
            text = [""]
        }
        return ChatResponse(content: text.isEmpty ? nil : text.joined(), toolCalls: calls, usage: usage,
                            finishReason: json["stop_reason"]?.string)
    }
}
