import Foundation
import ModelClient

/// The servers of the local models a command names: started before any client is made (loading
/// the weights takes a while; each start is said on stderr with its log), logging into the
/// command's folder when it has one, and stopped by the command when it ends (`defer`).
enum LocalModels {
    static func start(_ models: [String?], config: inout ModelConfig, logFolder: String? = nil) throws -> LocalServers {
        try LocalServers.start(models.compactMap { $0 }, config: &config, logFolder: logFolder.map { URL(fileURLWithPath: $0) }) { model, log in
            FileHandle.standardError.write(Data("starting the local server for local:\(model) (its log: \(log.path))\n".utf8))
        }
    }
}
