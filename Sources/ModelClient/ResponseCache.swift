import Foundation
import GRDB
import JSONText
import StableHash
import Synchronization

/// Replies already paid for, in SQLite, keyed by the exact request (provider, model, messages,
/// tools, settings). A repeated deterministic call is answered from here without HTTP.
public final class ResponseCache: Sendable {
    private let db: DatabaseQueue
    private let counts = Mutex((hits: 0, misses: 0))
    public let path: String

    /// `$RPT_CACHE_DIR/responses.sqlite`, else `$XDG_CACHE_HOME/rpt/...`, else `~/.cache/rpt/...`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let dir = environment["RPT_CACHE_DIR"], !dir.isEmpty { return dir + "/responses.sqlite" }
        if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/rpt/responses.sqlite" }
        return (environment["HOME"] ?? NSTemporaryDirectory()) + "/.cache/rpt/responses.sqlite"
    }

    /// Opens (or creates) the cache. `fix` says what the user can do when it cannot be used
    /// (it differs for the shared cache and a run's own).
    public init(path: String, fix: String = "set RPT_CACHE_DIR to a writable folder, or run with --no-cache") throws {
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw ModelError(.config, "cannot make the folder of the response cache \(folder) (\(ResponseCache.reason(error))): \(fix)")
        }
        var config = Configuration()
        config.busyMode = .timeout(10)     // other rpt processes may share the cache
        // WAL with synchronous=NORMAL: a killed process loses nothing committed, and a write
        // does not wait for fsync (which cost milliseconds per reply).
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            db = try DatabaseQueue(path: path, configuration: config)
            try db.write { db in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS responses (
                      hash INTEGER NOT NULL, request TEXT NOT NULL, response TEXT NOT NULL, created REAL NOT NULL,
                      PRIMARY KEY (hash, request))
                    """)
            }
        } catch let e as DatabaseError {
            switch e.resultCode {
            case .SQLITE_NOTADB, .SQLITE_CORRUPT:
                throw ModelError(.config, "the response cache \(path) is damaged (not an SQLite database): delete it (and its -wal and -shm files) "
                                 + "to start an empty cache, or \(fix)")
            case .SQLITE_CANTOPEN, .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_IOERR, .SQLITE_FULL:
                throw ModelError(.config, "cannot write the response cache \(path) (\(e.message ?? "\(e.resultCode)"); "
                                 + "a read-only folder or a full disk?): \(fix)")
            default:
                throw ModelError(.config, "cannot open the response cache \(path) (\(e.message ?? "\(e.resultCode)")): \(fix)")
            }
        }
    }

    /// A file-system error as the short reason the OS gives ("Permission denied").
    public static func reason(_ error: Error) -> String {
        let ns = error as NSError
        let posix = ns.domain == NSPOSIXErrorDomain ? ns : (ns.userInfo[NSUnderlyingErrorKey] as? NSError).flatMap { $0.domain == NSPOSIXErrorDomain ? $0 : nil }
        if let posix, let code = Int32(exactly: posix.code) { return String(cString: strerror(code)) }
        switch (error as? CocoaError)?.code {
        case .fileWriteNoPermission?, .fileReadNoPermission?: return "permission denied"
        case .fileWriteVolumeReadOnly?: return "read-only file system"
        case .fileWriteOutOfSpace?: return "no space left on the device"
        default: return ns.localizedDescription
        }
    }

    public var hits: Int { counts.withLock { $0.hits } }
    /// Replies stored.
    public var count: Int { (try? db.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM responses") ?? 0 }) ?? 0 }
    public var misses: Int { counts.withLock { $0.misses } }

    /// The stored reply, on GRDB's own queue (a lock wait must not hold a cooperative thread).
    /// A stored reply rpt would not accept today (no text and no tool call) is a miss.
    func get(_ key: String) async throws -> ChatResponse? {
        let text = try await db.read { db in
            try String.fetchOne(db, sql: "SELECT response FROM responses WHERE hash = ? AND request = ?", arguments: [ResponseCache.hash(key), key])
        }
        let response = text.flatMap { try? JSON.decode($0) }.flatMap(ResponseCache.decode)
            .flatMap { $0.content != nil || !$0.toolCalls.isEmpty ? $0 : nil }
        counts.withLock { if response != nil { $0.hits += 1 } else { $0.misses += 1 } }
        return response
    }

    func put(_ key: String, _ response: ChatResponse) async throws {
        let row = JSON.encode(ResponseCache.encode(response))
        try await db.write { db in
            try db.execute(sql: "INSERT OR REPLACE INTO responses (hash, request, response, created) VALUES (?, ?, ?, ?)",
                           arguments: [ResponseCache.hash(key), key, row, Date().timeIntervalSince1970])
        }
    }

    /// The row's index column; the key itself is compared too, so a collision is only slower.
    static func hash(_ s: String) -> Int64 { Int64(bitPattern: FNV1a.hash(s)) }

    static func encode(_ r: ChatResponse) -> JSONValue {
        [
            "content": r.content.map(JSONValue.string) ?? .null,
            "tool_calls": .array(r.toolCalls.map { c in
                ["id": .string(c.id), "name": .string(c.name), "arguments": c.arguments, "error": c.argumentsError.map(JSONValue.string) ?? .null]
            }),
            "usage": ["input": .int(Int64(r.usage.inputTokens)), "output": .int(Int64(r.usage.outputTokens))],
            "finish": r.finishReason.map(JSONValue.string) ?? .null,
        ]
    }

    static func decode(_ v: JSONValue) -> ChatResponse? {
        guard v.object != nil else { return nil }
        let calls = (v["tool_calls"]?.array ?? []).map { c in
            ToolCall(id: c["id"]?.string ?? "", name: c["name"]?.string ?? "", arguments: c["arguments"] ?? .object([:]),
                     argumentsError: c["error"]?.string)
        }
        return ChatResponse(content: v["content"]?.string, toolCalls: calls,
                            usage: Usage(inputTokens: Checked.int(v["usage"]?["input"]?.number, in: 0...Checked.maxTokensPerReply) ?? 0,
                                         outputTokens: Checked.int(v["usage"]?["output"]?.number, in: 0...Checked.maxTokensPerReply) ?? 0),
                            finishReason: v["finish"]?.string)
    }
}

/// The response cache around the live call. Only a reply the caller accepts is saved, or served
/// from the cache (a refused one is asked for live); a hit in a cache only read (`alsoRead`) is
/// copied into `cache`, so a resumed run replays everything from its own.
struct Caching: RequestStage {
    let cache: ResponseCache
    /// Caches read (never written) when `cache` misses.
    let alsoRead: [ResponseCache]
    /// Replies at any temperature (a tuning run's own cache, so a resumed run replays exactly what
    /// it was told); otherwise only temperature-0 replies.
    let allTemperatures: Bool
    /// A tuning run's cache: a reply that cannot be saved stops the run (a resume replays from it).
    let required: Bool
    /// The provider's name, which starts the key.
    let endpoint: String
    let notices: Notices
    let inner: any RequestStage

    func send(_ request: ChatRequest, accept: (ChatResponse) -> String?) async throws -> ChatResponse {
        guard request.temperature == 0 || allTemperatures else { return try await inner.send(request) }
        // Keyed by provider name, not URL: a resumed run may reach the same server at a new address.
        let key = endpoint + "\n" + RequestKey.text(request)
        if var hit = try await cached(key), accept(hit) == nil {
            hit.cached = true
            return hit
        }
        let response = try await inner.send(request)
        if accept(response) == nil { try await save(key, response) }
        return response
    }

    /// The reply of the cache, else of the first cache read also (then kept in the cache).
    private func cached(_ key: String) async throws -> ChatResponse? {
        if let hit = await read(cache, key) { return hit }
        for other in alsoRead {
            if let hit = await read(other, key) { try await save(key, hit); return hit }
        }
        return nil
    }

    /// A cache read that fails is a miss (the call is made again), said once.
    private func read(_ cache: ResponseCache, _ key: String) async -> ChatResponse? {
        do { return try await cache.get(key) } catch {
            notices.once("cache-read \(cache.path)", "cannot read the response cache \(cache.path) (\(error)): asking the model instead")
            return nil
        }
    }

    /// A failed cache write stops a tuning run (its resume replays every reply from the cache);
    /// elsewhere the cache only saves money, so it is said once and the run goes on.
    private func save(_ key: String, _ response: ChatResponse) async throws {
        do { try await cache.put(key, response) } catch {
            if required { throw CacheWriteFailed(path: cache.path, reason: "\(error)") }
            notices.once("cache-write", "cannot save replies in the response cache \(cache.path) (\(error)); later runs will ask again")
        }
    }
}

/// A reply was paid for but could not be saved in a tuning run's cache. Not a `ModelError`, so
/// it is not counted as one example's API error: it ends the run.
public struct CacheWriteFailed: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String {
        "cannot save a reply in the run's cache \(path) (\(reason)): rpt stopped so that --resume stays exact (it replays every "
            + "reply from that cache); free disk space or make the folder writable, then continue with rpt tune --resume"
    }
}
