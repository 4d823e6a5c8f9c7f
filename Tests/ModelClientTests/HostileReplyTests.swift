import Foundation
import Testing
import JSONText
import MockModels
import Synchronization
@testable import ModelClient

/// Servers that lie or flood: every reply below ends in bounded time and memory with a clear
/// error, and nothing a server controls can trap rpt.
@Suite struct HostileReplyTests {
    @Test func aGzipBombStopsAtTheCapAsAnAPIError() async throws {
        let bomb = try await MockReply.gzipBomb(megabytes: 64)           // ~100 KB on the wire
        let server = try MockServer { _ in bomb }
        defer { server.stop() }
        let hub = try makeHub(server) { $0.maxReplyBytes = 1 << 20 }
        let e = await modelError { _ = try await hub.client("mock:m", role: "target").complete(hello) }
        #expect(e?.kind == .tooLarge)
        #expect(e?.message.contains("over the 1 MB cap (raise max_reply_mb") == true, "\(String(describing: e))")
        #expect(server.requestCount == 1)                           // not retried: the same flood would come again
    }

    @Test func aPlainBodyOverTheCapIsRefusedToo() async throws {
        let big = String(repeating: "x", count: 3 << 20)
        let server = try MockServer { _ in .raw(status: 200, body: big) }
        defer { server.stop() }
        let e = await modelError { _ = try await makeHub(server) { $0.maxReplyBytes = 1 << 20 }.client("mock:m", role: "target").complete(hello) }
        #expect(e?.kind == .tooLarge)
    }

    @Test(arguments: [JSONValue.double(1e30), .double(-5e9), .int(-1), .string("12"), .double(2e20)])
    func usageThatIsNotATokenCountIsAnAPIError(_ tokens: JSONValue) async throws {
        let server = try MockServer { _ in .chatShape(message: ["role": "assistant", "content": "hi"],
                                                      usage: ["prompt_tokens": tokens, "completion_tokens": 1]) }
        defer { server.stop() }
        let hub = try makeHub(server)
        let e = await modelError { _ = try await hub.client("mock:m", role: "target").complete(hello) }
        #expect(e?.kind == .badResponse)
        #expect(e?.message.contains("usage.prompt_tokens") == true)
        #expect(hub.ledger.totalUsage == Usage())                  // nothing counted, nothing negative
    }

    @Test func contentOfTheWrongTypeIsAnAPIErrorAndIsNotCached() async throws {
        let healthy = Mutex(false)
        let server = try MockServer { req in
            if healthy.withLock({ $0 }) { return .chat("fine") }
            return req.index % 2 == 0 ? .chat(nil) : .chatShape(message: ["role": "assistant", "content": 42])
        }
        defer { server.stop() }
        let hub = try makeHub(server, cache: try tempCache())
        let client = try hub.client("mock:m", role: "target")
        let e = await modelError { _ = try await client.complete(hello) }
        #expect(e?.kind == .badResponse)
        #expect(server.requestCount == 6)
        healthy.withLock { $0 = true }
        let r = try await client.complete(hello)                  // asked again, not a cached null
        #expect(r.content == "fine" && !r.cached)
        #expect(try await client.complete(hello).cached)
    }

    @Test func anthropicBlocksWithoutTextAreAnAPIError() async throws {
        let server = try MockServer { _ in .json(["content": [["type": "text", "text": 7]], "stop_reason": "end_turn",
                                                  "usage": ["input_tokens": 1, "output_tokens": 1]]) }
        defer { server.stop() }
        let e = await modelError { _ = try await makeHub(server).client("mockanthropic:c", role: "target").complete(hello) }
        #expect(e?.kind == .badResponse)
    }

    @Test func retryAfterIsCappedAndEveryWaitIsSaid() async throws {
        let server = try MockServer { req in
            switch req.index {
            case 0: return .error(429, "slow down", retryAfter: "86400")
            case 1: return .error(503, "busy", retryAfter: "nan")
            case 2: return .error(503, "busy", retryAfter: "-5")
            default: return .chat("ok")
            }
        }
        defer { server.stop() }
        let sleeps = SleepLog()
        let hub = try makeHub(server, sleeps: sleeps) { $0.maxRetryWait = 45 }
        let notices = Mutex<[String]>([])
        hub.onNotice { n in notices.withLock { $0.append(n) } }
        #expect(try await hub.client("mock:m", role: "target").complete(hello).content == "ok")
        let waits = sleeps.waits.withLock { $0 }
        #expect(waits.count == 3 && waits[0] == 45 && waits[2] == 0)
        #expect(waits[1] > 0 && waits[1] <= 2)                      // "nan" is no Retry-After: the backoff applies
        let said = notices.withLock { $0 }
        #expect(said.count == 3)
        #expect(said.first == "mock:m: waiting 45 s before attempt 2 of 6 (HTTP 429, the server asked for 86400 s: capped by max_retry_wait)")
    }

    @Test func aRedirectIsExplainedAndNotFollowed() async throws {
        let server = try MockServer { _ in .raw(status: 307, body: "", headers: ["Location": "http://elsewhere.invalid/v1/chat/completions"]) }
        defer { server.stop() }
        let e = await modelError { _ = try await makeHub(server).client("mock:m", role: "target").complete(hello) }
        #expect(e?.kind == .redirected)
        #expect(e?.description.contains("redirects to http://elsewhere.invalid/v1/chat/completions") == true)
        #expect(e?.description.contains("base_url") == true)
        #expect(server.requestCount == 1)
    }

    @Test func timeoutsAreRetriedOnceNotFiveTimes() async throws {
        let server = try MockServer { _ in .delayed(3, .chat("late")) }
        defer { server.stop() }
        let e = await modelError { _ = try await makeHub(server) { $0.timeout = 0.3 }.client("mock:m", role: "target").complete(hello) }
        #expect(e?.kind == .timeout)
        #expect(server.requestCount == 2)
    }

    @Test func aPasswordInTheBaseURLIsNeverInAMessage() {
        #expect(Redact.url("http://user:s3cret@host:8000/v1") == "http://user:REDACTED@host:8000/v1")
        #expect(Redact.url("https://:tok@h/v1?q=a@b") == "https://:REDACTED@h/v1?q=a@b")
        #expect(Redact.url("http://host/v1/a@b") == "http://host/v1/a@b")
        #expect(!Redact.hasSecret("http://user@host/v1"))
        let e = ModelError.http(status: 302, body: [], retryAfter: nil, keyVariable: nil, location: "http://u:pw@x/v1")
        #expect(!e.description.contains("pw"))
    }

    @Test func checkedConversionsNeverTrap() {
        #expect(Checked.int(1e300, in: 0...10) == nil)
        #expect(Checked.int(-1, in: 0...10) == nil)
        #expect(Checked.int(.nan, in: 0...10) == nil)
        #expect(Checked.int(9.2e18, in: 0...Int.max) == nil)
        #expect(Checked.int(7.9, in: 0...10) == 7)
        #expect(Checked.nanoseconds(-3) == 0 && Checked.nanoseconds(.infinity) == 0 && Checked.nanoseconds(1e300) == 86_400_000_000_000)
        #expect(RetryPolicy.retryAfter("inf") == nil && RetryPolicy.retryAfter("1e400") == nil && RetryPolicy.retryAfter("-4") == 0)
    }
}
