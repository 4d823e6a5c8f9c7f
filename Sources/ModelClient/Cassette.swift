import Foundation
import JSONText
import Synchronization

/// `--record FILE` writes every answered request with its reply, one JSON line each;
/// `replay:FILE` answers from such a file without any server.
public final class Cassette: ChatModel {
    private let replies: [String: ChatResponse]
    public let path: String

    public init(path: String) throws {
        self.path = path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ModelError(.config, "cannot read the cassette \(path) (record one with --record \(path))")
        }
        var replies: [String: ChatResponse] = [:]
        for (i, line) in text.split(separator: "\n").enumerated() {
            guard let v = try? JSON.decode(String(line)), let req = v["request"], let resp = v["response"].flatMap(ResponseCache.decode) else {
                throw ModelError(.config, "\(path):\(i + 1): not a cassette line ({\"request\": ..., \"response\": ...})")
            }
            replies[JSON.encode(req)] = resp
        }
        self.replies = replies
    }

    /// The request as matched in a cassette: its key without the model name.
    static func key(_ r: ChatRequest) -> JSONValue { RequestKey.value(r, includingModel: false) }

    public func complete(_ request: ChatRequest) async throws -> ChatResponse {
        guard let r = replies[JSON.encode(Cassette.key(request))] else {
            throw ModelError(.notFound, "the cassette \(path) has no reply for this request (record it again with --record)")
        }
        return r
    }

    static func line(_ request: ChatRequest, _ response: ChatResponse) -> String {
        JSON.encode(["request": key(request), "response": ResponseCache.encode(response)]) + "\n"
    }
}

/// Where `--record` writes: one file for every model of a run, a line at a time.
final class CassetteWriter: Sendable {
    private let file: Mutex<FileHandle>
    let path: String

    init(path: String) throws {
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        guard let handle = FileHandle(forWritingAtPath: path) else { throw ModelError(.config, "cannot write the cassette \(path)") }
        self.path = path
        file = Mutex(handle)
    }

    func write(_ request: ChatRequest, _ response: ChatResponse) {
        file.withLock { $0.write(Data(Cassette.line(request, response).utf8)) }
    }
}

/// Records each reply with the request as the caller asked it (before any endpoint quirk), and
/// the reply as the caller got it (tool calls read from text included), so that `replay:FILE`
/// answers the same request with the same reply.
struct Recording: RequestStage {
    let writer: CassetteWriter
    let inner: any RequestStage

    func send(_ request: ChatRequest, accept: (ChatResponse) -> String?) async throws -> ChatResponse {
        let response = try await inner.send(request, accept: accept)
        writer.write(request, response)
        return response
    }
}
