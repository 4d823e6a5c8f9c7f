import Foundation
import Synchronization

/// The one way tests and the bench start a child process (rpt, sh, a mock server): Foundation's
/// `Process` with pipes. Output is drained from both pipes at once (a child that fills one
/// while the other is read would block forever), and async waits run off the cooperative pool.
/// (rpt's own llama-server uses posix_spawn instead: it must start with no signal blocked.)
public struct Child: Sendable {
    public struct Output: Sendable {
        public let status: Int32
        public let out: String
        public let err: String
        public let outData: Data
        /// It was still running at the timeout and was terminated.
        public let timedOut: Bool
    }

    /// A started child. `input` is nil unless asked for; `err` is nil when stderr is inherited.
    public struct Running: @unchecked Sendable {
        public let process: Process
        public let out: Pipe
        public let err: Pipe?
        public let input: Pipe?

        /// Closes its stdin (how a bench child is told to stop) and waits for it to end.
        public func finish() {
            try? input?.fileHandleForWriting.close()
            process.waitUntilExit()
        }
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

    /// Starts it without waiting: stdout in a pipe, stderr in a pipe (or the caller's, or the
    /// file `errorsTo`, for a test that reads it while the child runs), stdin from /dev/null (or a
    /// pipe the caller writes and closes).
    public func start(input: Bool = false, captureErrors: Bool = true, errorsTo file: URL? = nil) throws -> Running {
        let p = Process()
        p.executableURL = executable
        p.arguments = arguments
        p.environment = environment
        if let directory { p.currentDirectoryURL = directory }
        let out = Pipe(), err = captureErrors && file == nil ? Pipe() : nil, inPipe = input ? Pipe() : nil
        p.standardOutput = out
        if let err { p.standardError = err }
        if let file {
            _ = FileManager.default.createFile(atPath: file.path, contents: nil)
            p.standardError = try FileHandle(forWritingTo: file)
        }
        p.standardInput = inPipe ?? FileHandle.nullDevice
        try p.run()
        return Running(process: p, out: out, err: err, input: inPipe)
    }

    /// Runs it to the end, blocking the calling thread (for code that is not async).
    public func runBlocking() throws -> Output {
        try Child.drain(start())
    }

    /// Runs it to the end; one still running after `timeout` seconds is terminated (SIGTERM).
    public func run(timeout: Double? = nil) async throws -> Output {
        let running = try start()
        let p = running.process
        let watcher = timeout.map { t in
            Task { () -> Bool in
                if await eventually(timeout: t, { !p.isRunning }) || Task.isCancelled { return false }
                p.terminate()
                return true
            }
        }
        let output = try await offPool { Child.drain(running) }
        watcher?.cancel()
        let timedOut = await watcher?.value ?? false
        return Output(status: output.status, out: output.out, err: output.err, outData: output.outData, timedOut: timedOut)
    }

    /// Waits for a started process to end, off the cooperative pool.
    public static func exit(_ p: Process) async throws {
        try await offPool { p.waitUntilExit() }
    }

    private static func drain(_ running: Running) -> Output {
        let errData = Mutex(Data())
        let drained = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let data = running.err?.fileHandleForReading.readDataToEndOfFile() ?? Data()
            errData.withLock { $0 = data }
            drained.signal()
        }
        let out = running.out.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        running.process.waitUntilExit()
        return Output(status: running.process.terminationStatus, out: String(decoding: out, as: UTF8.self),
                      err: String(decoding: errData.withLock { $0 }, as: UTF8.self), outData: out, timedOut: false)
    }
}
