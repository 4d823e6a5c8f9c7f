import Foundation
import JSONText
import Synchronization

/// A request as the mock server saw it.
public struct MockRequest: Sendable {
    /// 0, 1, 2, ... in arrival order over the server's life.
    public let index: Int
    public let method: String
    public let path: String
    /// Header names in lower case.
    public let headers: [String: String]
    public let body: [UInt8]
    public var json: JSONValue? { try? body.withUnsafeBufferPointer { try JSON.decode($0) } }
}

/// What the mock server does with one request: a reply, or one of the faults real servers have.
public enum MockReply: Sendable {
    case json(JSONValue, status: Int = 200, headers: [String: String] = [:])
    case raw(status: Int, body: String, headers: [String: String] = [:])
    /// Bytes as they are (e.g. a gzip body, with its Content-Encoding header).
    case bytes([UInt8], status: Int = 200, headers: [String: String] = [:])
    /// Close the connection without answering.
    case drop
    /// Announce the whole body, send half of it, close.
    case truncated(JSONValue)
    /// The same for bytes (a file cut off in transit).
    case truncatedBytes([UInt8])
    /// Announce the whole body, send half of it, then send nothing for `seconds` and close.
    case stalled(JSONValue, seconds: Double)
    /// Wait, then do the other thing. The wait ends early, with the connection closed, when
    /// the client hangs up (counted in `hangUps`) or the server stops, so long delays cost nothing.
    indirect case delayed(Double, MockReply)
}

/// A loopback HTTP/1.1 server for tests and benchmarks: one thread per connection, keep-alive,
/// every reply chosen by `handler`. Bound to 127.0.0.1 on a free port; `stop()` closes it.
public final class MockServer: @unchecked Sendable {
    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)/v1" }
    private let listener: Int32
    private let handler: @Sendable (MockRequest) -> MockReply
    private let state = Mutex(State())

    private struct State {
        var requests: [MockRequest] = []
        var connections: Set<Int32> = []
        var stopped = false
        var hangUps = 0
    }

    /// Ports handed out in this process: a new server never takes an old one's port, so a
    /// client's kept-alive connection to a stopped server cannot land on a new one.
    private static let usedPorts = Mutex<Set<Int>>([])

    public init(handler: @escaping @Sendable (MockRequest) -> MockReply) throws {
        self.handler = handler
        var (fd, port) = try MockServer.bindLoopback()
        var rejected: [Int32] = []
        while !MockServer.usedPorts.withLock({ $0.insert(port).inserted }) {
            rejected.append(fd)                       // keep it bound so the kernel picks another
            (fd, port) = try MockServer.bindLoopback()
        }
        rejected.forEach { close($0) }
        listener = fd
        self.port = port
        let t = Thread { [self] in acceptLoop() }
        t.start()
    }

    private static func bindLoopback() throws -> (Int32, Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 256) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        return (fd, Int(UInt16(bigEndian: addr.sin_port)))
    }

    deinit { stop() }

    /// Every request so far, in arrival order.
    public var requests: [MockRequest] { state.withLock { $0.requests } }
    public var requestCount: Int { state.withLock { $0.requests.count } }
    /// Connections the client closed while their reply was being delayed: a cancelled transfer.
    public var hangUps: Int { state.withLock { $0.hangUps } }

    /// Closes the server once. Open connections are shut down under the lock, so a connection
    /// thread cannot close its descriptor (which the process may then reuse) in between.
    public func stop() {
        let first = state.withLock { s -> Bool in
            if s.stopped { return false }
            s.stopped = true
            for fd in s.connections { shutdown(fd, Int32(SHUT_RDWR)) }
            return true
        }
        guard first else { return }
        shutdown(listener, Int32(SHUT_RDWR))     // wakes the accept thread, which closes it
    }

    /// Only this thread closes the listener, after its last accept: were the descriptor closed
    /// elsewhere, its number could be reused by a new server whose connections this one would take.
    private func acceptLoop() {
        defer { close(listener) }
        while !state.withLock({ $0.stopped }) {
            let fd = accept(listener, nil, nil)
            if fd < 0 { continue }
            if state.withLock({ $0.stopped }) { close(fd); return }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            state.withLock { _ = $0.connections.insert(fd) }
            let t = Thread { [self] in serve(fd) }
            t.start()
        }
    }

    private func serve(_ fd: Int32) {
        defer {
            state.withLock { _ = $0.connections.remove(fd) }
            close(fd)
        }
        var buffer: [UInt8] = []
        while let request = readRequest(fd, &buffer) {
            let keep = request.headers["connection"]?.lowercased() != "close"
            if !respond(fd, handler(request)) || !keep { return }
        }
    }

    private func readRequest(_ fd: Int32, _ buffer: inout [UInt8]) -> MockRequest? {
        let separator: [UInt8] = [13, 10, 13, 10]
        var headerEnd: Int?
        while true {
            if let r = buffer.firstRange(of: separator) { headerEnd = r.upperBound; break }
            guard readMore(fd, &buffer) else { return nil }
        }
        let head = String(decoding: buffer[..<headerEnd!], as: UTF8.self).components(separatedBy: "\r\n")
        let parts = head[0].split(separator: " ")
        guard parts.count >= 2 else { return nil }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        while buffer.count < headerEnd! + length { guard readMore(fd, &buffer) else { return nil } }
        let body = Array(buffer[headerEnd!..<(headerEnd! + length)])
        buffer.removeFirst(headerEnd! + length)
        return state.withLock { s in
            let r = MockRequest(index: s.requests.count, method: String(parts[0]), path: String(parts[1]), headers: headers, body: body)
            s.requests.append(r)
            return r
        }
    }

    private func readMore(_ fd: Int32, _ buffer: inout [UInt8]) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let n = recv(fd, &chunk, chunk.count, 0)
        guard n > 0 else { return false }
        buffer.append(contentsOf: chunk[..<n])
        return true
    }

    /// Returns false when the connection was closed on purpose.
    private func respond(_ fd: Int32, _ reply: MockReply) -> Bool {
        switch reply {
        case .delayed(let seconds, let next):
            return wait(fd, seconds) && respond(fd, next)
        case .drop:
            return false
        case .json(let value, let status, let headers):
            return send(fd, status: status, body: Array(JSON.encode(value).utf8), headers: headers)
        case .raw(let status, let body, let headers):
            return send(fd, status: status, body: Array(body.utf8), headers: headers)
        case .bytes(let body, let status, let headers):
            return send(fd, status: status, body: body, headers: headers)
        case .truncated(let value):
            return respond(fd, .truncatedBytes(Array(JSON.encode(value).utf8)))
        case .truncatedBytes(let body):
            _ = send(fd, status: 200, body: Array(body.prefix(body.count / 2)), headers: [:], announced: body.count)
            return false
        case .stalled(let value, let seconds):
            let body = Array(JSON.encode(value).utf8)
            if send(fd, status: 200, body: Array(body.prefix(body.count / 2)), headers: [:], announced: body.count) { _ = wait(fd, seconds) }
            return false
        }
    }

    /// Sleeps `seconds` unless the client hangs up or the server stops first (false then).
    /// Waiting in poll(2) on the connection is what lets a hang-up end the wait.
    private func wait(_ fd: Int32, _ seconds: Double) -> Bool {
        let end = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while true {
            let left = ContinuousClock.now.duration(to: end)
            if left <= .zero { return true }
            let rest = Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let n = poll(&p, 1, Int32(min(rest * 1000 + 1, 60_000)))
            if n == 0 || (n < 0 && errno == EINTR) { continue }
            var byte: UInt8 = 0
            if n > 0 && recv(fd, &byte, 1, Int32(MSG_PEEK | MSG_DONTWAIT)) > 0 {
                Thread.sleep(forTimeInterval: rest)            // a pipelined request, not a hang-up
                return true
            }
            state.withLock { if !$0.stopped { $0.hangUps += 1 } }
            return false
        }
    }

    private func send(_ fd: Int32, status: Int, body: [UInt8], headers: [String: String], announced: Int? = nil) -> Bool {
        var head = "HTTP/1.1 \(status) \(status == 200 ? "OK" : "Status")\r\n"
        head += "Content-Type: application/json\r\nContent-Length: \(announced ?? body.count)\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        head += "\r\n"
        let bytes = Array(head.utf8) + body
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }
}
