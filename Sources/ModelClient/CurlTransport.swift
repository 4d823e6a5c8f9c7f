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

    public init(url: String, headers: [String], body: [UInt8], connectTimeout: Double = 10,
                totalTimeout: Double = 600, idleTimeout: Double = 120) {
        self.url = url
        self.headers = headers
        self.body = body
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.idleTimeout = idleTimeout
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

    private let loop: CurlLoop
    private let nextID = Atomic<UInt64>(1)

    init() {
        _ = CurlTransport.globalInit
        loop = CurlLoop()
        let thread = Thread { [loop] in loop.run() }
        thread.name = "rpt-curl"
        thread.start()
    }

    private static let globalInit: Void = { curl_global_init(Int(CURL_GLOBAL_DEFAULT)) }()

    /// Sends one request. Cancelling the task stops the transfer at once.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let id = nextID.add(1, ordering: .relaxed).oldValue
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (c: CheckedContinuation<HTTPResponse, Error>) in
                if Task.isCancelled { c.resume(throwing: ModelError(.cancelled, "cancelled")); return }
                loop.submit(Transfer(id: id, request: request, continuation: c))
            }
        } onCancel: {
            loop.cancel(id)
        }
    }
}

/// One request in flight. Touched by the curl thread only, once submitted.
final class Transfer: @unchecked Sendable {
    let id: UInt64
    let request: HTTPRequest
    var continuation: CheckedContinuation<HTTPResponse, Error>?
    var body: [UInt8] = []
    var headers: [String: String] = [:]
    var easy: UnsafeMutableRawPointer?
    var headerList: UnsafeMutablePointer<curl_slist>?

    init(id: UInt64, request: HTTPRequest, continuation: CheckedContinuation<HTTPResponse, Error>) {
        self.id = id
        self.request = request
        self.continuation = continuation
    }

    func finish(_ result: Result<HTTPResponse, Error>) {
        continuation?.resume(with: result)
        continuation = nil
        if let headerList { curl_slist_free_all(headerList) }
        if let easy { curl_easy_cleanup(easy) }
        easy = nil
        headerList = nil
    }
}

final class CurlLoop: @unchecked Sendable {
    private struct Inbox {
        var pending: [Transfer] = []
        var cancelled: Set<UInt64> = []
    }

    private let multi: UnsafeMutableRawPointer
    private let inbox = Mutex(Inbox())
    private var active: [UnsafeMutableRawPointer: Transfer] = [:]   // curl thread only

    init() {
        multi = curl_multi_init()
        _ = rpt_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, 256)
    }

    func submit(_ t: Transfer) {
        inbox.withLock { $0.pending.append(t) }
        curl_multi_wakeup(multi)
    }

    func cancel(_ id: UInt64) {
        inbox.withLock { _ = $0.cancelled.insert(id) }
        curl_multi_wakeup(multi)
    }

    func run() {
        var running: Int32 = 0
        while true {
            let (pending, cancelled) = inbox.withLock { box -> ([Transfer], Set<UInt64>) in
                defer { box.pending.removeAll(); box.cancelled.removeAll() }
                return (box.pending, box.cancelled)
            }
            for t in pending {
                if cancelled.contains(t.id) { t.finish(.failure(ModelError(.cancelled, "cancelled"))); continue }
                start(t)
            }
            if !cancelled.isEmpty {
                for (easy, t) in active where cancelled.contains(t.id) {
                    curl_multi_remove_handle(multi, easy)
                    active[easy] = nil
                    t.finish(.failure(ModelError(.cancelled, "cancelled")))
                }
            }
            curl_multi_perform(multi, &running)
            var left: Int32 = 0
            while let msg = curl_multi_info_read(multi, &left) {
                guard msg.pointee.msg == CURLMSG_DONE, let easy = msg.pointee.easy_handle, let t = active[easy] else { continue }
                let code = rpt_curl_msg_result(msg)
                curl_multi_remove_handle(multi, easy)
                active[easy] = nil
                complete(t, code: code)
            }
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }

    private func start(_ t: Transfer) {
        guard let easy = curl_easy_init() else {
            t.finish(.failure(ModelError(.connection, "curl_easy_init failed"))); return
        }
        t.easy = easy
        let r = t.request
        _ = rpt_curl_setopt_string(easy, CURLOPT_URL, r.url)
        _ = rpt_curl_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        _ = rpt_curl_setopt_long(easy, CURLOPT_POST, 1)
        _ = rpt_curl_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(r.body.count))
        r.body.withUnsafeBytes { raw in
            _ = rpt_curl_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
        }
        var list: UnsafeMutablePointer<curl_slist>?
        for h in r.headers + ["Expect:"] { list = curl_slist_append(list, h) }
        t.headerList = list
        _ = rpt_curl_setopt_slist(easy, CURLOPT_HTTPHEADER, list)
        _ = rpt_curl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Int(r.connectTimeout * 1000))
        _ = rpt_curl_setopt_long(easy, CURLOPT_TIMEOUT_MS, Int(r.totalTimeout * 1000))
        _ = rpt_curl_setopt_long(easy, CURLOPT_LOW_SPEED_LIMIT, 1)
        _ = rpt_curl_setopt_long(easy, CURLOPT_LOW_SPEED_TIME, max(1, Int(r.idleTimeout)))
        _ = rpt_curl_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1)
        _ = rpt_curl_setopt_string(easy, CURLOPT_ACCEPT_ENCODING, "")
        let me = Unmanaged.passUnretained(t).toOpaque()
        _ = rpt_curl_setopt_write(easy, CURLOPT_WRITEFUNCTION) { ptr, size, n, ud in
            let t = Unmanaged<Transfer>.fromOpaque(ud!).takeUnretainedValue()
            let count = size * n
            ptr!.withMemoryRebound(to: UInt8.self, capacity: count) {
                t.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: count))
            }
            return count
        }
        _ = rpt_curl_setopt_pointer(easy, CURLOPT_WRITEDATA, me)
        _ = rpt_curl_setopt_write(easy, CURLOPT_HEADERFUNCTION) { ptr, size, n, ud in
            let t = Unmanaged<Transfer>.fromOpaque(ud!).takeUnretainedValue()
            let count = size * n
            let line = ptr!.withMemoryRebound(to: UInt8.self, capacity: count) {
                String(decoding: UnsafeBufferPointer(start: $0, count: count), as: UTF8.self)
            }
            if line.hasPrefix("HTTP/") { t.headers = [:] }          // a new response (after 100 or a redirect)
            if let colon = line.firstIndex(of: ":") {
                let name = line[..<colon].lowercased()
                t.headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            }
            return count
        }
        _ = rpt_curl_setopt_pointer(easy, CURLOPT_HEADERDATA, me)
        active[easy] = t
        curl_multi_add_handle(multi, easy)
    }

    private func complete(_ t: Transfer, code: CURLcode) {
        guard code == CURLE_OK else {
            let what = String(cString: curl_easy_strerror(code))
            let kind: ModelError.Kind = code == CURLE_OPERATION_TIMEDOUT ? .timeout : .connection
            t.finish(.failure(ModelError(kind, "\(what) (\(t.request.url))")))
            return
        }
        var status = 0
        _ = rpt_curl_getinfo_long(t.easy, CURLINFO_RESPONSE_CODE, &status)
        t.finish(.success(HTTPResponse(status: status, headers: t.headers, body: t.body)))
    }
}
