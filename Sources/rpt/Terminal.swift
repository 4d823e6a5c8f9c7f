import Foundation
import Synchronization
import Tuning

/// A one-line progress bar on stderr when stderr is a terminal; elsewhere (a log, CI) a plain
/// line every few seconds. Notes from the model layer (a wait before a retry, and why) show on
/// the bar; elsewhere they are lines of their own, at most one every few seconds so a flood of
/// 429s stays readable.
final class Progress: Sendable {
    private typealias Counts = (done: Int, scoreSum: Double, scored: Int, apiErrors: Int, lastDraw: Double, lastResult: Double, note: String)
    private let total: Int
    private let title: String
    private let enabled = isatty(2) == 1
    /// Seconds between plain lines: RPT_PROGRESS_SECONDS (0 to 3600), else 5.
    private let every = Double(ProcessInfo.processInfo.environment["RPT_PROGRESS_SECONDS"] ?? "").flatMap { (0...3600).contains($0) ? $0 : nil } ?? 5
    private let started = Date().timeIntervalSince1970
    private let state = Mutex<Counts>((done: 0, scoreSum: 0.0, scored: 0, apiErrors: 0, lastDraw: Date().timeIntervalSince1970,
                                        lastResult: Date().timeIntervalSince1970, note: ""))
    private let notices = Notices()
    private let beat = Mutex<Task<Void, Never>?>(nil)

    /// Starts the heartbeat: while a slow reply is awaited the line still comes (a 20-minute eval
    /// printed nothing until its first result), saying how long it has waited.
    init(total: Int, title: String = "") {
        self.total = total
        self.title = title.isEmpty ? "" : title + ": "
        let task = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(nanoseconds: 1_000_000_000)
                guard let self else { return }
                self.tick()
            }
        }
        beat.withLock { $0 = task }
    }

    deinit { beat.withLock { $0?.cancel() } }

    /// The line again when nothing was drawn for a while (every second on a terminal).
    private func tick() {
        let line: String? = state.withLock { s in
            let now = Date().timeIntervalSince1970
            guard s.done < total, now - s.lastDraw >= (enabled ? 1 : max(every, 1)) else { return nil }
            s.lastDraw = now
            // "Waiting" only when no reply came for a while: a slow model, not a slow line.
            return enabled ? bar(s) : plain(s, now, waiting: now - s.lastResult >= max(every, 1))
        }
        if let line { FileHandle.standardError.write(Data(line.utf8)) }
    }

    func add(_ r: ExampleResult) {
        let line: String? = state.withLock { s in
            s.done += 1
            if let o = r.outcome { s.scoreSum += o.score; s.scored += 1 }
            if r.apiError != nil { s.apiErrors += 1 }
            s.note = ""
            let now = Date().timeIntervalSince1970
            s.lastResult = now
            guard now - s.lastDraw > (enabled ? 0.1 : every) || (enabled && s.done == total) else { return nil }
            s.lastDraw = now
            return enabled ? bar(s) : plain(s, now)
        }
        if let line { FileHandle.standardError.write(Data(line.utf8)) }
    }

    private func score(_ s: Counts) -> String { s.scored == 0 ? "-" : String(format: "%.3f", s.scoreSum / Double(s.scored)) }

    private func plain(_ s: Counts, _ now: Double, waiting: Bool = false) -> String {
        "\(title)\(s.done)/\(total) examples, score \(score(s)), API errors \(s.apiErrors), \(Int(now - started)) s"
            + (waiting ? ", waiting for replies" : "") + "\n"
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

    private func bar(_ s: Counts) -> String {
        let width = 30, filled = total == 0 ? width : width * s.done / total
        // \u{1B}[K clears what a longer note left behind.
        return "\r\(title)[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
            + "] \(s.done)/\(total)  score \(score(s))  API errors \(s.apiErrors)  \(Int(Date().timeIntervalSince1970 - started)) s\(s.note)\u{1B}[K"
    }

    func finish() {
        beat.withLock { $0?.cancel() }
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}

/// A progress line per step of a tuning run (the baseline, each candidate, the final test).
final class StepProgress: Sendable {
    private let current = Mutex<(step: String, progress: Progress)?>(nil)

    func add(_ step: String, _ r: ExampleResult, _ total: Int) {
        let (progress, ended) = current.withLock { c -> (Progress, Progress?) in
            if let c, c.step == step { return (c.progress, nil) }
            let made = Progress(total: total, title: step)
            defer { c = (step, made) }
            return (made, c?.progress)
        }
        ended?.finish()
        progress.add(r)
    }

    func finish() { current.withLock { c in defer { c = nil }; return c?.progress }?.finish() }
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
