import CCurl
import Foundation
import Synchronization

/// The thread that drives every transfer through one curl multi handle. Callers hand transfers
/// (and cancels) over through `inbox`; everything else here is touched by this thread alone.
final class CurlLoop: @unchecked Sendable {
    private struct Inbox {
        var pending: [Transfer] = []
        var cancelled: [Transfer] = []
    }

    private let multi: UnsafeMutableRawPointer
    private let inbox = Mutex(Inbox())
    private var active: [UnsafeMutableRawPointer: Transfer] = [:]

    init() {
        multi = curl_multi_init()
        _ = rpt_curl_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, 256)
    }

    /// Transfers handed over and not yet taken by the curl thread.
    var pendingCount: Int { inbox.withLock { $0.pending.count } }

    func submit(_ t: Transfer) {
        inbox.withLock { $0.pending.append(t) }
        curl_multi_wakeup(multi)
    }

    /// `t` was resolved as cancelled: its caller is gone; free its transfer if it started.
    func cancel(_ t: Transfer) {
        inbox.withLock { $0.cancelled.append(t) }
        curl_multi_wakeup(multi)
    }

    func run() {
        var running: Int32 = 0
        while true {
            let (pending, cancelled) = inbox.withLock { box -> ([Transfer], [Transfer]) in
                defer { box.pending.removeAll(); box.cancelled.removeAll() }
                return (box.pending, box.cancelled)
            }
            // A transfer done before it starts was cancelled: nothing of curl's to free.
            for t in pending where !t.isDone { start(t) }
            for t in cancelled {
                guard let easy = t.easy, active[easy] === t else { continue }   // finished or never started
                curl_multi_remove_handle(multi, easy)
                active[easy] = nil
                t.release()
            }
            curl_multi_perform(multi, &running)
            var left: Int32 = 0
            while let msg = curl_multi_info_read(multi, &left) {
                guard msg.pointee.msg == CURLMSG_DONE, let easy = msg.pointee.easy_handle, let t = active[easy] else { continue }
                let code = rpt_curl_msg_result(msg)
                curl_multi_remove_handle(multi, easy)
                active[easy] = nil
                t.resolve(result(t, code: code))
                t.release()
            }
            curl_multi_poll(multi, nil, 0, 1000, nil)
        }
    }

    private func start(_ t: Transfer) {
        guard let easy = curl_easy_init() else {
            t.resolve(.failure(ModelError(.connection, "curl could not make a transfer (curl_easy_init failed: out of memory?)"))); return
        }
        t.easy = easy
        let r = t.request
        _ = rpt_curl_setopt_string(easy, CURLOPT_URL, r.url)
        // Only web traffic: a base URL of file:// or another scheme must not read or send elsewhere.
        _ = rpt_curl_setopt_string(easy, CURLOPT_PROTOCOLS_STR, "http,https")
        _ = rpt_curl_setopt_long(easy, CURLOPT_NOSIGNAL, 1)
        if r.get {
            _ = rpt_curl_setopt_long(easy, CURLOPT_HTTPGET, 1)
        } else {
            _ = rpt_curl_setopt_long(easy, CURLOPT_POST, 1)
            _ = rpt_curl_setopt_off(easy, CURLOPT_POSTFIELDSIZE_LARGE, curl_off_t(r.body.count))
            r.body.withUnsafeBytes { raw in
                _ = rpt_curl_setopt_pointer(easy, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!))
            }
        }
        if r.maxRedirects > 0 {
            _ = rpt_curl_setopt_long(easy, CURLOPT_FOLLOWLOCATION, 1)
            _ = rpt_curl_setopt_long(easy, CURLOPT_MAXREDIRS, min(r.maxRedirects, 20))
            // What https fetched must not be handed over in the clear by a redirect.
            _ = rpt_curl_setopt_string(easy, CURLOPT_REDIR_PROTOCOLS_STR, r.url.lowercased().hasPrefix("https:") ? "https" : "http,https")
        }
        if let path = r.saveTo {
            t.file = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
            guard t.file >= 0 else {
                t.resolve(.failure(ModelError(.connection, "cannot write \(path): \(String(cString: strerror(errno)))")))
                t.release()
                return
            }
        }
        var list: UnsafeMutablePointer<curl_slist>?
        for h in r.headers + ["Expect:"] { list = curl_slist_append(list, h) }
        t.headerList = list
        _ = rpt_curl_setopt_slist(easy, CURLOPT_HTTPHEADER, list)
        _ = rpt_curl_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, Checked.int(r.connectTimeout * 1000, in: 1...86_400_000) ?? 10_000)
        _ = rpt_curl_setopt_long(easy, CURLOPT_TIMEOUT_MS, Checked.int(r.totalTimeout * 1000, in: 1...86_400_000) ?? 600_000)
        _ = rpt_curl_setopt_long(easy, CURLOPT_LOW_SPEED_LIMIT, 1)
        _ = rpt_curl_setopt_long(easy, CURLOPT_LOW_SPEED_TIME, max(1, Checked.int(r.idleTimeout, in: 1...86_400) ?? 600))
        _ = rpt_curl_setopt_long(easy, CURLOPT_TCP_KEEPALIVE, 1)
        _ = rpt_curl_setopt_string(easy, CURLOPT_ACCEPT_ENCODING, "")
        let me = Unmanaged.passUnretained(t).toOpaque()
        // Called with decoded bytes: the cap holds whatever the content encoding.
        _ = rpt_curl_setopt_write(easy, CURLOPT_WRITEFUNCTION) { ptr, size, n, ud in
            let t = Unmanaged<Transfer>.fromOpaque(ud!).takeUnretainedValue()
            let count = size * n
            if count > t.request.maxReplyBytes - t.received {
                t.overflowed = true
                return 0                                       // curl ends the transfer (CURLE_WRITE_ERROR)
            }
            if t.file >= 0 {
                var done = 0
                while done < count {
                    let w = write(t.file, ptr! + done, count - done)
                    if w < 0 && errno == EINTR { continue }
                    guard w > 0 else { t.fileError = String(cString: strerror(errno)); return 0 }
                    done += w
                }
            } else {
                ptr!.withMemoryRebound(to: UInt8.self, capacity: count) {
                    t.body.append(contentsOf: UnsafeBufferPointer(start: $0, count: count))
                }
            }
            t.received += count
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
            if let colon = line.firstIndex(of: ":"), t.headers.count < 256 {
                let name = line[..<colon].lowercased()
                t.headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
            }
            return count
        }
        _ = rpt_curl_setopt_pointer(easy, CURLOPT_HEADERDATA, me)
        let added = curl_multi_add_handle(multi, easy)
        guard added == CURLM_OK else {
            // Never left waiting: a transfer curl did not take fails now.
            t.resolve(.failure(ModelError(.connection, "curl could not start the transfer: \(String(cString: curl_multi_strerror(added)))")))
            t.release()
            return
        }
        active[easy] = t
    }

    private func result(_ t: Transfer, code: CURLcode) -> Result<HTTPResponse, Error> {
        let url = Redact.url(t.request.url)
        if t.overflowed {
            let mb = Double(t.request.maxReplyBytes) / 1_048_576
            return .failure(ModelError(.tooLarge, String(format: "the reply is over the %g MB cap (raise max_reply_mb for this provider in rpt.toml) (%@)", mb, url)))
        }
        if let why = t.fileError { return .failure(ModelError(.connection, "cannot write \(t.request.saveTo ?? "the download"): \(why) (\(url))")) }
        guard code == CURLE_OK else {
            var what = String(cString: curl_easy_strerror(code))
            if t.request.maxRedirects > 0 && code == CURLE_TOO_MANY_REDIRECTS {
                what = "more than \(t.request.maxRedirects) redirects (a redirect loop?)"
            } else if t.request.maxRedirects > 0 && code == CURLE_UNSUPPORTED_PROTOCOL {
                what = "redirected to a scheme rpt does not follow (https only to https; http to http or https)"
            }
            let kind: ModelError.Kind = code == CURLE_OPERATION_TIMEDOUT ? .timeout : .connection
            return .failure(ModelError(kind, "\(what) (\(url))"))
        }
        var status = 0
        _ = rpt_curl_getinfo_long(t.easy, CURLINFO_RESPONSE_CODE, &status)
        return .success(HTTPResponse(status: status, headers: t.headers, body: t.body))
    }
}
