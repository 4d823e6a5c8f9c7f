import Foundation
import Testing
import MockModels
import TestSupport
@testable import ModelClient

@Suite struct TransportTests {
    @Test func postsAndReadsStatusHeadersBody() async throws {
        let server = try MockServer { req in .json(["path": .string(req.path), "got": .string(String(decoding: req.body, as: UTF8.self))], headers: ["X-Thing": "yes"]) }
        defer { server.stop() }
        let r = try await CurlTransport.shared.send(HTTPRequest(url: server.baseURL + "/chat/completions",
                                                                headers: ["Content-Type: application/json"], body: Array("{\"a\":1}".utf8)))
        #expect(r.status == 200)
        #expect(r.headers["x-thing"] == "yes")
        #expect(String(decoding: r.body, as: UTF8.self) == #"{"got":"{\"a\":1}","path":"/v1/chat/completions"}"#)
    }

    @Test func manyRequestsAtOnceAllComplete() async throws {
        let server = try MockServer { req in .delayed(0.05, .json(["n": .int(Int64(req.index))])) }
        defer { server.stop() }
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<64 {
                group.addTask { try await CurlTransport.shared.send(HTTPRequest(url: server.baseURL + "/x", headers: [], body: [])).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses.count == 64 && statuses.allSatisfy { $0 == 200 })
        #expect(server.requestCount == 64)
    }

    /// A transfer the server holds is cancelled: the caller hears `cancelled`, and curl drops
    /// the connection (the server sees the hang-up) instead of waiting for the reply.
    @Test func cancellingStopsTheTransferAtOnce() async throws {
        let server = try MockServer { _ in .delayed(300, .json(["late": true])) }
        defer { server.stop() }
        let task = Task { try await CurlTransport.shared.send(HTTPRequest(url: server.baseURL + "/slow", headers: [], body: [])) }
        try #require(await eventually { server.requestCount == 1 }, "the request never reached the server")
        task.cancel()
        let e = await modelError { _ = try await task.value }
        #expect(e?.kind == .cancelled)
        #expect(await eventually { server.hangUps == 1 }, "the transfer was left running")
    }

    /// The caller is resumed by the cancel itself, not by the curl thread: with no curl thread
    /// at all, a transfer handed over (or not yet) still ends as `cancelled` when its task is.
    @Test func aCancelResumesTheCallerWithoutTheCurlThread() async throws {
        let transport = CurlTransport(runsLoop: false)
        for handedOver in [false, true] {
            let task = Task { try await transport.send(HTTPRequest(url: "http://127.0.0.1:9/never", headers: [], body: [])) }
            if handedOver { try #require(await eventually { transport.loop.pendingCount == 1 }) }
            task.cancel()
            let kind = try await within(60) { await modelError { _ = try await task.value }?.kind }
            #expect(kind == .cancelled, "handed over: \(handedOver)")
        }
    }

    @Test func droppedAndTruncatedRepliesAreConnectionErrors() async throws {
        let server = try MockServer { req in req.path.hasSuffix("drop") ? .drop : .truncated(["a": "bcdefghijklmnop"]) }
        defer { server.stop() }
        for path in ["/drop", "/cut"] {
            let e = await modelError { _ = try await CurlTransport.shared.send(HTTPRequest(url: server.baseURL + path, headers: [], body: [])) }
            #expect(e?.kind == .connection, "\(path): \(String(describing: e))")
        }
    }

    /// A reply that stops half way: the idle timeout (1 s) ends it. Had it not, the server
    /// would close the connection after 120 s (a connection error) or the total timeout of
    /// 600 s would: only the idle timeout gives `timeout` here.
    @Test func aStalledReplyEndsAtTheIdleTimeout() async throws {
        let server = try MockServer { _ in .stalled(["text": .string(String(repeating: "x", count: 4096))], seconds: 120) }
        defer { server.stop() }
        let e = await modelError {
            _ = try await CurlTransport.shared.send(HTTPRequest(url: server.baseURL + "/x", headers: [], body: [], totalTimeout: 600, idleTimeout: 1))
        }
        #expect(e?.kind == .timeout, "\(String(describing: e))")
    }

    /// A reply that takes 120 s with a total timeout of 1 s and an idle one of 600 s: only the
    /// total timeout can end it before the reply comes.
    @Test func aSlowReplyEndsAtTheTotalTimeout() async throws {
        let server = try MockServer { _ in .delayed(120, .json([:])) }
        defer { server.stop() }
        let e = await modelError {
            _ = try await CurlTransport.shared.send(HTTPRequest(url: server.baseURL + "/x", headers: [], body: [], totalTimeout: 1, idleTimeout: 600))
        }
        #expect(e?.kind == .timeout, "\(String(describing: e))")
    }
}
