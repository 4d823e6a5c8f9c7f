import Foundation
import Synchronization

/// The one way tests start a child process (rpt, pgrep, gzip): Foundation's `Process`, with
/// stdout and stderr drained at once (a child that fills one pipe while the other is read
/// would block forever) and every wait off the cooperative pool.
public struct Child: Sendable {
    public struct Output: Sendable {
        public let status: Int32
        public let out: String
        public let err: String
        public let outData: Data
        /// It was still running at the timeout and was terminated.
        public let timedOut: Bool
    }

    public let executable: URL
    public let arguments: [String]
    /// The whole environment the child gets.
    public var environment: [String: String]
    public var directory: URL?

    public init(_ executable: URL, _ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
                directory: URL? = nil) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.directory = directory
    }

    /// Starts it with its output in pipes, without waiting (for tests that signal or kill it).
    public func start() throws -> (process: Process, out: Pipe, err: Pipe) {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.environment = environment
        if let directory { p.currentDirectoryURL = directory }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        return (p, out, err)
    }

    /// Runs it to the end; one still running after `timeout` seconds is terminated (SIGTERM).
    public func run(timeout: Double? = nil) async throws -> Output {
        let (p, out, err) = try start()
        let watcher = timeout.map { t in
            Task { () -> Bool in
                if await eventually(timeout: t, { !p.isRunning }) || Task.isCancelled { return false }
                p.terminate()
                return true
            }
        }
        let finished = try await offPool {
            let errData = Mutex(Data())
            let drained = DispatchSemaphore(value: 0)
            Thread.detachNewThread {
                let data = err.fileHandleForReading.readDataToEndOfFile()
                errData.withLock { $0 = data }
                drained.signal()
            }
            let o = out.fileHandleForReading.readDataToEndOfFile()
            drained.wait()
            p.waitUntilExit()
            return (p.terminationStatus, o, errData.withLock { $0 })
        }
        watcher?.cancel()
        let timedOut = await watcher?.value ?? false
        return Output(status: finished.0, out: String(decoding: finished.1, as: UTF8.self),
                      err: String(decoding: finished.2, as: UTF8.self), outData: finished.1, timedOut: timedOut)
    }

    /// Waits for a started process to end, off the cooperative pool.
    public static func exit(_ p: Process) async throws {
        try await offPool { p.waitUntilExit() }
    }
}
