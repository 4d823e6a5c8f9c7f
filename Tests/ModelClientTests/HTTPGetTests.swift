import Foundation
import Testing
import MockModels
import TestSupport
@testable import ModelClient

/// The GETs that fetch packs, against a loopback server that misbehaves the ways a web server
/// or someone in between can: every failure is an error naming the URL and what happened.
@Suite struct HTTPGetTests {
    /// Limits a loaded machine cannot reach by accident (only the timeout test waits on a silent server).
    let quick = HTTPGet(limits: .init(connect: 30, total: 120, idle: 60, redirects: 3))

    func failure(_ body: () async throws -> Void) async -> HTTPGetError? {
        do { try await body() } catch { return error as? HTTPGetError }
        return nil
    }

    @Test func getsABodyAndDownloadsAFile() async throws {
        let folder = try Scratch.folder("web")
        let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(bytes).write(to: folder.appendingPathComponent("x.bin"))
        let server = try MockServer.files(folder)
        defer { server.stop() }
        #expect(try await quick.data(server.rootURL + "/x.bin", maxBytes: 1 << 20) == bytes)
        let file = try Scratch.folder("dl").appendingPathComponent("x.bin")
        try await quick.download(server.rootURL + "/x.bin", to: file, maxBytes: 1 << 20)
        #expect(try Data(contentsOf: file) == Data(bytes))
        #expect(server.requests.allSatisfy { $0.method == "GET" && $0.headers["authorization"] == nil })
        // The file is made exclusively: an existing one (or a link planted there) is not written through.
        let again = await failure { try await quick.download(server.rootURL + "/x.bin", to: file, maxBytes: 1 << 20) }
        #expect(again?.description.contains("cannot write \(file.path): File exists") == true)
    }

    @Test func aStatusOtherThan200IsNamed() async throws {
        let server = try MockServer.files(try Scratch.folder("web"))
        defer { server.stop() }
        let e = await failure { _ = try await quick.data(server.rootURL + "/missing.rptpack", maxBytes: 100) }
        #expect(e?.status == 404)
        #expect(e?.description == "\(server.rootURL)/missing.rptpack: the server answered HTTP 404 (not found: is the URL right?), not 200")
    }

    @Test func aBodyOverTheCapIsCutOff() async throws {
        let server = try MockServer { _ in .bytes(Array(repeating: 7, count: 100_000)) }
        defer { server.stop() }
        let file = try Scratch.folder("dl").appendingPathComponent("big")
        let e = await failure { try await quick.download(server.rootURL + "/big", to: file, maxBytes: 50_000) }
        #expect(e?.description == "\(server.rootURL)/big is larger than the 50000 bytes rpt takes for it")
        #expect(((try? Data(contentsOf: file)) ?? Data()).count <= 50_000)
    }

    @Test func aTruncatedBodyIsAnError() async throws {
        let server = try MockServer { _ in .truncatedBytes(Array(repeating: 1, count: 10_000)) }
        defer { server.stop() }
        let e = await failure { _ = try await quick.data(server.rootURL + "/cut", maxBytes: 1 << 20) }
        #expect(e?.description.hasPrefix("\(server.rootURL)/cut: ") == true)
        #expect(e?.status == nil)
    }

    @Test func aServerThatSendsNothingTimesOut() async throws {
        let server = try MockServer { _ in .delayed(600, .bytes([1])) }
        defer { server.stop() }
        let impatient = HTTPGet(limits: .init(connect: 30, total: 120, idle: 1, redirects: 3))
        let e = await failure { _ = try await impatient.data(server.rootURL + "/slow", maxBytes: 100) }
        #expect(e?.description.contains("timed out (rpt waits 1 s for a byte and 120 s in all)") == true)
        #expect(await eventually { server.hangUps == 1 })
    }

    @Test func redirectsAreFollowedAFewTimesOnly() async throws {
        let folder = try Scratch.folder("web")
        try Data("here".utf8).write(to: folder.appendingPathComponent("moved"))
        let server = try MockServer.files(folder) { r in
            switch r.path {
            case "/old": return .raw(status: 301, body: "", headers: ["Location": "/moved"])
            case "/loop": return .raw(status: 302, body: "", headers: ["Location": "/loop"])
            default: return nil
            }
        }
        defer { server.stop() }
        #expect(try await quick.data(server.rootURL + "/old", maxBytes: 100) == Array("here".utf8))
        let before = server.requestCount
        let e = await failure { _ = try await quick.data(server.rootURL + "/loop", maxBytes: 100) }
        #expect(e?.description == "\(server.rootURL)/loop: more than 3 redirects (a redirect loop?) (\(server.rootURL)/loop)")
        #expect(server.requestCount - before == 4)
    }

    @Test func onlyWebURLsAreFetched() async throws {
        for url in ["file:///etc/passwd", "ftp://example.com/x", "/etc/passwd"] {
            let e = await failure { _ = try await quick.data(url, maxBytes: 100) }
            #expect(e?.description == "\(url): only http:// and https:// URLs are fetched")
        }
        // A redirect to another scheme is not followed either (curl's protocol list holds http and https only).
        let server = try MockServer { _ in .raw(status: 302, body: "", headers: ["Location": "file:///etc/passwd"]) }
        defer { server.stop() }
        let e = await failure { _ = try await quick.data(server.rootURL + "/x", maxBytes: 1 << 20) }
        #expect(e?.description.contains("redirected to a scheme rpt does not follow") == true)
    }
}
