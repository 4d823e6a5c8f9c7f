import Foundation
import LuaHost
import ModelClient

/// A run folder: `config.json` (no secrets), `events.jsonl` (append-only, one flushed line per
/// event), reports and candidates by round, the best prompt, the final result, and the run's own
/// response cache. One process at a time holds its lock.
///
/// Resuming replays the run from the start: every model call it had made comes from the run's
/// cache, and the events it had logged are recognised and not written twice.
public final class RunStore {
    public let folder: URL
    private let events: FileHandle
    private let lockFD: Int32
    /// Events already in the log when this process opened it (a resumed run).
    private var replaying: [JSONValue]
    private var sequence = 0

    public struct Busy: Error, CustomStringConvertible {
        public let description: String
    }

    /// Opens (or creates) the folder and takes its lock; a folder another `rpt tune` holds is refused.
    public init(folder: URL) throws {
        self.folder = folder
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        lockFD = open(folder.appendingPathComponent("lock").path, O_CREAT | O_RDWR, 0o644)
        guard lockFD >= 0, flock(lockFD, LOCK_EX | LOCK_NB) == 0 else {
            if lockFD >= 0 { close(lockFD) }
            throw Busy(description: "\(folder.path) is in use by another rpt tune (wait for it, or stop it first)")
        }
        let log = folder.appendingPathComponent("events.jsonl")
        var kept: [JSONValue] = []
        if let text = try? String(contentsOf: log, encoding: .utf8) {
            var good = 0
            for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
                guard let v = try? JSON.decode(String(line)) else { break }     // a line cut by a kill ends the log
                kept.append(v)
                good += line.utf8.count + 1
            }
            if good < text.utf8.count { truncate(log.path, off_t(good)) }
        } else {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        }
        replaying = kept
        guard let h = FileHandle(forWritingAtPath: log.path) else { throw Busy(description: "cannot write \(log.path)") }
        h.seekToEndOfFile()
        events = h
    }

    deinit {
        try? events.close()
        flock(lockFD, LOCK_UN)
        close(lockFD)
    }

    /// True while the run is replaying what an earlier process already logged.
    public var isReplaying: Bool { sequence < replaying.count }
    public var loggedEvents: [JSONValue] { replaying }

    /// Appends an event (type plus fields), unless a resumed run had already logged it.
    public func log(_ type: String, _ fields: [String: JSONValue] = [:]) {
        defer { sequence += 1 }
        if sequence < replaying.count { return }
        var e = fields
        e["seq"] = .int(Int64(sequence))
        e["type"] = .string(type)
        e["time"] = .string(ISO8601DateFormatter().string(from: Date()))
        events.write(Data((JSON.encode(.object(e)) + "\n").utf8))
    }

    /// Writes a file in the folder (atomically: a kill never leaves half a file).
    public func write(_ path: String, _ text: String) throws {
        let url = folder.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    public func write(_ path: String, json: JSONValue) throws { try write(path, JSON.encode(json) + "\n") }

    public func read(_ path: String) -> String? { try? String(contentsOf: folder.appendingPathComponent(path), encoding: .utf8) }

    public var cachePath: String { folder.appendingPathComponent("cache.sqlite").path }
}
