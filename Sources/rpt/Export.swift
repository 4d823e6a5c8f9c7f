import ArgumentParser
import Foundation
import PackSharing
import Tuning

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make a finished tuning run's best prompt the next version of its pack, with the run in the pack's history.",
        discussion: """
            The new version is a copy of the pack: its task.lua kept as task_base.lua, the best prompt in prompt.md \
            (the format of best_prompt.md), a task.lua that reads both and sets the version (the next minor one by \
            default: 1.2.0 becomes 1.3.0), and history.json with this run's entry: models, dev and test scores with \
            intervals, each failure mode before and after with the edits that fixed it, and the prompt's changes. \
            rpt pack puts the history in the manifest, rpt show prints it, and rpt tune of the new version starts \
            the optimizer from it. A run that is not finished, whose pack changed since, or whose best prompt is the \
            initial one is refused.
            """)

    @Argument(help: ArgumentHelp("The run folder, e.g. runs/banking77-20260101-120000.", valueName: "run")) var folder: String
    @Option(name: .shortAndLong, help: "The folder to write the new version in (default: NAME-VERSION next to the pack; for an installed pack, in the current folder).")
    var out: String?
    @Option(name: .customLong("new-version"), help: ArgumentHelp("The new version, above the pack's (default: the next minor version).", valueName: "x.y.z"))
    var version: String?

    func validate() throws {
        if let version, SemVer(version) == nil { throw ValidationError("--new-version must be a version like 1.3.0, found '\(version)'") }
    }

    func run() throws {
        let export: PackExport
        do { export = try PackExport(run: URL(fileURLWithPath: folder)) } catch { throw Refusal(error.description) }
        let name = export.spec.name
        guard let current = SemVer(export.spec.version) else {
            throw Refusal("the pack's version '\(export.spec.version)' is not a version like 1.2.0: give task.lua one, then tune again")
        }
        let next: String
        if let asked = version {
            guard current < SemVer(asked)! else { throw Refusal("--new-version \(asked) must be above the pack's version \(current)") }
            next = asked
        } else {
            next = "\(current.major).\(current.minor + 1).0"
        }
        let store = PackStore.standard().root.standardizedFileURL.path + "/"
        let installed = export.pack.standardizedFileURL.path.hasPrefix(store)      // never write into the store
        let target = out.map { URL(fileURLWithPath: $0) }
            ?? (installed ? URL(fileURLWithPath: "\(name)-\(next)") : export.pack.deletingLastPathComponent().appendingPathComponent("\(name)-\(next)"))
        let history: PackHistory
        do {
            let files = try PackArchive.files(of: export.pack)
            history = try export.write(files: files, to: target, version: next)
        } catch let e as ExportError { throw Refusal(e.description) } catch let e as PackStoreError { throw Refusal(e.description) }
        let g = export.gain
        print("exported \(name) \(next) (from \(current)) to \(target.path)")
        print("  prompt.md holds the best prompt of \(self.folder); task_base.lua is the pack's task.lua; task.lua reads both")
        print(String(format: "  test gain %+.3f (95%% CI %+.3f to %+.3f)", g.mean, g.lower, g.upper)
              + (g.lower > 0 ? "" : ": the interval includes 0, so the gain may be noise"))
        print("  history.json: \(history.entries.count) export\(history.entries.count == 1 ? "" : "s") (rpt show \(target.path) prints it)")
        print("  next: rpt check \(target.path), then rpt pack \(target.path) to share it")
    }
}
