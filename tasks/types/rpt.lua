---@meta rpt
-- LuaCATS annotations for rpt task packs (task pack API 1). Written by `rpt new`; do not edit.

---One row of a dataset: its fields as in the JSONL object or CSV row.
---@class rpt.Example: { [string]: any }
---@field id string|integer

---@class rpt.PromptSection
---@field id string A name: letters, digits, '_' or '-'
---@field text string The section's text; sections are joined by a blank line
---@field frozen? boolean Kept as it is by tuning (label lists, the output format)

---@class rpt.Prompt
---@field system? string The system message the tuning starts from
---@field instruction? string The task instruction the tuning starts from (one section named "instruction")
---@field sections? rpt.PromptSection[] The instruction as named sections, instead of `instruction`

---A dataset file whose rows get fixed or renamed fields.
---@class rpt.DataFile
---@field file string JSONL or CSV, relative to the pack
---@field set? { [string]: any } Fields every row gets, replacing its own: { label = "oos" }
---@field map? { [string]: string } Renamed fields: { text = "question" } gives each row a `text` holding its `question`

---One file, or several read in order.
---@alias rpt.DataFiles string|rpt.DataFile|(string|rpt.DataFile)[]

---@class rpt.SplitSpec
---@field dev? number Fraction carved for dev when no dev file is given (default 0.2)
---@field test? number Fraction carved for test when no test file is given (default 0.2)
---@field seed? integer Seed of the stable, id-hashed split (default 1)

---@class rpt.Limits
---@field instructions? integer Lua instructions per hook call (default 10,000,000)
---@field memory_mb? number Memory a hook call may add, in MiB (default 64)
---@field seconds? number Wall time per hook call (default 2)

---What the judge model said of a reply (packs with a judge), checked by rpt before score sees it.
---@class rpt.Verdict
---@field score number On the judge's scale, or the number of criteria met
---@field normalized number The score as a share of its range: 0 the worst, 1 the best
---@field reason string Why (for criteria: the reasons of those not met)
---@field criteria? { criterion: string, met: boolean, reason: string }[] For a criteria judge, in the pack's order

---How a judge model grades replies. The model is the user's choice (--judge, judge_model in rpt.toml), never the pack's.
---@class rpt.Judge
---@field rubric? string What a good reply does (needed with `scale`)
---@field scale? integer[] { low, high }: whole numbers from 0 to 100, e.g. { 1, 5 }
---@field criteria? string[] Yes/no questions about a reply, instead of `scale`; the score is how many hold
---@field reference? fun(ex: rpt.Example): string? A reference reply the judge compares with

---Named metrics: score returns { name = value in [0, 1], ... } for each weighted name, and the
---primary (what selection uses) is their weighted mean, computed by rpt.
---@class rpt.Metrics
---@field primary string The primary's name, e.g. "total" (never returned by score)
---@field weights { [string]: number } Each metric's positive weight

---The table a pack's task.lua returns.
---@class rpt.Task
---@field api 1 The task pack API version
---@field name string Lower case letters, digits, '-', '_' or '.'
---@field version? string
---@field description? string
---@field library? boolean true: a library pack, modules other packs require (only api, name, version, description)
---@field data rpt.DataFiles|{ train: rpt.DataFiles, dev?: rpt.DataFiles, test?: rpt.DataFiles } JSONL or CSV files, relative to the pack
---@field split? rpt.SplitSpec
---@field id? string The field holding each example's id (default "id")
---@field label? string The field holding each example's class: samples (--limit) are stratified by it
---@field prompt rpt.Prompt
---@field output? "json"|"text" The reply format the prompt asks for (default "text")
---@field max_tokens? integer The most tokens a target reply may have (default 512; --max-tokens overrides)
---@field render fun(ex: rpt.Example): string The user message for an example
---@field extract fun(reply: string, ex: rpt.Example): any, (number|string)? The answer and an optional confidence in [0, 1]; or nil and the reason
---@field score fun(answer: any, ex: rpt.Example, verdict?: rpt.Verdict): number|boolean|{ [string]: number|boolean } A score in [0, 1], or with `metrics` a table of them (verdict: the judge's, in a pack with a judge)
---@field metrics? rpt.Metrics Named metrics score returns; the primary is their weighted mean
---@field failures? { [string]: string } The failure taxonomy: mode -> what it means ("format" is added if missing)
---@field classify? fun(answer: any, ex: rpt.Example, reply: string, verdict?: rpt.Verdict): (string|string[])?, string? A failure mode (or a list of them, for an answer wrong in several ways) and a detail
---@field gold? fun(ex: rpt.Example): string The reply a perfect model would give
---@field limits? rpt.Limits
---@field contract? string[] Words every tuned prompt must keep (default { "JSON" } for JSON output)
---@field regression? rpt.DataFiles Must-pass examples (rows like the data's): tuning may not break one the best prompt passes
---@field protect? string[] Failure modes tuning may not make more frequent on dev, e.g. { "format" }
---@field judge? rpt.Judge A judge model grades the replies; its verdict goes to score

---@class rpt.json
---@field null lightuserdata JSON's null, distinct from nil
local json = {}

---Parses JSON text. Arrays keep a marker so they encode back as arrays.
---@param text string
---@return any? value
---@return string? error
function json.decode(text) end

---Compact JSON with object keys sorted.
---@param value any
---@return string
function json.encode(value) end

---The first JSON object (or array) in chatty model text; code fences and prose are skipped.
---@param text string
---@return any? value
---@return string? error
function json.extract(text) end

---Marks a table as a JSON array (so an empty one encodes as []).
---@param t? table
---@return table
function json.array(t) end

---@param v any
---@return boolean
function json.is_null(v) end

---@class rpt.text
local text = {}
---@param s string
---@return string
function text.trim(s) end
---SQuAD normalisation: lower case, no punctuation, no articles, single spaces.
---@param s string
---@return string
function text.normalize(s) end
---@param s string
---@return string[]
function text.tokens(s) end
---@param a string
---@param b string
---@return boolean
function text.exact(a, b) end
---SQuAD token F1 of a prediction against a gold answer.
---@param prediction string
---@param gold string
---@return number
function text.f1(prediction, gold) end

---@class rpt.num
local num = {}
---A text that is one number: "1,234.5", "-3", "3/4", "1 1/2", "45%" (45), "$12.50", "Rs. 1200",
---"6K" (6000), "2.5 million", "12 kg", "36 km/hr", "1e3"; anything else is nil.
---@param s string|number
---@return number?
function num.parse(s) end
---Every number in a text, in order, each read as `parse` reads one (so `first("1 1/2")` is 1.5).
---@param s string
---@return number[]
function num.all(s) end
---@param s string
---@return number?
function num.first(s) end
---@param s string
---@return number?
function num.last(s) end
---Equal within a relative (default 1e-6) or absolute (default 1e-9) tolerance.
---@param a string|number
---@param b string|number
---@param rel? number
---@param abs? number
---@return boolean
function num.equal(a, b, rel, abs) end

---@class rpt.choice
local choice = {}
---The multiple-choice letter a reply settles on ("The answer is (B)", '{"answer": "C"}',
---"The correct option is B.", "I choose option 'D'", "C) ..."), or nil.
---@param reply string
---@param options? integer|string A count (4 -> "ABCD") or the letters allowed
---@return string?
function choice.letter(reply, options) end

---Log lines (and print's) go to hooks.log in the eval or run folder, to stderr with -v,
---and under each hook in `rpt try`, each with the hook and the example's id.
---@class rpt.log
local log = {}
---@param fmt string
---@param ... any
function log.debug(fmt, ...) end
---@param fmt string
---@param ... any
function log.info(fmt, ...) end
---@param fmt string
---@param ... any
function log.warn(fmt, ...) end

---@class rpt.Parameter
---@field default string The value used when the user gives no --set
---@field values string[] Every value allowed (letters, digits, '_', '-', '.')
---@field description? string What it chooses

---@class rpt
---@field json rpt.json
---@field text rpt.text
---@field num rpt.num
---@field choice rpt.choice
---@field log rpt.log
---@field params { [string]: string } The parameter values (read-only), once rpt.parameters has run
---Declares the pack's parameters, once, while task.lua loads, and returns their values: each the
---user's `--set NAME=VALUE`, else its default. Data files and the prompt may be built from them.
---@field parameters fun(declaration: { [string]: rpt.Parameter }): { [string]: string }
---Declares the installed packs this one uses (name to version range, e.g. "^1.0"), once, while
---task.lua loads and before it requires their modules (`require "support-common.labels"`);
---returns the version chosen for each.
---@field dependencies fun(declaration: { [string]: string }): { [string]: string }
---Reads the prompt from a file of the pack while task.lua loads (`prompt = rpt.prompt_file("prompt.md")`),
---in the format of a run's best_prompt.md: `## System`, then `## Section ID` or `## Section ID (frozen)`.
---@field prompt_file fun(path: string): rpt.Prompt
local rpt = {}
return rpt
