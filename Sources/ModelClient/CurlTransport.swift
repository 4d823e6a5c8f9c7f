import CCurl
import Foundation
import Synchronization

public struct HTTPRequest: Sendable {
    public var url: String
    /// "Name: value" lines.
    public var headers: [String]
    public var body: [UInt8]
    public var connectTimeout: Double
    public var totalTimeout: Double
    /// A transfer that moves no byte for this long is dropped (a stuck stream).
    public var idleTimeout: Double
    /// The most reply bytes kept, counted after decompression (a small gzip body can inflate to
    /// gigabytes); a longer reply ends the transfer with a `tooLarge` error.
    public var maxReplyBytes: Int
    /// A GET (downloads, HTTPGet) instead of a POST with `body` (model calls).
    public var get = false
    /// Redirects followed (model calls follow none: the key would go along); never from https
    /// to another scheme.
    public var maxRedirects = 0
    /// A new file (created exclusively by the curl thread) the reply body is written to instead
    /// of memory: a download larger than memory should hold. The cap still applies.
    public var saveTo: String?

    public static let defaultMaxReplyBytes = 8 << 20

    public init(url: String, headers: [String], body: [UInt8], connectTimeout: Double = 10,
                totalTimeout: Double = 600, idleTimeout: Double = 120, maxReplyBytes: Int = HTTPRequest.defaultMaxReplyBytes) {
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.idleTimeout = idleTimeout
        self.maxReplyBytes = maxReplyBytes
    }
}

public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names in lower case.
    public var headers: [String: String]
    public var body: [UInt8]
}

/// HTTP POSTs over libcurl's multi interface, all driven by one dedicated thread: requests are
/// handed over through a locked queue and `curl_multi_wakeup`, results resume continuations.
/// Connections are kept and reused by the multi handle.
public final class CurlTransport: Sendable {
    public static let shared = CurlTransport()

    let loop: CurlLoop
    private let nextID = Atomic<UInt64>(1)

    /// `runsLoop: false` leaves the curl thread unstarted: tests use it to show that a cancel
    /// resumes its caller without the curl thread's help.
    init(runsLoop: Bool = true) {
        _ = CurlTransport.globalInit
        loop = CurlLoop()
        guard runsLoop else { return }
        let thread = Thread { [loop] in loop.run() }
        thread.name = "rpt-curl"
        thread.start()
    }

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// Sends one request. Cancelling the task ends the wait at once, whenever it lands: the
    /// transfer's state machine decides who resumes the caller, and the curl thread frees it.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let t = Transfer(id: nextID.add(1, ordering: .relaxed).oldValue, request: request)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<HTTPResponse, Error>) in
                guard t.attach(c) else { c.resume(throwing: Transfer.cancelled); return }
                loop.submit(t)
            }
        } onCancel: {
            if t.resolve(.failure(Transfer.cancelled)) { loop.cancel(t) }
        }
    }
}

/// One request. `phase` is the only state two threads share, always under its lock:
/// created → waiting (the caller's continuation attached) → done. Whoever moves it to done
/// (a result, a failed start, a cancel) resumes the caller, so it is resumed exactly once and a
/// cancel that lands before the hand-off is never lost. The rest is the curl thread's.
final class Transfer: @unchecked Sendable {
    enum Phase {
        case created
        case waiting(CheckedContinuation<HTTPResponse, Error>)
        case done
    }

    static let cancelled = ModelError(.cancelled, "cancelled")

    let id: UInt64
    let request: HTTPRequest
    private let phase = Mutex(Phase.created)
    // The curl thread's alone:
    var body: [UInt8] = []
    var headers: [String: String] = [:]
    var overflowed = false
    /// Reply bytes taken so far (into `body` or the `saveTo` file), for the cap.
    var received = 0
    /// The `saveTo` file, open while the transfer runs; the error that ended writing to it.
    var file: Int32 = -1
    var fileError: String?
    var easy: UnsafeMutableRawPointer?
    var headerList: UnsafeMutablePointer<curl_slist>?

    init(id: UInt64, request: HTTPRequest) {
        self.id = id
        self.request = request
    }

    /// Hands over the caller's continuation; false when a cancel got here first.
    func attach(_ c: CheckedContinuation<HTTPResponse, Error>) -> Bool {
        phase.withLock { p in
            guard case .created = p else { return false }
            p = .waiting(c)
            return true
        }
    }

    /// Moves to done and resumes the caller with `result`; false if it was done already.
    @discardableResult
    func resolve(_ result: Result<HTTPResponse, Error>) -> Bool {
        let waiting = phase.withLock { p -> CheckedContinuation<HTTPResponse, Error>?? in
            switch p {
            case .created: p = .done; return .some(nil)        // cancelled before the hand-off: attach refuses
            case .waiting(let c): p = .done; return .some(c)
            case .done: return nil
            }
        }
        guard let waiting else { return false }
        waiting?.resume(with: result)
        return true
    }

    var isDone: Bool { phase.withLock { if case .done = $0 { return true } else { return false } } }

    /// Frees curl's handles (curl thread only, after the easy handle left the multi handle).
    func release() {
        if let headerList { curl_slist_free_all(headerList) }
        if let easy { curl_easy_cleanup(easy) }
        if file >= 0 { close(file) }
        easy = nil
        headerList = nil
        file = -1
    }
}
