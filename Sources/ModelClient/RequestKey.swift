import JSONText

/// What identifies a request in the response cache and in a cassette: every field of the
/// `ChatRequest`, in rpt's own terms. It used to be OpenAI's request body, for Anthropic
/// requests too, so a change to how one provider's body is written would have moved every
/// provider's keys, and a field that body leaves out could not tell two requests apart.
///
/// Rows and cassettes written with the old key are misses now (the model is asked again);
/// `version` is in the key and bumped on any change here, so old rows miss instead of matching wrongly.
public enum RequestKey {
    static let version = 1

    /// Every field present, `null` when unset, so "unset" and "default" stay apart. A cassette
    /// leaves the model out: it answers whatever model replays it.
    public static func value(_ r: ChatRequest, includingModel: Bool = true) -> JSONValue {
        var key: [String: JSONValue] = [
            "key_version": .int(Int64(version)),
            "messages": .array(r.messages.map(message)),
            "tools": .array(r.tools.map { ["name": .string($0.name), "description": .string($0.description), "parameters": $0.parameters] }),
            "tool_choice": toolChoice(r.toolChoice),
            "json_output": .bool(r.jsonOutput),
            "temperature": r.temperature.map(JSONValue.double) ?? .null,
            "max_tokens": r.maxTokens.map { .int(Int64($0)) } ?? .null,
            "seed": r.seed.map { .int(Int64($0)) } ?? .null,
        ]
        if includingModel { key["model"] = .string(r.model) }
        return .object(key)
    }

    /// The key as text (JSON with sorted keys: equal requests give equal text).
    public static func text(_ r: ChatRequest, includingModel: Bool = true) -> String {
        JSON.encode(value(r, includingModel: includingModel))
    }

    static func message(_ m: ChatMessage) -> JSONValue {
        [
            "role": .string(m.role.rawValue),
            "content": m.content.map(JSONValue.string) ?? .null,
            "tool_calls": .array(m.toolCalls.map { c in
                ["id": .string(c.id), "name": .string(c.name), "arguments": c.arguments,
                 "arguments_error": c.argumentsError.map(JSONValue.string) ?? .null]
            }),
            "tool_call_id": m.toolCallID.map(JSONValue.string) ?? .null,
        ]
    }

    static func toolChoice(_ c: ToolChoice?) -> JSONValue {
        switch c {
        case nil: return .null
        case .auto?: return "auto"
        case .none?: return "none"
        case .required?: return "required"
        case .function(let name)?: return ["function": .string(name)]
        }
    }
}
