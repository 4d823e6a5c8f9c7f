import Foundation
import Testing
import MockServer
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

    @Test func cancellingStopsTheTransferAtOnce() async throws {
        let server = try MockServer { _ in .delayed(60, .json(["late": true])) }
        defer { server.stop() }
        let start = Date()
        let task = Task { try await CurlTransport.shared.send(HTTPRequest(url: server.baseURL + "/slow", headers: [], body: [])) }
        try await Task.sleep(nanoseconds: 200_000_000)
        task.cancel()
        let result = await task.result
        #expect(throws: ModelError.self) { try result.get() }
        if case .failure(let e as ModelError) = result { #expect(e.kind == .cancelled) }
        #expect(Date().timeIntervalSince(start) < 30)           // long before the 60 s reply, even on a loaded machine
    }

    @Test func droppedAndTruncatedRepliesAreConnectionErrors() async throws {
        let server = try MockServer { req in req.path.hasSuffix("drop") ? .drop : .truncated(["a": "bcdefghijklmnop"]) }
        defer { server.stop() }
        for path in ["/drop", "/cut"] {
            let e = await modelError { _ = try await CurlTransport.shared.send(HTTPRequest(url: server.baseURL + path, headers: [], body: [])) }
            #expect(e?.kind == .connection, "\(path): \(String(describing: e))")
        }
    }

    @Test func idleTimeout() async throws {
        let server = try MockServer { _ in .delayed(5, .json([:])) }
        defer { server.stop() }
        let e = await modelError { _ = try await CurlTransport.shared.send(HTTPRequest(url: server.baseURL + "/x", headers: [], body: [], totalTimeout: 0.5)) }
        #expect(e?.kind == .timeout)
    }
}
