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
        return lock.withLock { watched.contains { let line = rpt_overdue_ns($0); return line != 0 && now > line } }
    }

    private func stop() -> Never {
        fflush(nil)
        let message = "rpt: stopped: a task pack hook ran for twice its time limit inside one call into Lua's C "
            + "library, which the limits cannot interrupt (a pathological string pattern on a long string?)\n"
        FileHandle.standardError.write(Data(message.utf8))
        _exit(Watchdog.exitCode)
    }
}
