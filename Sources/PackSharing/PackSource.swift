import Foundation

/// What PackSharing needs from the network. rpt passes libcurl's GET (ModelClient's HTTPGet,
/// with its caps, time limits and redirect rules); PackSharing itself opens no socket.
public protocol PackFetcher: Sendable {
    /// The body of `url`, at most `maxBytes`.
    func data(_ url: String, maxBytes: Int) async throws -> [UInt8]
    /// The body of `url` written to `file` (a new file), at most `maxBytes`.
    func download(_ url: String, to file: URL, maxBytes: Int) async throws
}

/// Where `--from` points: an index folder, or a static web location whose `index.json` (URL/index.json)
/// lists archives that sit beside it (URL/NAME-VERSION.rptpack). Nothing else is fetched: an
/// index cannot send rpt to another host, folder or scheme.
public struct PackSource: Sendable, CustomStringConvertible {
    enum Place: Sendable {
        case folder(URL)
        case web(String)
    }
    let place: Place
    let fetcher: (any PackFetcher)?

    /// `text` is a folder, or an http(s) URL of the index's location (with or without /index.json).
    public init(_ text: String, fetcher: (any PackFetcher)?) throws(PackStoreError) {
        self.fetcher = fetcher
        guard WebAddress.isWeb(text) else { place = .folder(URL(fileURLWithPath: text)); return }
        var base = try WebAddress.check(text, query: false)
        if base.hasSuffix("/" + PackIndex.fileName) { base.removeLast(PackIndex.fileName.count) }
        while base.hasSuffix("/") { base.removeLast() }
        place = .web(base)
    }

    public var description: String {
        switch place {
        case .folder(let dir): return dir.path
        case .web(let base): return base
        }
    }

    /// The index, read and checked (PackIndex.decode).
    public func index() async throws(PackStoreError) -> PackIndex {
        switch place {
        case .folder(let dir): return try PackIndex.read(dir)
        case .web(let base):
            let url = base + "/" + PackIndex.fileName
            let body: [UInt8]
            do { body = try await web().data(url, maxBytes: PackIndex.maxBytes) } catch { throw PackStoreError("cannot read the index: \(error)") }
            return try PackIndex.decode(Data(body), from: url)
        }
    }

    /// A local file holding `entry`'s archive: the folder's own, or a download into `scratch` of
    /// at most the size the index gives (the installer checks its sha256 before using it).
    public func archive(_ entry: PackIndex.Entry, into scratch: URL) async throws(PackStoreError) -> URL {
        switch place {
        case .folder(let dir): return dir.appendingPathComponent(entry.file)
        case .web(let base):
            let file = try await Self.fetch(base + "/" + entry.file, with: web(), into: scratch, maxBytes: entry.size)
            let size = ((try? FileManager.default.attributesOfItem(atPath: file.path))?[.size] as? NSNumber)?.intValue ?? -1
            guard size == entry.size else {
                throw PackStoreError("\(base)/\(entry.file) is \(size) bytes, the index says \(entry.size) (cut off, or not the archive the index lists)")
            }
            return file
        }
    }

    /// An archive given by its URL, downloaded into `scratch` (within the size any archive may have).
    public static func download(_ url: String, fetcher: (any PackFetcher)?, into scratch: URL) async throws(PackStoreError) -> URL {
        guard let fetcher else { throw PackStoreError("this rpt cannot fetch \(url)") }
        return try await fetch(try WebAddress.check(url, query: true), with: fetcher, into: scratch,
                               maxBytes: ArchiveLimits.standard.maxArchiveBytes)
    }

    private static func fetch(_ url: String, with fetcher: any PackFetcher, into scratch: URL, maxBytes: Int) async throws(PackStoreError) -> URL {
        let file = scratch.appendingPathComponent("download-\(UUID().uuidString).rptpack")
        do { try await fetcher.download(url, to: file, maxBytes: maxBytes) } catch {
            try? FileManager.default.removeItem(at: file)
            throw PackStoreError("cannot download the archive: \(error)")
        }
        return file
    }

    private func web() throws(PackStoreError) -> any PackFetcher {
        guard let fetcher else { throw PackStoreError("this rpt cannot fetch \(self)") }
        return fetcher
    }
}

/// The URLs rpt fetches packs from, checked before any request: http or https, a host, no
/// user or password (rpt sends no credentials), no control characters or spaces, at most 2,000
/// characters; a query only where a whole archive URL is given (a signed link), never for an index.
enum WebAddress {
    static func isWeb(_ text: String) -> Bool {
        let lower = text.prefix(8).lowercased()
        return lower.hasPrefix("https://") || lower.hasPrefix("http://")
    }

    static func check(_ text: String, query: Bool) throws(PackStoreError) -> String {
        let shown = shown(text)
        guard text.utf8.count <= 2000, !text.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7f || $0 == "\\" }),
              let parts = URLComponents(string: text), let scheme = parts.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = parts.host, !host.isEmpty else {
            throw PackStoreError("'\(shown)' is not a URL rpt fetches: give http(s)://HOST/PATH without spaces")
        }
        guard parts.user == nil, parts.password == nil else {
            throw PackStoreError("'\(shown)': rpt sends no credentials, so a URL may not hold a user or password (USER:PASSWORD@)")
        }
        guard parts.fragment == nil, query || parts.query == nil else {
            throw PackStoreError("'\(shown)': an index location has no query or fragment (rpt fetches URL/index.json and the archives beside it)")
        }
        return text
    }

    /// The URL for a message: control characters escaped, a user and password left out.
    static func shown(_ text: String) -> String {
        var t = Ustar.shown(text)
        if let start = t.range(of: "://"), let at = t[start.upperBound...].prefix(while: { $0 != "/" }).lastIndex(of: "@") {
            t.replaceSubrange(start.upperBound...at, with: "")
        }
        return t
    }
}
