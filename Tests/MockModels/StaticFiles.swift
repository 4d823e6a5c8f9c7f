import Foundation

extension MockServer {
    /// A static web location for tests (what a team's plain web server or bucket is): GET /PATH
    /// answers the file at `folder`/PATH, a 404 when there is none. `fault` may answer a request
    /// first (a redirect, a cut-off body, a slow reply) and returns nil to let the file through.
    public static func files(_ folder: URL, fault: @escaping @Sendable (MockRequest) -> MockReply? = { _ in nil }) throws -> MockServer {
        try MockServer { request in
            if let reply = fault(request) { return reply }
            let path = String(request.path.prefix { $0 != "?" }.dropFirst())
            guard request.method == "GET", !path.split(separator: "/").contains(".."),
                  let data = FileManager.default.contents(atPath: folder.appendingPathComponent(path).path) else {
                return .raw(status: 404, body: "not found")
            }
            return .bytes(Array(data))
        }
    }

    /// The server's root URL (baseURL is the OpenAI-style /v1 under it).
    public var rootURL: String { "http://127.0.0.1:\(port)" }
}
