import Foundation
import LuaHost
import ModelClient

/// A run folder: `config.json` (no secrets), `events.jsonl` (append-only, one flushed line per
/// event), reports and candidates by round, the best prompt, the final result, and the run's own
/// response cache. One process at a time holds its lock.
///
/// Resuming replays the run from the start: every model call it had made comes from the run's
/// cache, and each event it had logged must come out the same again. One that differs means the
/// resumed run is not the run that was killed: the store stops (`failure`), loudly.
public final class RunStore {
    public let folder: URL
    private let events: FileHandle
    private var lockFD: Int32 = -1
    /// Events already in the log when this process opened it (a resumed run).
    private var replaying: [JSONValue]
    private var sequence = 0
    /// Why the run cannot go on (a replayed event differs, the log cannot be written); once set,
    /// nothing more is logged and `write` throws it.
    public private(set) var failure: StoreFailure?
    /// Hears the failure at once (the command cancels the run with it).
    public var onFailure: (StoreFailure) -> Void = { _ in }

    public struct Busy: Error, CustomStringConvertible {
        public let description: String
    }

    public struct StoreFailure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Opens (or creates) the folder and takes its lock; a folder another `rpt tune` holds is refused.
    public init(folder: URL) throws {
        self.folder = folder
        let unwritable = { (why: String) in
            Busy(description: "cannot write in \(folder.path) (\(why)): rpt tune keeps its run folder as it goes; make the folder "
                 + "writable, or copy it somewhere writable and resume from the copy")
        }
        do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
            throw unwritable(ResponseCache.reason(error))
        }
        let lockPath = folder.appendingPathComponent("lock").path
        let fd = try RunStore.lock(lockPath, folder: folder, unwritable: unwritable)
        // A store that fails to open never deinits: let go of the lock here.
        let abandon = { unlink(lockPath); flock(fd, LOCK_UN); close(fd) }
        let log = folder.appendingPathComponent("events.jsonl")
        if !FileManager.default.fileExists(atPath: log.path) { _ = FileManager.default.createFile(atPath: log.path, contents: nil) }
        let kept: [JSONValue], good: Int
        do { (kept, good) = try RunStore.completeEvents(log) } catch { abandon(); throw error }
        guard let h = FileHandle(forWritingAtPath: log.path) else { abandon(); throw unwritable("events.jsonl") }
        lockFD = fd
        replaying = kept
        try? h.truncate(atOffset: UInt64(good))              // a line cut by a kill: it will be logged again
        h.seekToEndOfFile()
        events = h
    }

    /// The complete events of a log and the byte length they take. Only the last line may be
    /// torn (a kill mid-write, even inside a UTF-8 character); a bad line before it is damage.
    static func completeEvents(_ log: URL) throws -> ([JSONValue], Int) {
        let data = (try? Data(contentsOf: log)) ?? Data()
        let bytes = [UInt8](data)
        var kept: [JSONValue] = [], good = 0, start = 0, line = 0
        while let nl = bytes[start...].firstIndex(of: 0x0A) {
            line += 1
            let decoded = try? bytes[start..<nl].withUnsafeBufferPointer { try JSON.decode($0) }
            guard let v = decoded else {
                guard nl + 1 == bytes.count else {
                    throw Busy(description: "\(log.path):\(line) is not an event (the log was edited or damaged): restore it, or start a new run")
                }
                break
            }
            kept.append(v)
            start = nl + 1
            good = start
        }
        return (kept, good)
    }

    /// The lock is an flock on `lock`: it refuses a second rpt tune while this one runs, and
    /// dies with the process. A finished run removes the file, so a folder left with one was
    /// killed (the file is then not held, and refuses nothing).
    static func lock(_ path: String, folder: URL, unwritable: (String) -> Busy) throws -> Int32 {
        while true {
            let fd = open(path, O_CREAT | O_RDWR | O_CLOEXEC, 0o644)
            guard fd >= 0 else { throw unwritable(String(cString: strerror(errno))) }
            guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
                let why = errno
                close(fd)
                if why == EWOULDBLOCK { throw Busy(description: "\(folder.path) is in use by another rpt tune (wait for it, or stop it first)") }
                throw unwritable(String(cString: strerror(why)))
            }
            // A run that finished between our open and our flock removed the file we hold: a lock
            // on it would exclude nobody, so take the one the path names now.
            var held = stat(), named = stat()
            if fstat(fd, &held) == 0, stat(path, &named) == 0, held.st_dev == named.st_dev, held.st_ino == named.st_ino { return fd }
            close(fd)
        }
    }

    /// Ends the run's hold on the folder: removes the lock file (while still holding it, so no
    /// other run can take a lock on a file about to vanish), then unlocks. Safe to call twice.
    public func releaseLock() {
        guard lockFD >= 0 else { return }
        unlink(folder.appendingPathComponent("lock").path)
        flock(lockFD, LOCK_UN)
        close(lockFD)
        lockFD = -1
    }

    deinit {
        try? events.close()
        releaseLock()
    }

    /// True while the run is replaying what an earlier process already logged.
    public var isReplaying: Bool { sequence < replaying.count }
    public var loggedEvents: [JSONValue] { replaying }

    /// Appends an event (type plus fields). While replaying, the event must equal the logged one.
    public func log(_ type: String, _ fields: [String: JSONValue] = [:]) {
        guard failure == nil else { return }
        defer { sequence += 1 }
        var e = fields
        e["seq"] = .int(Int64(sequence))
        e["type"] = .string(type)
        if sequence < replaying.count {
            let before = replaying[sequence]
            if RunStore.comparable(.object(e)) != RunStore.comparable(before) {
                fail("the resumed run differs from the one that was killed at event \(sequence) (\(type)): it logged "
                     + "\(JSON.encode(RunStore.comparable(before)).prefix(300)) and now makes \(JSON.encode(RunStore.comparable(.object(e))).prefix(300)). "
                     + "The pack, its data, the models' replies or rpt itself changed; start a new run (rpt tune PACK ...) instead of --resume")
            }
            return
        }
        e["time"] = .string(ISO8601DateFormatter().string(from: Date()))
        do { try events.write(contentsOf: Data((JSON.encode(.object(e)) + "\n").utf8)) } catch {
            fail("cannot append to \(folder.path)/events.jsonl (\(ResponseCache.reason(error))): the run stopped; free disk space, then rpt tune --resume \(folder.path)")
        }
    }

    /// An event as a replay must reproduce it: what JSON keeps of it, without its time and the
    /// base URLs (a resume may reach a server that moved).
    static func comparable(_ v: JSONValue) -> JSONValue {
        func strip(_ v: JSONValue) -> JSONValue {
            switch v {
            case .object(let o): return .object(o.filter { $0.key != "time" && $0.key != "base_urls" }.mapValues(strip))
            case .array(let a): return .array(a.map(strip))
            default: return v
            }
        }
        return strip((try? JSON.decode(JSON.encode(v))) ?? v)
    }

    private func fail(_ message: String) {
        guard failure == nil else { return }
        let f = StoreFailure(description: message)
        failure = f
        onFailure(f)
    }

    /// Writes a file in the folder (atomically: a kill never leaves half a file).
    public func write(_ path: String, _ text: String) throws {
        if let failure { throw failure }
        let url = folder.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    public func write(_ path: String, json: JSONValue) throws { try write(path, JSON.encode(json) + "\n") }

    public func read(_ path: String) -> String? { try? String(contentsOf: folder.appendingPathComponent(path), encoding: .utf8) }

    public var cachePath: String { folder.appendingPathComponent("cache.sqlite").path }
}

extension RunStore {
    /// A new folder for a run or an evaluation: `runs/PARTS-YYYYMMDD-HHMMSS` in local time. The
    /// one format rpt tune, rpt eval and the Makefile (through `rpt run-folder`) name folders by.
    public static func defaultFolder(_ parts: [String], at date: Date = Date()) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = .current
        f.dateFormat = "yyyyMMdd-HHmmss"
        return "runs/" + (parts + [f.string(from: date)]).joined(separator: "-")
    }
}
