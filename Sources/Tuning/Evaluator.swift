import Foundation
import LuaHost
import ModelClient
import TaskPack

/// What happened to one example: scored, or an API error, or a pack error. Never two of these.
public struct ExampleResult: Sendable, Equatable {
    public var index: Int
    public var id: String
    public var source: String
    public var reply: String?
    public var outcome: Outcome?
    public var apiError: String?
    public var packError: String?
    public var usage: Usage
    public var cached: Bool

    public var json: JSONValue {
        var o: [String: JSONValue] = ["index": .int(Int64(index)), "id": .string(id), "source": .string(source),
                                      "input_tokens": .int(Int64(usage.inputTokens)), "output_tokens": .int(Int64(usage.outputTokens)),
                                      "cached": .bool(cached)]
        if let reply { o["reply"] = .string(reply) }
        if let outcome {
            o["score"] = .double(outcome.score)
            if let a = outcome.answer { o["answer"] = a }
            if let c = outcome.confidence { o["confidence"] = .double(c) }
            if let f = outcome.failure { o["failure"] = .string(f) }
            if let d = outcome.detail { o["detail"] = .string(d) }
        }
        if let apiError { o["api_error"] = .string(apiError) }
        if let packError { o["pack_error"] = .string(packError) }
        return .object(o)
    }
}

/// Runs one prompt over examples: renders each with the pack, asks the model (many at once; the
/// client throttles per endpoint), and scores each reply with the pack as it arrives.
public struct Evaluator {
    public var client: any ModelClient
    public var temperature: Double = 0
    public var maxTokens: Int?
    public var jsonMode = false
    /// Requests kept in flight; the endpoint's own limit applies on top.
    public var inFlight = 64

    public init(client: any ModelClient) { self.client = client }

    /// `onResult` sees each result as it is made (to append it to a file and show progress).
    /// A spent budget stops new requests; the examples not asked are left out and the budget
    /// error is returned beside the results.
    public func run(runtime: PackRuntime, examples: [Example], prompt: PromptProgram,
                    onResult: (ExampleResult) throws -> Void = { _ in }) async throws -> (results: [ExampleResult], stop: ModelError?) {
        var results = [ExampleResult?](repeating: nil, count: examples.count)
        var requests: [(Int, ChatRequest)] = []
        for (i, ex) in examples.enumerated() {
            do {
                let rendered = try runtime.render(ex)
                requests.append((i, ChatRequest(model: "", messages: prompt.messages(for: rendered), jsonOutput: jsonMode,
                                                temperature: temperature, maxTokens: maxTokens)))
            } catch {
                let r = ExampleResult(index: i, id: ex.id, source: ex.source, packError: error.description, usage: Usage(), cached: false)
                results[i] = r
                try onResult(r)
            }
        }
        let client = self.client
        var stop: ModelError?
        try await withThrowingTaskGroup(of: (Int, Result<ChatResponse, ModelError>).self) { group in
            var next = 0
            func launch() {
                guard next < requests.count, stop == nil else { return }
                let (i, req) = requests[next]
                next += 1
                group.addTask {
                    do { return (i, .success(try await client.complete(req))) }
                    catch let e as ModelError where e.kind != .cancelled { return (i, .failure(e)) }
                    catch let e as ModelError where e.kind == .cancelled { throw CancellationError() }
                }
            }
            for _ in 0..<min(inFlight, requests.count) { launch() }
            while let item = try await group.next() {
                let (i, outcome) = item
                if case .failure(let e) = outcome, e.kind == .budget {
                    stop = stop ?? e
                    continue
                }
                let ex = examples[i]
                var r = ExampleResult(index: i, id: ex.id, source: ex.source, usage: Usage(), cached: false)
                switch outcome {
                case .failure(let e):
                    r.apiError = e.description
                case .success(let response):
                    r.usage = response.usage
                    r.cached = response.cached
                    r.reply = response.content ?? ""
                    do { r.outcome = try runtime.evaluate(reply: r.reply!, example: ex) }
                    catch { r.packError = "\(error)" }
                }
                results[i] = r
                try onResult(r)
                launch()
            }
        }
        return (results.compactMap { $0 }, stop)
    }
}
