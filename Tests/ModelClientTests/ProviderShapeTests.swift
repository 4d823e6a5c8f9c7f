import Foundation
import Testing
import JSONText
import MockModels
@testable import ModelClient

/// Request and reply bodies in the shapes the OpenAI and Anthropic API references document.
@Suite struct ProviderShapeTests {
    static let tools = [ToolSpec(name: "get_weather", description: "Weather for a city",
                                 parameters: ["type": "object", "properties": ["city": ["type": "string"]], "required": ["city"]])]
    static let conversation = ChatRequest(
        model: "gpt-4.1-mini",
        messages: [.system("You are terse."), .user("Weather in Paris?"),
                   .assistant(nil, toolCalls: [ToolCall(id: "call_1", name: "get_weather", arguments: ["city": "Paris"])]),
                   .tool("18C, sunny", callID: "call_1")],
        tools: tools, toolChoice: .required, temperature: 0, maxTokens: 100, seed: 3)

    @Test func openAIRequestBody() throws {
        let body = OpenAIChat().body(Self.conversation)
        let expected = try JSON.decode("""
            {"model": "gpt-4.1-mini", "temperature": 0, "max_tokens": 100, "seed": 3, "tool_choice": "required",
             "messages": [
               {"role": "system", "content": "You are terse."},
               {"role": "user", "content": "Weather in Paris?"},
               {"role": "assistant", "content": null, "tool_calls": [
                 {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\\"city\\":\\"Paris\\"}"}}]},
               {"role": "tool", "tool_call_id": "call_1", "content": "18C, sunny"}],
             "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
               "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]}
            """)
        #expect(JSON.encode(body) == JSON.encode(expected))
    }

    @Test func openAIReplyWithToolCallsAndNullContent() throws {
        let reply = """
            {"id": "chatcmpl-abc123", "object": "chat.completion", "created": 1741569952, "model": "gpt-4.1-2025-04-14",
             "choices": [{"index": 0, "message": {"role": "assistant", "content": null, "refusal": null,
               "tool_calls": [{"id": "call_9", "type": "function", "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}],
               "annotations": []}, "logprobs": null, "finish_reason": "tool_calls"}],
             "usage": {"prompt_tokens": 82, "completion_tokens": 17, "total_tokens": 99,
               "prompt_tokens_details": {"cached_tokens": 0}, "completion_tokens_details": {"reasoning_tokens": 0}},
             "service_tier": "default", "system_fingerprint": null}
            """
        let r = try OpenAIChat().response(HTTPResponse(status: 200, headers: [:], body: Array(reply.utf8)))
        #expect(r.content == nil)
        #expect(r.toolCalls == [ToolCall(id: "call_9", name: "get_weather", arguments: ["city": "Paris"])])
        #expect(r.usage == Usage(inputTokens: 82, outputTokens: 17))
        #expect(r.finishReason == "tool_calls")
    }

    @Test func brokenToolArgumentsAreRepairedOrReported() {
        #expect(ToolArguments.parse(.string("Sure: {\"city\": \"Paris\"} ok")).0 == ["city": "Paris"])
        #expect(ToolArguments.parse(["city": "Oslo"]).0 == ["city": "Oslo"])
        let (args, problem) = ToolArguments.parse(.string("{\"city\": \"Par"))
        #expect(args == .object([:]))
        #expect(problem?.hasPrefix("the arguments are not valid JSON") == true)
    }

    @Test func jsonToolProtocolReadsArgumentsBesideTheToolName() {
        let reply = ChatResponse(content: #"{"tool": "get_weather", "city": "Oslo"}"#, toolCalls: [], usage: Usage(), finishReason: "stop")
        let read = ToolFallback.read(reply, tools: Self.tools, callIndex: 2)
        #expect(read.toolCalls == [ToolCall(id: "call_2", name: "get_weather", arguments: ["city": "Oslo"])])
        let nested = ChatResponse(content: #"Sure. {"tool": "get_weather", "arguments": {"city": "Rome"}}"#, toolCalls: [], usage: Usage(), finishReason: "stop")
        #expect(ToolFallback.read(nested, tools: Self.tools, callIndex: 3).toolCalls.first?.arguments == ["city": "Rome"])
    }

    @Test func jsonToolProtocolReadsACallThatNamesNoTool() {
        let edit = ["section": ["type": "string"], "text": ["type": "string"], "modes": ["type": "array"]] as JSONValue
        let tools = [
            ToolSpec(name: "edit_section", description: "", parameters: ["type": "object", "required": ["section", "text"], "properties": edit]),
            ToolSpec(name: "evaluate_edit", description: "", parameters: ["type": "object", "required": ["section", "text"],
                                                                          "properties": ["section": [:], "text": [:], "sample_size": [:]]]),
            ToolSpec(name: "stop", description: "", parameters: ["type": "object", "required": ["reason"], "properties": ["reason": [:]]]),
        ]
        func read(_ text: String) -> ToolCall? {
            ToolFallback.read(ChatResponse(content: text, toolCalls: [], usage: Usage(), finishReason: "stop"), tools: tools, callIndex: 0).toolCalls.first
        }
        // What a 1.5B optimizer sent after a rejection: the arguments, no tool name.
        let call = read(#"{"arguments": {"modes": ["invented_value"], "section": "notes", "text": "Use only words of the request."}}"#)
        #expect(call?.name == "edit_section" && call?.arguments["section"] == "notes")
        #expect(read(#"{"section": "notes", "text": "Try it.", "sample_size": 8}"#)?.name == "evaluate_edit")
        #expect(read(#"{"reason": "done"}"#)?.name == "stop")
        // Nothing that fits a tool's required arguments is not a call; a named unknown tool is not guessed.
        #expect(read(#"{"intent": "card_arrival", "category": "card"}"#) == nil)
        #expect(read(#"{"tool": "rewrite", "section": "notes", "text": "x"}"#) == nil)
    }

    @Test func anthropicRequestBody() throws {
        let body = AnthropicMessages().body(Self.conversation)
        let expected = try JSON.decode("""
            {"model": "gpt-4.1-mini", "max_tokens": 100, "temperature": 0, "system": "You are terse.",
             "tool_choice": {"type": "any"},
             "messages": [
               {"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]},
               {"role": "assistant", "content": [{"type": "tool_use", "id": "call_1", "name": "get_weather", "input": {"city": "Paris"}}]},
               {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "call_1", "content": "18C, sunny"}]}],
             "tools": [{"name": "get_weather", "description": "Weather for a city",
               "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}]}
            """)
        #expect(JSON.encode(body) == JSON.encode(expected))
    }

    @Test func anthropicReplyWithTextAndToolUse() throws {
        let reply = """
            {"id": "msg_01Aq9w938a90dw8q", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
             "content": [{"type": "text", "text": "I'll check the weather."},
                         {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather", "input": {"city": "Paris"}}],
             "stop_reason": "tool_use", "stop_sequence": null, "usage": {"input_tokens": 472, "output_tokens": 89}}
            """
        let r = try AnthropicMessages().response(HTTPResponse(status: 200, headers: [:], body: Array(reply.utf8)))
        #expect(r.content == "I'll check the weather.")
        #expect(r.toolCalls.first?.name == "get_weather" && r.toolCalls.first?.arguments == ["city": "Paris"])
        #expect(r.usage == Usage(inputTokens: 472, outputTokens: 89))
        #expect(r.finishReason == "tool_use")
    }

    @Test func anthropicOverHTTPSendsVersionAndNoBearer() async throws {
        let server = try MockServer { _ in .anthropic("Bonjour") }
        defer { server.stop() }
        let hub = try makeHub(server)
        let r = try await hub.client("mockanthropic:claude-x", role: "target").complete(hello)
        #expect(r.content == "Bonjour")
        let req = try #require(server.requests.first)
        #expect(req.path == "/v1/messages")
        #expect(req.headers["anthropic-version"] == "2023-06-01")
        #expect(req.json?["system"] == "Be brief.")
        #expect(req.json?["max_tokens"] == .int(4096))
    }

    @Test func openAIOverHTTPSendsTheKeyAndContentNullBesideACallBecomesNil() async throws {
        let server = try MockServer { _ in .chat(nil, toolCalls: [("get_weather", .string("{}"))]) }
        defer { server.stop() }
        let r = try await makeHub(server).client("mock:m", role: "target").complete(hello)
        #expect(r.content == nil && r.toolCalls.count == 1)
        #expect(server.requests.first?.headers["authorization"] == "Bearer sk-test-secret")
        #expect(server.requests.first?.json?["model"] == "m")
    }
}
