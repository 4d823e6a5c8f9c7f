import Foundation
import JSONText
import TestSupport

/// Reply bodies in the shapes of the real APIs, and a seeded mix of faults.
extension MockReply {
    /// An OpenAI chat completion. `toolCalls` are (name, arguments as the server sends them).
    public static func chat(_ content: String?, toolCalls: [(String, JSONValue)] = [], promptTokens: Int = 20,
                            completionTokens: Int = 5, finish: String? = nil) -> MockReply {
        var message: [String: JSONValue] = ["role": "assistant", "content": content.map(JSONValue.string) ?? .null]
        if !toolCalls.isEmpty {
            message["tool_calls"] = .array(toolCalls.enumerated().map { i, c in
                ["id": .string("call_\(i)"), "type": "function", "function": ["name": .string(c.0), "arguments": c.1]]
            })
        }
        return .json([
            "id": "chatcmpl-mock", "object": "chat.completion", "created": 1_700_000_000, "model": "mock",
            "choices": [["index": 0, "message": .object(message), "finish_reason": .string(finish ?? (toolCalls.isEmpty ? "stop" : "tool_calls"))]],
            "usage": ["prompt_tokens": .int(Int64(promptTokens)), "completion_tokens": .int(Int64(completionTokens)),
                      "total_tokens": .int(Int64(promptTokens + completionTokens))],
        ])
    }

    /// An Anthropic message. `toolUses` are (name, input).
    public static func anthropic(_ text: String?, toolUses: [(String, JSONValue)] = [], input: Int = 20, output: Int = 5) -> MockReply {
        var blocks: [JSONValue] = []
        if let text { blocks.append(["type": "text", "text": .string(text)]) }
        for (i, t) in toolUses.enumerated() {
            blocks.append(["type": "tool_use", "id": .string("toolu_\(i)"), "name": .string(t.0), "input": t.1])
        }
        return .json([
            "id": "msg_mock", "type": "message", "role": "assistant", "model": "mock", "content": .array(blocks),
            "stop_reason": toolUses.isEmpty ? "end_turn" : "tool_use", "stop_sequence": .null,
            "usage": ["input_tokens": .int(Int64(input)), "output_tokens": .int(Int64(output))],
        ])
    }

    /// A gzip-encoded reply that inflates to `megabytes` of spaces (a "gzip bomb": a few hundred
    /// kilobytes on the wire). Made with the system's gzip.
    public static func gzipBomb(megabytes: Int) async throws -> MockReply {
        let sh = Child(URL(fileURLWithPath: "/bin/sh"), ["-c", "head -c \(megabytes << 20) /dev/zero | tr '\\0' ' ' | gzip -1 -c"])
        return .bytes(Array(try await sh.run().outData), headers: ["Content-Encoding": "gzip"])
    }

    /// A chat completion whose `message` and `usage` are exactly these (hostile shapes included).
    public static func chatShape(message: JSONValue, usage: JSONValue = ["prompt_tokens": 20, "completion_tokens": 5]) -> MockReply {
        .json(["id": "chatcmpl-mock", "object": "chat.completion", "model": "mock",
               "choices": [["index": 0, "message": message, "finish_reason": "stop"]], "usage": usage])
    }

    /// An API error body as OpenAI sends it.
    public static func error(_ status: Int, _ message: String, retryAfter: String? = nil) -> MockReply {
        .json(["error": ["message": .string(message), "type": "mock_error"]], status: status,
              headers: retryAfter.map { ["Retry-After": $0] } ?? [:])
    }

    /// One of the faults real servers have, picked by `n`: 429 with Retry-After, 500, 503,
    /// a dropped connection, a truncated body, a body that is not JSON, a slow 502.
    public static func fault(_ n: Int) -> MockReply {
        switch n % 7 {
        case 0: return .error(429, "rate limited", retryAfter: "0")
        case 1: return .error(500, "internal error")
        case 2: return .error(503, "overloaded")
        case 3: return .drop
        case 4: return .truncated(["choices": [["message": ["content": "cut short"]]]])
        case 5: return .raw(status: 200, body: "{\"choices\": [ not json")
        default: return .delayed(0.05, .error(502, "bad gateway"))
        }
    }
}
