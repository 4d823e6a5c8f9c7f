import Foundation

/// The repository root, for the shipped packs and the test fixtures.
public let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

/// Where tests write: one folder per test process, removed when the process exits, so a run
/// leaves nothing in the system's temporary folder. A folder a crashed run left is removed by
/// the next run (its process is gone).
public enum Scratch {
    static let prefix = "rpt-tests-"

    /// Made on first use; `atexit` removes it, as Swift Testing ends the process with `exit`.
    public static let root: URL = {
        let tmp = FileManager.default.temporaryDirectory
        sweep(tmp)
        let root = tmp.appendingPathComponent(prefix + "\(getpid())")
        try? FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: Scratch.root) }
        return root
    }()

    /// A fresh path under the root, not yet made: tests hand such paths to rpt (`--out`,
    /// `--run`, `rpt new`), which makes them itself.
    public static func url(_ name: String) -> URL {
        root.appendingPathComponent("\(name)-\(UUID().uuidString)")
    }

    public static func path(_ name: String) -> String { url(name).path }

    /// A fresh, empty folder under the root.
    public static func folder(_ name: String) throws -> URL {
        let dir = url(name)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Removes the folders of test processes that are no longer running.
    static func sweep(_ tmp: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? []
        for name in names where name.hasPrefix(prefix) {
            guard let pid = pid_t(name.dropFirst(prefix.count)), pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { try? FileManager.default.removeItem(at: tmp.appendingPathComponent(name)) }
        }
    }
}
