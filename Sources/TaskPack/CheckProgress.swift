import Foundation

/// How far a long step of `rpt check` got: (step, examples done, examples in all).
public typealias CheckProgress = (String, Int, Int) -> Void

/// Stops a step when one hook fails the same way on several examples in a row: a looping
/// `extract` would otherwise spend its whole limit on each of 11,003 examples, minutes with no
/// output.
struct FailFast {
    static let repeats = 5
    private var last: HookError?
    private(set) var streak = 0

    /// Notes one example's outcome; true when the step should stop.
    mutating func note(_ error: HookError?) -> Bool {
        guard let error else { last = nil; streak = 0; return false }
        streak = last.map(error.isAlike) == true ? streak + 1 : 1
        last = error
        return streak >= FailFast.repeats
    }
}

/// Progress on stderr while a long check runs: a line redrawn in place on a terminal, else a
/// plain line every few seconds, so logs and CI output stay readable. Quick checks print nothing.
public final class StatusLine {
    private let isTerminal: Bool
    private let now: () -> Double
    private let write: (String) -> Void
    private let delay: Double, interval: Double
    private var start: Double?
    private var lastDraw = -Double.infinity
    private var drawn = false

    public init(isTerminal: Bool = isatty(2) == 1, now: @escaping () -> Double = { Date().timeIntervalSince1970 },
                write: @escaping (String) -> Void = { FileHandle.standardError.write(Data($0.utf8)) }) {
        self.isTerminal = isTerminal
        self.now = now
        self.write = write
        (delay, interval) = isTerminal ? (0.5, 0.1) : (5, 5)
    }

    public func report(_ step: String, _ done: Int, _ total: Int) {
        let t = now()
        let start = self.start ?? t
        self.start = start
        guard t - start >= delay, t - lastDraw >= interval || (isTerminal && done == total) else { return }
        lastDraw = t
        let text = "rpt check: \(step) \(done)/\(total) examples"
        if isTerminal { write("\r\u{1B}[K" + text); drawn = true } else { write(text + "\n") }
    }

    /// Clears the redrawn line.
    public func finish() {
        if drawn { write("\r\u{1B}[K") }
        drawn = false
    }
}
