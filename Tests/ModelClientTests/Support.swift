import Foundation
import JSONText
import MockModels
import Synchronization
import TestSupport
@testable import ModelClient

/// Records the waits a retry policy asked for, and waits a millisecond instead.
final class SleepLog: Sendable {
    let waits = Mutex<[Double]>([])
    var policy: RetryPolicy {
        RetryPolicy(maxAttempts: 6, baseDelay: 0.5, maxDelay: 30) { [self] s in
            waits.withLock { $0.append(s) }
            try await Task.sleep(nanoseconds: 1_000_000)
        }
    }
}

/// A hub whose `mock` (OpenAI-compatible) and `mockanthropic` providers point at `server`.
func makeHub(_ server: MockServer, cache: ResponseCache? = nil, sleeps: SleepLog = SleepLog(),
             budget: Budget = Budget(), configure: (inout EndpointConfig) -> Void = { _ in }) throws -> ModelHub {
    var config = ModelConfig.builtIn
    var openai = EndpointConfig(name: "mock", kind: .openai, baseURL: server.baseURL, apiKeyEnv: "MOCK_KEY")
    configure(&openai)
    config.endpoints["mock"] = openai
    config.endpoints["mockanthropic"] = EndpointConfig(name: "mockanthropic", kind: .anthropic, baseURL: server.baseURL, apiKeyEnv: nil)
    config.prices["mock:m"] = Price(input: 1.0, output: 2.0)
    return try ModelHub(config: config, ledger: UsageLedger(budget: budget), cache: cache, retry: sleeps.policy,
                        environment: ["MOCK_KEY": "sk-test-secret"])
}

func tempCache() throws -> ResponseCache {
    try ResponseCache(path: Scratch.url("cache").appendingPathComponent("r.sqlite").path)
}

func modelError(_ body: () async throws -> Void) async -> ModelError? {
    do { try await body() } catch { return error as? ModelError }
    return nil
}

let hello = ChatRequest(model: "ignored", messages: [.system("Be brief."), .user("Say hi")])
