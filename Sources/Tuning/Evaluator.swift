import Foundation
import LuaHost
import ModelClient
import TaskPack

/// What happened to one example: scored, or an API error (not scored), or a pack error (a hook
/// failed: scored 0 under `pack_error`, with `packError` saying why).
public struct ExampleResult: Sendable, Equatable {
    public var index: Int
    public var id: String
    public var source: String
    public var reply: String?
    public var outcome: Outcome?
    public var apiError: String?
    /// The API error is the judge's: its call failed or its verdict could not be used.
    public var judgeError = false
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
            if !outcome.moreModes.isEmpty { o["modes"] = .array(outcome.modes.map(JSONValue.string)) }
            if let m = outcome.metrics { o["metrics"] = .object(m.mapValues(JSONValue.double)) }
            if let d = outcome.detail { o["detail"] = .string(d) }
            if let v = outcome.verdict { o["verdict"] = v.lua }
        }
        if let apiError { o["api_error"] = .string(apiError) }
        if judgeError { o["judge_error"] = true }
        if let packError { o["pack_error"] = .string(packError) }
        return .object(o)
    }
}

/// The evaluation stopped early because the pack fails the same way on every example so far:
/// more model calls would only buy more of the same error.
public struct PackFailing: Error, Sendable, CustomStringConvertible {
    /// How many examples in a row failed, and the first of those errors.
    public let count: Int
    public let firstError: String
    public let beforeAnyCall: Bool
    public var description: String {
        (beforeAnyCall ? "render failed on the first \(count) examples with the same error, so no model call was made"
                       : "the pack failed on the first \(count) replies with the same error, so the other requests were cancelled")
            + ": \(firstError)"
    }
}

/// Runs one prompt over examples: renders each with the pack, asks the model (many at once; the
/// client throttles per endpoint), and scores each reply with the pack as it arrives.
public struct Evaluator {
    public var client: any ChatModel
    public var temperature: Double = 0
    public var maxTokens: Int?
    public var jsonMode = false
    /// Requests kept in flight; the endpoint's own limit applies on top.
    public var inFlight = 64
    /// Stop (throwing `PackFailing`) when the first this-many examples all fail in the pack with
    /// the same error: render before any call, or extract/score on the first replies (only this
    /// many requests go out until a reply scores). nil (or under 1): never.
    public var failFast: Int?
    /// Grades each reply extract could read, for a pack with a judge: its verdict goes to score.
    public var judge: Judge?

    public init(client: any ChatModel) { self.client = client }

    /// What the task group hands back: a target reply, or the judge's verdict on one.
    enum Arrival: Sendable {
        case reply(Int, Result<ChatResponse, ModelError>)
        case verdict(Int, Result<Verdict, ModelError>)
    }

    /// The model's answer to `request` (or its error); a cancelled call cancels the group.
    static func ask<T: Sendable>(_ call: () async throws -> T) async throws -> Result<T, ModelError> {
        do { return .success(try await call()) }
        catch let e as ModelError where e.kind != .cancelled { return .failure(e) }
        catch let e as ModelError where e.kind == .cancelled { throw CancellationError() }
    }

    /// `onResult` sees each result as it is made (to append it to a file and show progress).
    /// A spent budget stops new requests; the examples not asked are left out and the budget
    /// error is returned beside the results.
    public func run(runtime: PackRuntime, examples: [Example], prompt: PromptProgram,
                    onResult: (ExampleResult) throws -> Void = { _ in }) async throws -> (results: [ExampleResult], stop: ModelError?) {
        let failFast = self.failFast.flatMap { $0 > 0 ? $0 : nil }
        var results = [ExampleResult?](repeating: nil, count: examples.count)
        var requests: [(Int, ChatRequest)] = []
        var renderErrors: [HookError] = []
        var inputs: [Int: String] = [:]          // what the judge is shown of each example
        for (i, ex) in examples.enumerated() {
            do throws(HookError) {
                let rendered = try runtime.render(ex)
                requests.append((i, request(for: rendered, prompt: prompt)))
                if judge != nil { inputs[i] = rendered }
            } catch {
                if renderErrors.count == i { renderErrors.append(error) }     // a failing run from the start
                results[i] = Self.failed(i, ex, error)
                try onResult(results[i]!)
            }
        }
        if let n = failFast, !examples.isEmpty, renderErrors.count >= min(n, examples.count), Self.same(renderErrors.prefix(n)) {
            throw PackFailing(count: min(n, examples.count), firstError: renderErrors[0].description, beforeAnyCall: true)
        }
        let client = self.client, judge = self.judge
        var stop: ModelError?
        var firstReplies: [HookError] = []
        var armed = failFast != nil
        // While armed, only `failFast` requests go out (more for API errors, which do not count):
        // the first reply the pack reads opens the rest; if they all fail alike, no more was spent.
        var allowance = failFast ?? 0
        // Replies extract read, waiting for the judge's verdict.
        var judging: [Int: (result: ExampleResult, extraction: Extraction)] = [:]
        try await withThrowingTaskGroup(of: Arrival.self) { group in
            var next = 0, running = 0
            func fill() {
                while running < inFlight, next < requests.count, stop == nil, !armed || next < allowance {
                    let (i, req) = requests[next]
                    next += 1
                    running += 1
                    group.addTask { .reply(i, try await Self.ask { try await client.complete(req) }) }
                }
            }
            func hookFailed(_ error: HookError, _ r: inout ExampleResult) {
                r.packError = error.description
                r.outcome = Outcome.packError(error)
                if armed { firstReplies.append(error) }
            }
            fill()
            while let item = try await group.next() {
                let i: Int
                var r: ExampleResult, failed: ModelError?
                switch item {
                case .reply(let index, let outcome):
                    running -= 1
                    i = index
                    let ex = examples[i]
                    r = ExampleResult(index: i, id: ex.id, source: ex.source, usage: Usage(), cached: false)
                    switch outcome {
                    case .failure(let e): failed = e
                    case .success(let response):
                        r.usage = response.usage
                        r.cached = response.cached
                        r.reply = response.content ?? ""
                    }
                case .verdict(let index, let verdict):
                    i = index
                    guard let waiting = judging.removeValue(forKey: i) else { continue }
                    r = waiting.result
                    switch verdict {
                    case .failure(let e): failed = e
                    case .success(let v):
                        do throws(HookError) {
                            r.outcome = try runtime.score(waiting.extraction, reply: r.reply!, example: examples[i], verdict: v)
                            armed = false
                        } catch { hookFailed(error, &r) }
                    }
                }
                if let e = failed {
                    if e.kind == .budget { stop = stop ?? e; continue }
                    if case .verdict = item { r.judgeError = true }
                    r.apiError = (r.judgeError ? "judge \(judge?.model ?? ""): " : "") + e.description
                    allowance += 1                  // neither counts toward nor breaks the fail-fast run
                } else if case .reply = item {
                    let ex = examples[i]
                    do throws(HookError) {
                        if let judge {
                            let extraction = try runtime.extract(reply: r.reply!, example: ex)
                            if case .answer(let answer, _) = extraction {
                                // Graded before score runs; the example's result is made when the verdict comes.
                                let input = inputs[i] ?? "", reference = try runtime.reference(ex)
                                judging[i] = (r, extraction)
                                group.addTask { .verdict(i, try await Self.ask { try await judge.grade(input: input, answer: answer, reference: reference) }) }
                                continue
                            }
                            r.outcome = try runtime.score(extraction, reply: r.reply!, example: ex, verdict: nil)
                        } else {
                            r.outcome = try runtime.evaluate(reply: r.reply!, example: ex)
                        }
                        armed = false
                    } catch { hookFailed(error, &r) }
                }
                results[i] = r
                try onResult(r)
                if armed, let n = failFast, firstReplies.count >= n {
                    armed = false
                    // Throwing out of the group cancels the requests still in flight.
                    if Self.same(firstReplies[...]) { throw PackFailing(count: n, firstError: firstReplies[0].description, beforeAnyCall: false) }
                }
                fill()
            }
        }
        return (results.compactMap { $0 }, stop)
    }

    /// The request for one rendered example, as every evaluation (and `rpt try`) sends it: the
    /// prompt's messages with this evaluator's settings.
    public func request(for rendered: String, prompt: PromptProgram) -> ChatRequest {
        ChatRequest(model: "", messages: prompt.messages(for: rendered), jsonOutput: jsonMode, temperature: temperature, maxTokens: maxTokens)
    }

    static func failed(_ i: Int, _ ex: Example, _ error: HookError) -> ExampleResult {
        ExampleResult(index: i, id: ex.id, source: ex.source, outcome: Outcome.packError(error), packError: error.description, usage: Usage(), cached: false)
    }

    /// The same hook failing with the same message (messages name no example, descriptions do).
    static func same(_ errors: ArraySlice<HookError>) -> Bool {
        guard let first = errors.first else { return false }
        return errors.allSatisfy { $0.hook == first.hook && $0.message == first.message }
    }
}
