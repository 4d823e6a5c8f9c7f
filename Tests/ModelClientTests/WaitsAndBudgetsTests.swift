import Foundation
import Testing
import GRDB
import MockModels
import Synchronization
@testable import ModelClient

/// Waits that end: cancels that are never lost, a time budget that ends calls in flight, a cost
/// budget that cannot be switched off by a model without a price.
@Suite struct WaitsAndBudgetsTests {
    @Test func cancelsLandingAtAnyMomentAreNeverLost() async throws {
        let server = try MockServer { _ in .delayed(300, .json(["late": true])) }
        defer { server.stop() }
        let start = ContinuousClock.now
        let outcomes = await withTaskGroup(of: ModelError.Kind?.self) { group in
            for i in 0..<200 {
                group.addTask {
                    let t = Task { try await CurlTransport.shared.send(HTTPRequest(url: server.baseURL + "/slow", headers: [], body: [])) }
                    // From before the hand-off to the curl thread to well after it.
                    if i % 4 != 0 { try? await Task.sleep(nanoseconds: UInt64(i % 7) * 300_000) }
                    t.cancel()
                    if case .failure(let e as ModelError) = await t.result { return e.kind }
                    return nil
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.count == 200 && outcomes.allSatisfy { $0 == .cancelled })
        #expect(ContinuousClock.now - start < .seconds(120))    // long before the 300 s replies
    }

    @Test func theTimeBudgetEndsCallsInFlightAndWaitingForASlot() async throws {
        let server = try MockServer { _ in .delayed(300, .chat("late")) }
        defer { server.stop() }
        let hub = try makeHub(server, budget: Budget(maxSeconds: 1)) { $0.concurrency = 1 }
        let client = try hub.client("mock:m", role: "target")
        let start = ContinuousClock.now
        let kinds = await withTaskGroup(of: ModelError.Kind?.self) { group in
            for i in 0..<4 {
                group.addTask {
                    var r = hello
                    r.messages.append(.user("n\(i)"))
                    return await modelError { _ = try await client.complete(r) }?.kind
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(kinds.allSatisfy { $0 == .budget })
        #expect(ContinuousClock.now - start < .seconds(120))    // long before the 300 s reply
        #expect(server.requestCount <= 1)
        let late = await modelError { _ = try await client.complete(hello) }
        #expect(late?.message == "the time budget (1 s) is spent")
    }

    @Test func aCostBudgetNeedsAPriceForEveryModel() throws {
        var config = ModelConfig.builtIn
        config.prices["mock:m"] = Price(input: 1, output: 1)
        #expect(throws: Never.self) { try config.checkCostBudget(Budget(maxCost: 1), models: ["mock:m", "local:x", "replay:f.jsonl"]) }
        #expect(throws: Never.self) { try config.checkCostBudget(Budget(), models: ["anthropic:claude-x"]) }
        do {
            try config.checkCostBudget(Budget(maxCost: 1), models: ["mock:m", "anthropic:claude-x", "openai:o9", "anthropic:claude-x"])
            Issue.record("not refused")
        } catch {
            #expect("\(error)".contains("anthropic:claude-x, openai:o9 have none: add [prices.\"anthropic:claude-x\"]"))
        }
    }

    @Test func aModelWithoutAPriceStopsACostBudgetInsteadOfSpendingBlind() async throws {
        let server = try MockServer { _ in .chat("x") }
        defer { server.stop() }
        let hub = try makeHub(server, budget: Budget(maxCost: 5))
        let priced = try hub.client("mock:m", role: "target")
        let unpriced = try hub.client("mock:other", role: "critic")
        _ = try await priced.complete(hello)
        _ = try await unpriced.complete(hello)
        var again = hello
        again.messages.append(.user("more"))
        let e = await modelError { _ = try await priced.complete(again) }
        #expect(e?.kind == .budget)
        #expect(e?.message.contains("mock:other has no price") == true)
    }

    @Test func aCacheWriteThatFailsStopsARunAndIsSaidElsewhere() async throws {
        let server = try MockServer { _ in .chat("paid for") }
        defer { server.stop() }
        for required in [true, false] {
            let cache = try tempCache()
            try await DatabaseQueue(path: cache.path).write { try $0.execute(sql: "DROP TABLE responses") }   // a disk that says no
            var config = ModelConfig.builtIn
            config.endpoints["mock"] = EndpointConfig(name: "mock", kind: .openai, baseURL: server.baseURL, apiKeyEnv: nil)
            let hub = try ModelHub(config: config, cache: cache, cacheAllTemperatures: true, cacheRequired: required, retry: SleepLog().policy)
            let notices = Mutex<[String]>([])
            hub.onNotice { n in notices.withLock { $0.append(n) } }
            let client = try hub.client("mock:m", role: "target")
            if required {
                do { _ = try await client.complete(hello); Issue.record("a lost reply went unsaid") } catch let e as CacheWriteFailed {
                    #expect(e.description.contains("rpt stopped so that --resume stays exact"))
                    #expect(e.description.contains(cache.path))
                }
            } else {
                #expect(try await client.complete(hello).content == "paid for")
                #expect(notices.withLock { $0 }.contains { $0.hasPrefix("cannot save replies in the response cache \(cache.path)") })
            }
        }
    }

    @Test func aRateLimitWaitIsAnnouncedBeforeItBegins() async throws {
        let limiter = RateLimiter(perMinute: 60_000, clock: TestClock().now)   // 1000 a second
        try await limiter.take(60_000)
        let heard = Mutex<(wait: Double, at: ContinuousClock.Instant)?>(nil)
        try await limiter.take(100) { wait in heard.withLock { $0 = (wait, ContinuousClock.now) } }
        let (wait, at) = try #require(heard.withLock { $0 })
        #expect(wait == 0.1)
        #expect(ContinuousClock.now - at >= .milliseconds(99))       // said before the sleep, not after
    }
}
