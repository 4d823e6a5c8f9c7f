import ArgumentParser
import Foundation
import LuaHost
import TaskPack
import Tuning

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write report.html for a tuning run or an rpt eval folder: one file, no network, readable and printable.",
        discussion: """
            A run folder gets score by round, failure modes over rounds, calibration, cost and time, and the prompt \
            (initial → best, every candidate). An eval folder gets its score, failures by mode, the reliability \
            diagram, cost and the failed examples. A section whose data the folder lacks says so.
            """)

    @Argument(help: "A run folder (rpt tune) or an output folder of rpt eval.") var folder: String

    func validate() throws {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDir), isDir.boolValue else {
            throw ValidationError("'\(folder)' is not a folder: give a run folder (runs/PACK-...) or an rpt eval folder")
        }
    }

    func run() throws {
        let url = URL(fileURLWithPath: folder)
        let path: String
        do {
            path = EvalFolderReport.isEvalFolder(url) ? try EvalFolderReport.write(folder: url)
                : try RunReport.write(folder: url, initial: Self.initialPrompt(of: url))
        } catch let e as ReportError { throw Refusal(e.description) }
        print("report: \(path)")
    }

    /// The run folder does not keep the starting prompt; the pack named in config.json has it, if its
    /// files are still the ones the run recorded (otherwise the prompt might not be the run's).
    static func initialPrompt(of run: URL) -> PromptProgram? {
        guard let text = try? String(contentsOf: run.appendingPathComponent("config.json"), encoding: .utf8),
              let config = try? JSON.decode(text), let pack = config["pack"]?.string,
              let recorded = config["pack_files"]?.object?.compactMapValues(\.string), !recorded.isEmpty else { return nil }
        let dir = URL(fileURLWithPath: pack)
        let parameters = config["parameters"]?.object?.compactMapValues(\.string) ?? [:]
        guard let runtime = try? PackRuntime(directory: dir, log: HookLog(), set: parameters),
              let now = try? PackFingerprint.files(of: runtime.spec, directory: dir, dependencies: runtime.dependencies.packs),
              PackFingerprint.differences(recorded: recorded, now: now).isEmpty else { return nil }
        return PromptProgram(runtime.spec.prompt)
    }
}
