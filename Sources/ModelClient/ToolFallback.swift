import JSONText

/// Tool calling for backends that have none (or a broken one): the tools are described in the
/// system prompt, the model answers with a JSON object naming one, and the reply is read back
/// into a tool call. The tuning loop then works the same on any backend.
enum ToolFallback {
    static func rewrite(_ r: ChatRequest) -> ChatRequest {
        guard !r.tools.isEmpty else { return r }
        var out = r
        out.tools = []
        out.toolChoice = nil
        var messages: [ChatMessage] = []
        for m in r.messages {
            switch m.role {
            case .tool:
                messages.append(.user("Result of the function call \(m.toolCallID ?? ""):\n\(m.content ?? "")"))
            case .assistant where !m.toolCalls.isEmpty:
                let calls = m.toolCalls.map { JSON.encode(["tool": .string($0.name), "arguments": $0.arguments]) }
                messages.append(.assistant(([m.content].compactMap { $0 } + calls).joined(separator: "\n")))
            default:
                messages.append(m)
            }
        }
        if r.toolChoice != ToolChoice.none {
            let guide = instructions(r.tools, choice: r.toolChoice)
            if let i = messages.firstIndex(where: { $0.role == .system }) {
                messages[i].content = (messages[i].content ?? "") + "\n\n" + guide
            } else {
                messages.insert(.system(guide), at: 0)
            }
        }
        out.messages = messages
        return out
    }

    static func instructions(_ tools: [ToolSpec], choice: ToolChoice?) -> String {
        var text = "You can call functions. To call one, reply with only a JSON object of the form "
            + #"{"tool": "<function name>", "arguments": {...}} and nothing else."#
        switch choice {
        case .required?: text += " You must call one of the functions."
        case .function(let name)?: text += " You must call the function \(name)."
        default: text += " If no function is needed, reply normally."
        }
        text += "\nFunctions:"
        for t in tools {
            text += "\n- \(t.name): \(t.description)\n  arguments (JSON Schema): \(JSON.encode(t.parameters))"
        }
        return text
    }

    /// Reads a tool call out of a reply written under `instructions`.
    static func read(_ response: ChatResponse, tools: [ToolSpec], callIndex: Int) -> ChatResponse {
        guard let text = response.content, let obj = JSON.extract(text)?.object else { return response }
        let named = obj["tool"]?.string ?? obj["name"]?.string ?? obj["function"]?.string
        guard let name = named.flatMap({ n in tools.contains { $0.name == n } ? n : nil }) ?? unnamed(obj, tools) else { return response }
        // Small models often put the arguments beside the tool's name instead of under "arguments".
        let flat = obj.filter { !["tool", "name", "function"].contains($0.key) }
        let nested = obj["arguments"] ?? obj["parameters"] ?? obj["args"]
        let (args, problem) = ToolArguments.parse(nested ?? (flat.isEmpty ? nil : .object(flat)))
        var out = response
        out.content = nil
        out.toolCalls = [ToolCall(id: "call_\(callIndex)", name: name, arguments: args, argumentsError: problem)]
        out.finishReason = "tool_calls"
        return out
    }

    /// The tool an object without a tool name meant (a 1.5B model sent `{"arguments": {"section":
    /// ..., "text": ...}}`): the one tool whose required arguments it all has, with the most of its
    /// keys among that tool's properties; on a tie the first such tool, as the tools are listed.
    static func unnamed(_ obj: [String: JSONValue], _ tools: [ToolSpec]) -> String? {
        guard obj["tool"] == nil, obj["name"] == nil, obj["function"] == nil else { return nil }
        let args = (obj["arguments"] ?? obj["parameters"] ?? obj["args"])?.object ?? obj
        guard !args.isEmpty else { return nil }
        var best: (name: String, fit: Int)?
        for t in tools {
            let required = (t.parameters["required"]?.array ?? []).compactMap(\.string)
            let properties = Set(t.parameters["properties"]?.object?.keys.map { $0 } ?? [])
            guard !required.isEmpty, required.allSatisfy({ args[$0] != nil }) else { continue }
            let fit = args.keys.filter(properties.contains).count
            if fit > (best?.fit ?? -1) { best = (t.name, fit) }
        }
        return best?.name
    }
}

/// The request as one endpoint takes it: the model's own name, `tool_choice: required` only where
/// the server takes it, and the JSON tool protocol where it has no tool calling (`tools = false`,
/// or a 400 said so). Replies are read back into tool calls, and `accept` sees them that way.
struct ToolQuirks: RequestStage {
    let model: String
    let endpoint: EndpointConfig
    let quirks: EndpointQuirks
    let inner: any RequestStage

    func send(_ request: ChatRequest, accept: (ChatResponse) -> String?) async throws -> ChatResponse {
        var req = request
        req.model = model
        if req.toolChoice == .required && quirks.has(.noRequiredChoice, endpoint.name) { req.toolChoice = .auto }
        let fallback = !req.tools.isEmpty && (endpoint.tools == false || quirks.has(.noTools, endpoint.name))
        let sent = fallback ? ToolFallback.rewrite(req) : req
        // Tools asked for, none called, but the text names one: read it as a call.
        let tools = req.tools
        func read(_ r: ChatResponse) -> ChatResponse {
            !tools.isEmpty && r.toolCalls.isEmpty ? ToolFallback.read(r, tools: tools, callIndex: 0) : r
        }
        do {
            return read(try await inner.send(sent) { accept(read($0)) })
        } catch let e as ModelError where e.kind == .badRequest && adaptsAfter(e, request: req, fallback: fallback) {
            return try await send(request, accept: accept)     // the quirk is noted; try again the other way
        }
    }

    /// A 400 that says the server cannot take `tool_choice: required`, or tools at all: note it
    /// for this endpoint so this and later calls go the way it can take.
    func adaptsAfter(_ e: ModelError, request: ChatRequest, fallback: Bool) -> Bool {
        let said = e.message.lowercased()
        if request.toolChoice == .required, said.contains("tool_choice"), !quirks.has(.noRequiredChoice, endpoint.name) {
            quirks.note(.noRequiredChoice, endpoint.name)
            return true
        }
        if !request.tools.isEmpty, !fallback, said.contains("tool") {
            quirks.note(.noTools, endpoint.name)
            return true
        }
        return false
    }
}
