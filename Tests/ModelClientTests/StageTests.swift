import Foundation
import GRDB
import Testing
import JSONText
import Synchronization
import TestSupport
@testable import ModelClient

/// A stand-in for the rest of a chain: answers the n-th request (from 1) with `reply`, keeps
/// what it was sent, and shows each reply to `accept` as the cache would. No socket is opened.
final class FakeStage: RequestStage {
    let sent = Mutex<[ChatRequest]>([])
    let reply: @Sendable (ChatRequest, Int) async throws -> ChatResponse

    init(_ reply: @escaping @Sendable (ChatRequest, Int) async throws -> ChatResponse) { self.reply = reply }
    convenience init(text: String) { self.init { _, _ in ChatResponse(content: text, usage: Usage(inputTokens: 10, outputTokens: 5)) } }

    var count: Int { sent.withLock { $0.count } }

    func send(_ request: ChatRequest, accept: (ChatResponse) -> String?) async throws -> ChatResponse {
        let n = sent.withLock { $0.append(request); return $0.count }
        let response = try await reply(request, n)
        _ = accept(response)
        return response
    }
}

/// Each stage of a model's request path alone, over `FakeStage` (issue 12): the logic of
/// asking again, accounting, caching, retries, quirks, budgets and throttles without a server.
@Suite struct StageTests {
    let name = try! ModelName(parsing: "mock:m")

    @Test func theChainAsksAgainWhileTheCallerRefusesAndSaysSo() async throws {
        let inner = FakeStage { _, n in ChatResponse(content: "reply \(n)") }
        let heard = Mutex<[String]>([])
        let chain = ModelChain(name: name, first: inner) { note in heard.withLock { $0.append(note) } }
        let third = try await chain.complete(hello, attempts: 3) { $0.content == "reply 3" ? nil : "not yet" }
        #expect(third.content == "reply 3")
        #expect(heard.withLock { $0 } == ["mock:m: not yet; asking again", "mock:m: not yet; asking again"])
        let e = await modelError { _ = try await chain.complete(hello, attempts: 2) { _ in "never" } }
        #expect(e == ModelError(.badResponse, "never"))
        #expect(inner.count == 5)
    }

    @Test func accountingCountsLiveCachedRefusedAndFailedCalls() async throws {
        let ledger = UsageLedger()
        let replies = FakeStage { _, n in
            switch n {
            case 1: return ChatResponse(content: "live", usage: Usage(inputTokens: 100, outputTokens: 10))
            case 2: return ChatResponse(content: "hit", usage: Usage(inputTokens: 7, outputTokens: 3), cached: true)
            case 3: return ChatResponse(content: "refused", usage: Usage(inputTokens: 1, outputTokens: 1))
            case 4: throw ModelError(.server, "down")
            case 5: throw ModelError(.budget, "spent")
            case 6: throw CancellationError()
            default: throw CacheWriteFailed(path: "c", reason: "disk full")
            }
        }
        let stage = Accounting(ledger: ledger, model: "mock:m", role: "target", price: Price(input: 1, output: 2), inner: replies)
        _ = try await stage.send(hello)
        _ = try await stage.send(hello)
        _ = try await stage.send(hello) { _ in "refused" }
        for _ in 4...7 { _ = try? await stage.send(hello) }
        let line = try #require(ledger.lines.first)
        #expect(line.calls == 3 && line.cacheHits == 1)
        #expect(line.usage == Usage(inputTokens: 101, outputTokens: 11) && line.cachedUsage == Usage(inputTokens: 7, outputTokens: 3))
        #expect(line.failures == 2)           // the refused reply and the server error; not the budget, the cancel or the cache
        #expect(abs((line.cost ?? 0) - (101 + 22) / 1e6) < 1e-12)
    }

    func caching(_ cache: ResponseCache, also: [ResponseCache] = [], all: Bool = false, required: Bool = false, notices: Notices = Notices(),
                 _ inner: FakeStage) -> Caching {
        Caching(cache: cache, alsoRead: also, allTemperatures: all, required: required, endpoint: "mock", notices: notices, inner: inner)
    }

    @Test func theCacheKeepsOnlyAcceptedRepliesAtTemperatureZero() async throws {
        let inner = FakeStage { _, n in ChatResponse(content: "reply \(n)") }
        let stage = caching(try tempCache(), inner)
        #expect(try await stage.send(hello) { _ in "refused" }.content == "reply 1")     // refused: not kept
        #expect(try await stage.send(hello).content == "reply 2")
        let hit = try await stage.send(hello)
        #expect(hit.content == "reply 2" && hit.cached)
        #expect(try await stage.send(hello) { _ in "refused" }.content == "reply 3")     // a refused hit is asked live
        var warm = hello
        warm.temperature = 0.7
        #expect(try await stage.send(warm).content == "reply 4")
        #expect(try await stage.send(warm).content == "reply 5")                         // not cached above 0
        let run = caching(try tempCache(), all: true, inner)                             // a tuning run's cache
        _ = try await run.send(warm)
        #expect(try await run.send(warm).cached)
    }

    @Test func aHitInACacheOnlyReadIsCopiedIntoTheCache() async throws {
        let shared = try tempCache()
        _ = try await caching(shared, FakeStage(text: "paid before")).send(hello)
        let own = try tempCache()
        let inner = FakeStage(text: "never")
        #expect(try await caching(own, also: [shared], inner).send(hello).content == "paid before")
        #expect(try await caching(own, FakeStage(text: "never")).send(hello).content == "paid before")   // now its own
        #expect(inner.count == 0)
    }

    @Test func aCacheThatCannotBeWrittenStopsARunAndIsSaidOnceElsewhere() async throws {
        let cache = try tempCache()
        try await DatabaseQueue(path: cache.path).write { try $0.execute(sql: "DROP TABLE responses") }
        let required = await #expect(throws: CacheWriteFailed.self) { _ = try await caching(cache, required: true, FakeStage(text: "x")).send(hello) }
        #expect(required?.description.contains(cache.path) == true)
        let notices = Notices()
        let heard = Mutex<[String]>([])
        notices.listen { n in heard.withLock { $0.append(n) } }
        let stage = caching(cache, notices: notices, FakeStage(text: "x"))
        for _ in 0..<3 { #expect(try await stage.send(hello).content == "x") }
        #expect(heard.withLock { $0 }.filter { $0.hasPrefix("cannot save replies") }.count == 1)
    }

    @Test func retriesRetryableErrorsAndAnnounceEachWait() async throws {
        let inner = FakeStage { _, n in
            if n < 3 { throw ModelError(.rateLimited, "slow down", status: 429, retryAfter: 2) }
            return ChatResponse(content: "ok")
        }
        let waits = Mutex<[String]>([])
        let policy = RetryPolicy(maxAttempts: 4, sleep: { _ in })
        let stage = Retrying(policy: policy, onRetry: { w in waits.withLock { $0.append(w.description) } }, inner: inner)
        #expect(try await stage.send(hello).content == "ok")
        #expect(waits.withLock { $0 } == ["waiting 2 s before attempt 2 of 4 (HTTP 429)", "waiting 2 s before attempt 3 of 4 (HTTP 429)"])
        let refused = FakeStage { _, _ in throw ModelError(.auth, "bad key") }
        _ = await modelError { _ = try await Retrying(policy: policy, onRetry: { _ in }, inner: refused).send(hello) }
        #expect(refused.count == 1)
    }

    @Test func toolQuirksNameTheModelAndFallBackToTheJSONToolProtocol() async throws {
        var request = hello
        request.tools = [ToolSpec(name: "stop", description: "End.", parameters: ["type": "object", "properties": ["reason": ["type": "string"]]])]
        request.toolChoice = .required
        var endpoint = EndpointConfig(name: "mock", kind: .openai, baseURL: "http://127.0.0.1:9/v1", apiKeyEnv: nil)
        endpoint.tools = false
        let inner = FakeStage(text: #"{"tool": "stop", "arguments": {"reason": "done"}}"#)
        let stage = ToolQuirks(model: "m", endpoint: endpoint, quirks: EndpointQuirks(), inner: inner)
        let seen = Mutex<ChatResponse?>(nil)
        let reply = try await stage.send(request) { r in seen.withLock { $0 = r }; return nil }
        #expect(reply.toolCalls.first?.name == "stop" && reply.toolCalls.first?.arguments["reason"] == "done")
        #expect(seen.withLock { $0 }?.toolCalls.first?.name == "stop")                // accept sees the call read from the text
        let sent = try #require(inner.sent.withLock { $0.first })
        #expect(sent.model == "m" && sent.tools.isEmpty && sent.messages.first?.content?.contains("You must call one of the functions") == true)
    }

    @Test func aBadRequestAboutToolChoiceIsNotedAndAskedAgainTheOtherWay() async throws {
        var request = hello
        request.tools = [ToolSpec(name: "stop", description: "End.", parameters: ["type": "object"])]
        request.toolChoice = .required
        let inner = FakeStage { r, _ in
            if r.toolChoice == .required { throw ModelError(.badRequest, "tool_choice 'required' is not supported") }
            return ChatResponse(content: nil, toolCalls: [ToolCall(id: "1", name: "stop", arguments: [:])])
        }
        let quirks = EndpointQuirks()
        let stage = ToolQuirks(model: "m", endpoint: EndpointConfig(name: "mock", kind: .openai, baseURL: "", apiKeyEnv: nil), quirks: quirks, inner: inner)
        #expect(try await stage.send(request).toolCalls.count == 1)
        #expect(quirks.has(.noRequiredChoice, "mock"))
        _ = try await stage.send(request)
        #expect(inner.sent.withLock { $0 }.map(\.toolChoice) == [.required, .auto, .auto])     // later calls go the right way at once
    }

    @Test func aSpentBudgetMakesNoCallAndTheTimeBudgetCancelsOneInFlight() async throws {
        let spent = UsageLedger(budget: Budget(maxTokens: 10))
        spent.add(model: "mock:m", role: "target", usage: Usage(inputTokens: 10), price: nil, cached: false)
        let inner = FakeStage(text: "x")
        let e = await modelError { _ = try await Budgeted(ledger: spent, inner: inner).send(hello) }
        #expect(e?.kind == .budget && inner.count == 0)
        let stuck = FakeStage { _, _ in
            try await Task.sleep(for: .seconds(600))                 // until cancelled
            return ChatResponse(content: "too late")
        }
        let timed = await modelError { _ = try await Budgeted(ledger: UsageLedger(budget: Budget(maxSeconds: 0.2)), inner: stuck).send(hello) }
        #expect(timed?.kind == .budget && timed?.message.contains("time budget") == true, "\(String(describing: timed))")
    }

    /// Two slots, six calls: the inner stage never holds more than two, and does reach two.
    @Test func throttledCallsNeverExceedTheSlots() async throws {
        let held = Mutex((now: 0, peak: 0))
        let inner = FakeStage { _, _ in
            held.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) }
            _ = await eventually { held.withLock { $0.peak } >= 2 }     // wait for company, however slow it comes
            held.withLock { $0.now -= 1 }
            return ChatResponse(content: "ok")
        }
        let stage = Throttled(slots: AsyncSemaphore(2), inner: inner)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<6 { group.addTask { _ = try await stage.send(hello) } }
            try await group.waitForAll()
        }
        #expect(inner.count == 6 && held.withLock { $0.peak } == 2)
    }

    @Test func rateLimitsTakeTheEstimateAndNameTheLimit() async throws {
        let tokens = RateLimiter(perMinute: 600, clock: TestClock().now)     // 10 a second
        try await tokens.take(600)
        let heard = Mutex<[String]>([])
        let stage = RateLimited(requests: nil, tokens: tokens, estimate: { _ in 2 }, waiting: { s, limit in heard.withLock { $0.append("\(s) \(limit)") } },
                                inner: FakeStage(text: "ok"))
        #expect(try await stage.send(hello).content == "ok")
        #expect(heard.withLock { $0 } == ["0.2 tokens_per_minute"])
    }

    /// The cassette keeps the request as the caller asked it and the reply as it got it, so a
    /// replay of a call that went through the JSON tool protocol still answers with the tool call.
    @Test func aRecordedToolCallReplaysAsAToolCall() async throws {
        let path = Scratch.url("cassette").appendingPathExtension("jsonl").path
        var request = hello
        request.tools = [ToolSpec(name: "stop", description: "End.", parameters: ["type": "object"])]
        var endpoint = EndpointConfig(name: "mock", kind: .openai, baseURL: "", apiKeyEnv: nil)
        endpoint.tools = false
        let quirks = ToolQuirks(model: "m", endpoint: endpoint, quirks: EndpointQuirks(), inner: FakeStage(text: #"{"tool": "stop"}"#))
        _ = try await Recording(writer: try CassetteWriter(path: path), inner: quirks).send(request)
        let replayed = try await Cassette(path: path).complete(request)
        #expect(replayed.toolCalls.map(\.name) == ["stop"])
    }
}
