import Foundation
import Synchronization
import Tuning

/// A one-line progress bar on stderr, only when stderr is a terminal.
final class Progress: Sendable {
    private let total: Int
    private let enabled = isatty(2) == 1
    private let state = Mutex((done: 0, scoreSum: 0.0, scored: 0, apiErrors: 0, lastDraw: 0.0))

    init(total: Int) { self.total = total }

    func add(_ r: ExampleResult) {
        guard enabled else { return }
        let line: String? = state.withLock { s in
            s.done += 1
            if let o = r.outcome { s.scoreSum += o.score; s.scored += 1 }
            if r.apiError != nil { s.apiErrors += 1 }
            let now = Date().timeIntervalSince1970
            guard now - s.lastDraw > 0.1 || s.done == total else { return nil }
            s.lastDraw = now
            let width = 30, filled = total == 0 ? width : width * s.done / total
            let score = s.scored == 0 ? "-" : String(format: "%.3f", s.scoreSum / Double(s.scored))
            return "\r[" + String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
                + "] \(s.done)/\(total)  score \(score)  API errors \(s.apiErrors) "
        }
        if let line { FileHandle.standardError.write(Data(line.utf8)) }
    }

    func finish() {
        if enabled { FileHandle.standardError.write(Data("\n".utf8)) }
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
