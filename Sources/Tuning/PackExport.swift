import Foundation
import LuaHost
import ModelClient
import TaskPack

/// Why a run cannot become a pack version: what is wrong and what to do.
public struct ExportError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// `rpt export RUN`: a finished run's best prompt as the next version of its pack. The new pack
/// is a copy of the pack with the authors' task.lua kept as `task_base.lua` and a short task.lua
/// of rpt's own (`wrapper`) that takes that table, sets the new version and reads the prompt from
/// `prompt.md` (`rpt.prompt_file`), so no Lua the authors wrote is rewritten, whether their prompt
/// was inline or not. `history.json` gains the run's entry.
public struct PackExport {
    public static let promptFile = "prompt.md"
    public static let baseModule = "task_base"

    public let run: URL
    public let settings: TuneSettings
    public let pack: URL
    public let spec: TaskSpec
    let record: RunRecord
    let final: RunRecord.Final
    let initial: PromptProgram, best: PromptProgram

    /// Reads the run and refuses one that is not finished, whose pack changed since, whose best
    /// prompt is the initial one, or whose pack takes parameters.
    public init(run: URL) throws(ExportError) {
        self.run = run
        guard let text = try? String(contentsOf: run.appendingPathComponent("config.json"), encoding: .utf8), let v = try? JSON.decode(text),
              let settings = try? TuneSettings(json: v) else {
            throw ExportError("\(run.path) is not a tuning run folder (no readable config.json): give the folder rpt tune wrote, e.g. runs/banking77-20260101-120000")
        }
        self.settings = settings
        if FileManager.default.fileExists(atPath: run.appendingPathComponent("lock").path) {
            throw ExportError("\(run.path) is not finished (it is running, or was killed): let it end, or finish it with rpt tune --resume \(run.path)")
        }
        do { record = try RunRecord(folder: run) } catch { throw ExportError("\(error)") }
        guard let final = record.final else {
            throw ExportError("\(run.path) has no test result (final.json): the run stopped before the test split (\(record.stopReason ?? "no stop logged")), "
                              + "so there is no tested prompt to export; tune again with a larger budget")
        }
        self.final = final
        if let (name, value) = settings.parameters.min(by: { $0.key < $1.key }) {
            throw ExportError("the pack of \(run.path) takes parameters (this run: \(name)=\(value)): its tuned prompt would replace the prompt of every value, "
                              + "so rpt export does not make a version of it; use rpt eval --prompt \(run.path)/best_prompt.md instead")
        }
        pack = URL(fileURLWithPath: settings.pack)
        let runtime: PackRuntime
        do { runtime = try PackRuntime(directory: pack, set: settings.parameters) } catch {
            throw ExportError("the run's pack \(settings.pack) does not load now (run rpt export from the folder rpt tune ran in):\n\(error)")
        }
        spec = runtime.spec
        guard !settings.packFiles.isEmpty else {
            throw ExportError("\(run.path)/config.json does not record the pack's files (an rpt from before it did), so it cannot show the pack is the one tuned: tune again")
        }
        let now: [String: String]
        do { now = try PackFingerprint.files(of: spec, directory: pack, dependencies: runtime.dependencies.packs) } catch { throw ExportError("\(settings.pack): \(error)") }
        let changed = PackFingerprint.differences(recorded: settings.packFiles, now: now)
        guard changed.isEmpty else {
            throw ExportError("the pack \(settings.pack) changed since the run (\(changed.prefix(5).joined(separator: ", "))): its best prompt was chosen "
                              + "for the files as they were; put them back, or tune the pack as it is now")
        }
        initial = PromptProgram(spec.prompt)
        guard let saved = try? JSON.decode(String(contentsOf: run.appendingPathComponent("best_prompt.json"), encoding: .utf8)),
              let best = PromptProgram.from(json: saved) else {
            throw ExportError("\(run.path) has no readable best_prompt.json: not a finished run")
        }
        guard best != initial else {
            throw ExportError("the best prompt of \(run.path) is the pack's initial prompt (no candidate beat it on dev): there is nothing to export")
        }
        self.best = best
    }

    /// The test gain and its interval, for the command's summary.
    public var gain: (mean: Double, lower: Double, upper: Double) { (final.gain, final.lower, final.upper) }

    /// Writes the new version into `out` (a new or empty folder), from `files` (the pack's files,
    /// as a pack archive lists them). Written beside `out` first and checked (it must load, with
    /// the new version and exactly the best prompt) before one rename makes it visible.
    public func write(files: [String], to out: URL, version: String, date: Date = Date()) throws(ExportError) -> PackHistory {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: out.path, isDirectory: &isDir), !isDir.boolValue || (try? fm.contentsOfDirectory(atPath: out.path))?.isEmpty != true {
            throw ExportError("\(out.path) exists and is not an empty folder: give another folder with -o")
        }
        let source = (try? String(contentsOf: pack.appendingPathComponent("task.lua"), encoding: .utf8)) ?? ""
        let rewrap = Self.isWrapper(source)
        if !rewrap, files.contains(Self.baseModule + ".lua") {
            throw ExportError("\(settings.pack) has its own \(Self.baseModule).lua, the name rpt export gives the pack's task.lua: rename that module first")
        }
        if files.contains(Self.promptFile), !spec.promptFiles.contains(Self.promptFile) {
            throw ExportError("\(settings.pack) has a \(Self.promptFile) that its task.lua does not read as its prompt, and rpt export writes the tuned prompt there: rename it first")
        }
        let earlier: PackHistory
        do { earlier = try PackHistory.read(folder: pack) ?? PackHistory() } catch {
            throw ExportError("\(error) (the pack's history must be valid to add to it)")
        }
        let entry = PackHistory.Entry(run: record, final: final, settings: settings, initial: initial, best: best,
                                      definitions: spec.failures, version: version, fromVersion: spec.version, date: date)
        let history = PackHistory(entries: Array((earlier.entries + [entry]).suffix(PackHistory.maxEntries)))

        let tmp = out.deletingLastPathComponent().appendingPathComponent(".\(out.lastPathComponent).export-\(UUID().uuidString)")
        defer { try? fm.removeItem(at: tmp) }
        do {
            for file in files where ![Self.promptFile, PackHistory.fileName, "task.lua"].contains(file) {
                let to = tmp.appendingPathComponent(file)
                try fm.createDirectory(at: to.deletingLastPathComponent(), withIntermediateDirectories: true)
                try fm.copyItem(at: pack.appendingPathComponent(file).resolvingSymlinksInPath(), to: to)
            }
            try fm.createDirectory(at: tmp, withIntermediateDirectories: true)
            if !rewrap { try fm.copyItem(at: pack.appendingPathComponent("task.lua"), to: tmp.appendingPathComponent(Self.baseModule + ".lua")) }
            try Self.wrapper(version: version).write(to: tmp.appendingPathComponent("task.lua"), atomically: false, encoding: .utf8)
            try best.markdown.write(to: tmp.appendingPathComponent(Self.promptFile), atomically: false, encoding: .utf8)
            try history.fileText.write(to: tmp.appendingPathComponent(PackHistory.fileName), atomically: false, encoding: .utf8)
        } catch { throw ExportError("cannot write \(out.path): \(error.localizedDescription)") }
        try verify(tmp, version: version, history: history)
        rmdir(out.path)                                      // an empty folder the user named
        guard rename(tmp.path, out.path) == 0 else { throw ExportError("cannot write \(out.path): \(String(cString: strerror(errno)))") }
        return history
    }

    /// The written pack, loaded as any pack is: it must be the same task at the new version, with
    /// exactly the run's best prompt, and its history must read back.
    private func verify(_ dir: URL, version: String, history: PackHistory) throws(ExportError) {
        let spec: TaskSpec
        do { spec = try PackRuntime(directory: dir).spec } catch { throw ExportError("the exported pack does not load (nothing was written):\n\(error)") }
        guard spec.name == self.spec.name, spec.version == version, PromptProgram(spec.prompt) == best else {
            throw ExportError("the exported pack does not read back as \(self.spec.name) \(version) with the tuned prompt (nothing was written)")
        }
        do { guard try PackHistory.read(folder: dir) == history else { throw FieldError("it reads back differently") } } catch {
            throw ExportError("the exported history does not read back (nothing was written): \(error)")
        }
    }

    /// task.lua of an exported pack: the authors' table from task_base.lua, rpt's version and prompt.
    public static func wrapper(version: String) -> String {
        """
        -- Made by `rpt export`: this pack is \(baseModule).lua (the task as its authors wrote it) with
        -- its own version and the prompt tuning found, read from \(promptFile) (the format of a run's
        -- best_prompt.md). history.json records each tuning: `rpt show` prints it. Edit \(promptFile)
        -- to change the prompt and \(baseModule).lua for anything else; rpt export writes this file.
        local rpt = require "rpt"
        local task = require "\(baseModule)"
        task.version = "\(version)"
        task.prompt = rpt.prompt_file("\(promptFile)")
        return task

        """
    }

    /// Whether task.lua is rpt's own wrapper (an exported pack exported again keeps its base).
    static func isWrapper(_ text: String) -> Bool {
        guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("task.version = \"") }) else { return false }
        let version = line.dropFirst("task.version = \"".count).dropLast()
        return text == wrapper(version: String(version))
    }
}
