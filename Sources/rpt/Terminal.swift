import Foundation
import Synchronization
import Tuning

/// A one-line progress bar on stderr when stderr is a terminal. Notes from the model layer
/// (a wait before a retry, and why) show on that line; elsewhere they are lines of their own,
/// at most one every few seconds so a flood of 429s stays readable.
final class Progress: Sendable {
    private let total: Int
    private let enabled = isatty(2) == 1
    private let state = Mutex((done: 0, scoreSum: 0.0, scored: 0, apiErrors: 0, lastDraw: 0.0, note: ""))
    private let notices = Notices()

    init(total: Int) { self.total = total }

    func add(_ r: ExampleResult) {
        guard enabled else { return }
        let line: String? = state.withLock { s in
            s.done += 1
            if let o = r.outcome { s.scoreSum += o.score; s.scored += 1 }
            if r.apiError != nil { s.apiErrors += 1 }
            s.note = ""
            let now = Date().timeIntervalSince1970
            guard now - s.lastDraw > 0.1 || s.done == total else { return nil }
            s.lastDraw = now
            return bar(s)
        }
        if let line { FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// Says what the run is waiting for.
    func note(_ text: String) {
        guard enabled else { notices.say(text); return }
        let line = state.withLock { s -> String in
            s.note = "  " + text
            return bar(s)
        }
        FileHandle.standardError.write(Data(line.utf8))
    }

    private func bar(_ s: (done: Int, scoreSum: Double, scored: Int, apiErrors: Int, lastDraw: Double, note: String)) -> String {
        let width = 30, filled = total == 0 ? width : width * s.done / total
        let score = s.scored == 0 ? "-" : String(format: "%.3f", s.scoreSum / Double(s.scored))
        // \u{1B}[K clears what a longer note left behind.
        return "\r[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
            + "] \(s.done)/\(total)  score \(score)  API errors \(s.apiErrors)\(s.note)\u{1B}[K"
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// Notes as stderr lines, at most one per `interval` seconds; the ones held back are counted.
final class Notices: Sendable {
    private let interval: Double
    private let state = Mutex((last: -Double.infinity, held: 0))

    init(interval: Double = 5) { self.interval = interval }

    func say(_ text: String) {
        let line: String? = state.withLock { s in
            let now = Date().timeIntervalSince1970
            guard now - s.last >= interval else { s.held += 1; return nil }
            defer { s.last = now; s.held = 0 }
            return text + (s.held > 0 ? " (and \(s.held) more notes)" : "")
        }
        if let line { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }
}

/// Runs `handler` on Ctrl-C (SIGINT) while alive, instead of killing the process.
final class Interrupt {
    private let source: any DispatchSourceSignal

    init(_ handler: @escaping @Sendable () -> Void) {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler(handler: handler)
        source.resume()
    }

    func cancel() {
        source.cancel()
        signal(SIGINT, SIG_DFL)
    }
}

/// A task that something may cancel before it exists (a store failure during start-up), with
/// the reason, which outlives the task.
final class Cancellable<T: Sendable>: Sendable {
    private let state = Mutex<(task: Task<T, Error>?, reason: String?)>((nil, nil))

    func set(_ task: Task<T, Error>) {
        let cancel = state.withLock { s -> Bool in s.task = task; return s.reason != nil }
        if cancel { task.cancel() }
    }

    func cancel(because reason: String) {
        let task = state.withLock { s -> Task<T, Error>? in
            if s.reason == nil { s.reason = reason }
            return s.task
        }
        task?.cancel()
    }

    var reason: String? { state.withLock { $0.reason } }
}

/// A run refused or stopped, with what to do about it: printed as "Error: ..." and exit 1,
/// without the usage text a `ValidationError` brings (the options were fine).
struct Refusal: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
