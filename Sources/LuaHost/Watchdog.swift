import CLua
import Foundation

/// The limits are checked between Lua instructions and on allocation, so one long call into
/// Lua's C library (a pathological pattern on a long string) cannot be stopped from inside the
/// state. This thread watches every engine and, when a call has run for twice its time limit
/// (at least 5 s past it: a busy machine may starve a thread for a while), stops the process with a message: a hang becomes an error.
final class Watchdog: @unchecked Sendable {
    static let shared = Watchdog()
    static let exitCode: Int32 = 3

    private let lock = NSLock()
    private var watched: [UnsafeMutablePointer<rpt_limits>] = []     // guarded by lock
    /// Calls seen overdue at the last check (engine -> its line). A call is stopped only when
    /// seen overdue twice: after a suspended rpt (Ctrl-Z) resumes, a call running Lua code is
    /// ended by its own time limit before the second look; only one stuck in C is still there.
    private var suspects: [UnsafeMutablePointer<rpt_limits>: Int64] = [:]   // watchdog thread only

    private init() {
        let thread = Thread { [unowned self] in
            while true {
                Thread.sleep(forTimeInterval: 0.25)
                if overdue() { stop() }
            }
        }
        thread.name = "rpt-lua-watchdog"
        thread.start()
    }

    func watch(_ limits: UnsafeMutablePointer<rpt_limits>) {
        lock.withLock { watched.append(limits) }
    }

    /// Before the engine frees `limits`.
    func forget(_ limits: UnsafeMutablePointer<rpt_limits>) {
        lock.withLock { watched.removeAll { $0 == limits } }
    }

    private func overdue() -> Bool {
        let now = rpt_now_ns()
        let seen = lock.withLock {
            watched.compactMap { limits -> (UnsafeMutablePointer<rpt_limits>, Int64)? in
                let line = rpt_overdue_ns(limits)
                return line != 0 && now > line ? (limits, line) : nil
            }
        }
        let stuck = seen.contains { suspects[$0.0] == $0.1 }
        suspects = Dictionary(seen, uniquingKeysWith: { a, _ in a })
        return stuck
    }

    private func stop() -> Never {
        fflush(nil)
        let message = "rpt: stopped: a task pack hook ran for twice its time limit inside one call into Lua's C "
            + "library, which the limits cannot interrupt (a pathological string pattern on a long string?)\n"
        FileHandle.standardError.write(Data(message.utf8))
        _exit(Watchdog.exitCode)
    }
}
