import Foundation

/// Why a GET failed: the URL (its password redacted) and what happened, for the user.
public struct HTTPGetError: Error, Sendable, CustomStringConvertible {
    public let description: String
    /// The HTTP status when the server answered with one other than 200.
    public let status: Int?
    init(_ description: String, status: Int? = nil) { (self.description, self.status) = (description, status) }
}

/// Plain GETs for the files rpt downloads (pack indexes and archives) on the curl thread the
/// model calls use. The server is untrusted: the body is capped (counted after decompression),
/// a transfer has a total and an idle time limit, at most `redirects` redirects are followed and
/// never from https to another scheme, and only a 200 is a success. No credentials, cookies or
/// .netrc are used; libcurl's proxy variables (http_proxy, https_proxy, all_proxy, no_proxy) are
/// honoured as for model calls.
public struct HTTPGet: Sendable {
    public struct Limits: Sendable {
        public var connect: Double, total: Double, idle: Double
        public var redirects: Int
        public init(connect: Double = 10, total: Double = 600, idle: Double = 30, redirects: Int = 5) {
            (self.connect, self.total, self.idle, self.redirects) = (connect, total, idle, redirects)
        }
    }

    public let limits: Limits
    let transport: CurlTransport

    public init(limits: Limits = Limits(), transport: CurlTransport = .shared) {
        self.limits = limits
        self.transport = transport
    }

    /// True for the URLs this fetches: http:// and https://.
    public static func isWeb(_ text: String) -> Bool {
        let lower = text.lowercased()
        return lower.hasPrefix("https://") || lower.hasPrefix("http://")
    }

    /// The body of `url`, at most `maxBytes`.
    public func data(_ url: String, maxBytes: Int) async throws(HTTPGetError) -> [UInt8] {
        try await get(url, maxBytes: maxBytes, saveTo: nil).body
    }

    /// The body of `url` written to `file`, which must not exist yet (it is created exclusively);
    /// at most `maxBytes`. On an error the file may hold part of the body: the caller removes it.
    public func download(_ url: String, to file: URL, maxBytes: Int) async throws(HTTPGetError) {
        _ = try await get(url, maxBytes: maxBytes, saveTo: file.path)
    }

    private func get(_ url: String, maxBytes: Int, saveTo: String?) async throws(HTTPGetError) -> HTTPResponse {
        let shown = Redact.url(String(url.unicodeScalars.prefix(500).map { $0.value < 0x20 || $0.value == 0x7f ? "?" : Character($0) }))
        guard Self.isWeb(url) else { throw HTTPGetError("\(shown): only http:// and https:// URLs are fetched") }
        var request = HTTPRequest(url: url, headers: ["User-Agent: rpt", "Accept: */*"], body: [], connectTimeout: limits.connect,
                                  totalTimeout: limits.total, idleTimeout: limits.idle, maxReplyBytes: max(0, maxBytes))
        request.get = true
        request.maxRedirects = max(0, limits.redirects)
        request.saveTo = saveTo
        let response: HTTPResponse
        do { response = try await transport.send(request) } catch let e as ModelError {
            switch e.kind {
            case .tooLarge: throw HTTPGetError("\(shown) is larger than the \(Self.size(maxBytes)) rpt takes for it")
            case .timeout:
                throw HTTPGetError("\(shown): timed out (rpt waits \(Int(limits.idle)) s for a byte and \(Int(limits.total)) s in all): \(e.message)")
            default: throw HTTPGetError("\(shown): \(e.message)")
            }
        } catch {
            throw HTTPGetError("\(shown): \(error)")
        }
        guard response.status == 200 else {
            throw HTTPGetError("\(shown): the server answered HTTP \(response.status)\(Self.meaning(response.status)), not 200", status: response.status)
        }
        return response
    }

    static func meaning(_ status: Int) -> String {
        switch status {
        case 404, 410: return " (not found: is the URL right?)"
        case 401, 403: return " (it wants credentials, which rpt never sends)"
        case 300...399: return " (a redirect without a place to go)"
        case 500...599: return " (a server error: try again later)"
        default: return ""
        }
    }

    static func size(_ bytes: Int) -> String {
        bytes >= 1 << 20 ? "\(bytes >> 20) MB" : "\(bytes) bytes"
    }
}
