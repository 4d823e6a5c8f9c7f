import ArgumentParser
import Foundation
import TaskPack

struct New: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a new task pack that passes `rpt check` and explains itself in comments.")

    @Argument(help: "The folder to create (its name becomes the pack's name).")
    var path: String

    func run() throws {
        let dir = URL(fileURLWithPath: path)
        let files = try PackTemplate.write(to: dir)
        print("wrote \(path)/: \(files.joined(separator: ", "))")
        print("next: edit \(path)/task.lua and data/, then run `rpt check \(path)`")
    }
}
