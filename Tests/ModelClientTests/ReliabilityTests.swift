import Foundation
import Testing
import JSONText
import MockModels
import Synchronization
import TestSupport
@testable import ModelClient

@Suite struct ReliabilityTests {
    @Test func retriesHonourRetryAfterThenSucceed() async throws {
        let server = try MockServer { req in
            switch req.index {
            case 0: return .drop                                // on a fresh connection, so curl does not retry it itself
            case 1: return .error(429, "slow down", retryAfter: "7")
            case 2: return .error(503, "busy")
            default: return .chat("ok")
            }
        }
        defer { server.stop() }
        let sleeps = SleepLog()
        let hub = try makeHub(server, sleeps: sleeps)
        let r = try await hub.client("mock:m", role: "target").complete(hello)
        #expect(r.content == "ok")
        #expect(server.requestCount == 4)
        let waits = sleeps.waits.withLock { $0 }
        try #require(waits.count == 3)
        #expect(waits[0] >= 0.25 && waits[0] <= 0.5)            // backoff with jitter after attempt 1
        #expect(waits[1] == 7)                                  // Retry-After
        #expect(waits[2] >= 1.0 && waits[2] <= 2.0)             // after attempt 3
        #expect(hub.ledger.lines.first?.retries == 3)
    }

    @Test func unauthorizedIsNotRetriedAndNamesTheKey() async throws {
        let server = try MockServer { _ in .error(401, "invalid api key") }
        defer { server.stop() }
        let hub = try makeHub(server)
        let e = await modelError { _ = try await hub.client("mock:m", role: "target").complete(hello) }
        #expect(e?.kind == .auth)
        #expect(e?.description.contains("$MOCK_KEY") == true)
        #expect(e?.description.contains("sk-test-secret") == false)
        #expect(server.requestCount == 1)
        #expect(hub.ledger.lines.first?.failures == 1)
    }

    @Test func missingKeyFailsBeforeAnyCall() throws {
        let server = try MockServer { _ in .chat("x") }
        defer { server.stop() }
        var config = ModelConfig.builtIn
        config.endpoints["mock"] = EndpointConfig(name: "mock", kind: .openai, baseURL: server.baseURL, apiKeyEnv: "NOT_SET_ANYWHERE")
        let hub = try ModelHub(config: config, environment: [:])
        #expect(throws: ModelError(.auth, "set NOT_SET_ANYWHERE in the environment: it holds the API key for mock (\(server.baseURL))")) {
            _ = try hub.client("mock:m", role: "target")
        }
        let misspelt = #expect(throws: ModelError.self) { _ = try hub.client("opnai:gpt", role: "target") }
        #expect(misspelt?.description.contains("did you mean 'openai'?") == true, "\(String(describing: misspelt))")
        #expect(server.requestCount == 0)
    }

    @Test func givesUpAfterMaxAttempts() async throws {
        let server = try MockServer { _ in .error(500, "down") }
        defer { server.stop() }
        let e = await modelError { _ = try await makeHub(server).client("mock:m", role: "target").complete(hello) }
        #expect(e?.kind == .server)
        #expect(server.requestCount == 6)
    }

    @Test func malformedJSONIsRetried() async throws {
        let server = try MockServer { req in req.index == 0 ? .raw(status: 200, body: "{\"choices\": [") : .chat("fine") }
        defer { server.stop() }
        #expect(try await makeHub(server).client("mock:m", role: "target").complete(hello).content == "fine")
    }

    @Test func cacheAnswersRepeatsWithoutHTTP() async throws {
        let server = try MockServer { _ in .chat("cached answer", promptTokens: 100, completionTokens: 10) }
        defer { server.stop() }
        let hub = try makeHub(server, cache: try tempCache())
        let client = try hub.client("mock:m", role: "target")
        let first = try await client.complete(hello)
        let second = try await client.complete(hello)
        #expect(!first.cached && second.cached)
        #expect(second.content == "cached answer")
        #expect(server.requestCount == 1)
        var hot = hello
        hot.temperature = 0.7
        _ = try await client.complete(hot)
        _ = try await client.complete(hot)
        #expect(server.requestCount == 3)                       // not cached above temperature 0
        let line = try #require(hub.ledger.lines.first)
        #expect(line.calls == 4 && line.cacheHits == 1)
        #expect(line.usage == Usage(inputTokens: 300, outputTokens: 30))
        #expect(abs((line.cost ?? 0) - (300 * 1.0 + 30 * 2.0) / 1e6) < 1e-12)
    }

    @Test func budgetStopsNewCalls() async throws {
        let server = try MockServer { _ in .chat("x", promptTokens: 600, completionTokens: 0) }
        defer { server.stop() }
        let hub = try makeHub(server, budget: Budget(maxTokens: 1000))
        let client = try hub.client("mock:m", role: "target")
        _ = try await client.complete(hello)
        var other = hello
        other.messages.append(.user("again"))
        _ = try await client.complete(other)
        other.messages.append(.user("and again"))
        let e = await modelError { _ = try await client.complete(other) }
        #expect(e?.kind == .budget)
        #expect(server.requestCount == 2)
    }

    @Test func requiredToolChoiceRejectedFallsBackToAuto() async throws {
        let server = try MockServer { req in
            if req.json?["tool_choice"] == "required" { return .error(400, "tool_choice 'required' is not supported") }
            return .chat(nil, toolCalls: [("get_weather", .string("{\"city\":\"Oslo\"}"))])
        }
        defer { server.stop() }
        let client = try makeHub(server).client("mock:m", role: "optimizer")
        var req = hello
        req.tools = ProviderShapeTests.tools
        req.toolChoice = .required
        let r = try await client.complete(req)
        #expect(r.toolCalls.first?.arguments == ["city": "Oslo"])
        _ = try await client.complete(req)
        #expect(server.requests.map { $0.json?["tool_choice"] } == ["required", "auto", "auto"])
    }

    @Test func serverWithoutToolsGetsTheJSONProtocol() async throws {
        let server = try MockServer { req in
            if req.json?["tools"] != nil { return .error(400, "this model does not support tools") }
            return .chat(#"I will call it: {"tool": "get_weather", "arguments": {"city": "Rome"}}"#)
        }
        defer { server.stop() }
        let client = try makeHub(server).client("mock:m", role: "optimizer")
        var req = hello
        req.tools = ProviderShapeTests.tools
        let r = try await client.complete(req)
        #expect(r.toolCalls == [ToolCall(id: "call_0", name: "get_weather", arguments: ["city": "Rome"])])
        #expect(r.content == nil)
        let system = server.requests.last?.json?["messages"]?.array?.first?["content"]?.string ?? ""
        #expect(system.contains("get_weather: Weather for a city"))
    }

    @Test func recordThenReplay() async throws {
        let server = try MockServer { _ in .chat("recorded") }
        defer { server.stop() }
        let path = Scratch.url("cassette").appendingPathExtension("jsonl").path
        var config = ModelConfig.builtIn
        config.endpoints["mock"] = EndpointConfig(name: "mock", kind: .openai, baseURL: server.baseURL, apiKeyEnv: nil)
        let recording = try ModelHub(config: config, recordTo: path)
        _ = try await recording.client("mock:m", role: "target").complete(hello)
        let replay = try ModelHub(config: config).client("replay:\(path)", role: "target")
        #expect(try await replay.complete(hello).content == "recorded")
        var other = hello
        other.messages.append(.user("unseen"))
        let e = await modelError { _ = try await replay.complete(other) }
        #expect(e?.kind == .notFound)
    }

    @Test func configFileProvidersAndPrices() throws {
        let dir = Scratch.url("conf")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try """
            [providers.vllm]
            base_url = "http://127.0.0.1:9999/v1/"
            concurrency = 4
            requests_per_minute = 120
            tools = false

            [prices."vllm:qwen"]
            input = 0.5
            output = 1
            """.write(to: dir.appendingPathComponent("rpt.toml"), atomically: true, encoding: .utf8)
        let config = try ModelConfig.load(packDirectory: nil, workingDirectory: dir, environment: ["OPENAI_BASE_URL": "http://127.0.0.1:1/v1"])
        #expect(config.endpoints["vllm"]?.baseURL == "http://127.0.0.1:9999/v1")
        #expect(config.endpoints["vllm"]?.concurrency == 4 && config.endpoints["vllm"]?.tools == false)
        #expect(config.prices["vllm:qwen"] == Price(input: 0.5, output: 1))
        #expect(config.endpoints["openai"]?.baseURL == "http://127.0.0.1:1/v1")

        try "[providers.x]\nbase_url = \"http://h/v1\"\nconcurency = 3\n".write(to: dir.appendingPathComponent("rpt.toml"), atomically: true, encoding: .utf8)
        do { _ = try ModelConfig.load(packDirectory: nil, workingDirectory: dir, environment: [:]); Issue.record("no error") } catch {
            #expect("\(error)".contains("providers.x.concurency: unknown key (did you mean 'concurrency'?)"))
        }
    }
}

/// A clock for rate limiters that moves only when told.
final class TestClock: Sendable {
    private let seconds = Mutex(1000.0)
    var now: @Sendable () -> Double { { [self] in seconds.withLock { $0 } } }
    func advance(_ s: Double) { seconds.withLock { $0 += s } }
}

@Suite struct ThrottleTests {
    /// Four slots: the first requests are held at the server until four are there at once, so
    /// the peak is reached however slowly they arrive; a fifth let through would raise it.
    @Test func endpointConcurrencyIsALimit() async throws {
        let inFlight = Mutex((now: 0, peak: 0))
        let server = try MockServer { _ in
            inFlight.withLock { $0.now += 1; $0.peak = max($0.peak, $0.now) }
            defer { inFlight.withLock { $0.now -= 1 } }
            // Bounded, so a limit below four fails the test instead of hanging it (generously:
            // the clients that send the four may wait long for a thread on a busy machine).
            let deadline = ContinuousClock.now + .seconds(120)
            while inFlight.withLock({ $0.peak }) < 4 && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.005) }
            Thread.sleep(forTimeInterval: 0.005)
            return .chat("ok")
        }
        defer { server.stop() }
        let hub = try makeHub(server) { $0.concurrency = 4 }
        let client = try hub.client("mock:m", role: "target")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for i in 0..<24 {
                group.addTask {
                    var r = hello
                    r.messages.append(.user("n\(i)"))
                    _ = try await client.complete(r)
                }
            }
            try await group.waitForAll()
        }
        #expect(server.requestCount == 24)
        #expect(inFlight.withLock { $0.peak } == 4)
    }

    /// On a clock the test moves, so the loop's own speed does not matter.
    @Test func rateLimiterQueuesPastItsBurst() async throws {
        let clock = TestClock()
        let limiter = RateLimiter(perMinute: 6000, clock: clock.now)    // 100 a second, bursts of 6000
        let waits = Mutex<[Double]>([])
        for _ in 0..<6000 { try await limiter.take(1) { w in waits.withLock { $0.append(w) } } }   // the burst: no wait
        #expect(waits.withLock { $0 }.isEmpty)
        try await limiter.take(20) { w in waits.withLock { $0.append(w) } }      // 20 more at 100/s: 0.2 s
        try await limiter.take(20) { w in waits.withLock { $0.append(w) } }      // queued behind them: 0.4 s
        clock.advance(1)                                                        // 100 more came in, 40 owed
        try await limiter.take(60) { w in waits.withLock { $0.append(w) } }      // exactly what is there
        let heard = waits.withLock { $0 }
        #expect(heard.count == 2 && abs(heard[0] - 0.2) < 1e-9 && abs(heard[1] - 0.4) < 1e-9, "\(heard)")
    }

    /// A wait really sleeps at least as long as it said (a lower bound holds on any machine).
    @Test func aRateLimitWaitSleepsAtLeastWhatItSaid() async throws {
        let limiter = RateLimiter(perMinute: 600, clock: TestClock().now)     // 10 a second
        try await limiter.take(600)
        let said = Mutex(0.0)
        let start = ContinuousClock.now
        try await limiter.take(2) { w in said.withLock { $0 = w } }
        #expect(said.withLock { $0 } == 0.2)
        #expect(ContinuousClock.now - start >= .milliseconds(199))
    }
}
