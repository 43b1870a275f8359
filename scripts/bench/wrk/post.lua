-- wrk script for the HTTP benchmarks: POSTs GraphQL requests read from a file (one JSON
-- body per line), rotating through them, and checks every answer.
--
--   wrk -t1 -c32 -d10s --latency -s scripts/bench/wrk/post.lua http://127.0.0.1:PORT/graphql \
--       -- BODIES_FILE [EXPECTED_SUBSTRING]
--
-- An answer counts as bad when its status is not 200, when its body holds `"errors"`,
-- when it has no `"data"`, or when it lacks EXPECTED_SUBSTRING (e.g. `"slug":"`, which a
-- null result would not have). done() prints one line `WRK_RESULT {json}` with the
-- counts, requests per second and latency percentiles; the caller fails the run when
-- any answer was bad, so a fast failure never counts as speed.

local bodies_file = nil
local expected = nil
local requests = {}
local next_request = 0
local count = 0

-- Per-thread counters, read back in done() through thread:get().
non200 = 0
with_errors = 0
without_data = 0
unexpected = 0
responses = 0
first_bad = ""

local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  bodies_file = args[1]
  expected = args[2]
  if bodies_file == nil then
    error("usage: post.lua BODIES_FILE [EXPECTED_SUBSTRING]")
  end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  for line in io.lines(bodies_file) do
    if #line > 0 then
      table.insert(requests, wrk.format("POST", nil, nil, line))
    end
  end
  count = #requests
  if count == 0 then
    error("no request bodies in " .. bodies_file)
  end
  -- Threads start at different offsets so they do not ask the same thing in step.
  next_request = ((id or 0) * 7919) % count
end

function request()
  next_request = next_request % count + 1
  return requests[next_request]
end

local function note(status, body)
  if first_bad == "" then
    first_bad = tostring(status) .. " " .. string.sub(body or "", 1, 300)
  end
end

function response(status, headers, body)
  responses = responses + 1
  if status ~= 200 then
    non200 = non200 + 1
    note(status, body)
    return
  end
  if string.find(body, '"errors"', 1, true) then
    with_errors = with_errors + 1
    note(status, body)
  elseif not string.find(body, '"data"', 1, true) then
    without_data = without_data + 1
    note(status, body)
  elseif expected ~= nil and expected ~= "" and not string.find(body, expected, 1, true) then
    unexpected = unexpected + 1
    note(status, body)
  end
end

local function json_string(s)
  s = string.gsub(s, '[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == "\\" then return "\\\\" end
    return string.format("\\u%04x", string.byte(c))
  end)
  return '"' .. s .. '"'
end

function done(summary, latency, requests)
  local totals = { non200 = 0, with_errors = 0, without_data = 0, unexpected = 0, responses = 0 }
  local bad = ""
  for _, thread in ipairs(threads) do
    for key, _ in pairs(totals) do
      totals[key] = totals[key] + (thread:get(key) or 0)
    end
    local first = thread:get("first_bad") or ""
    if bad == "" and first ~= "" then
      bad = first
    end
  end
  local seconds = summary.duration / 1e6
  local parts = {
    string.format('"requests":%d', summary.requests),
    string.format('"duration_s":%.6f', seconds),
    string.format('"rps":%.3f', summary.requests / seconds),
    string.format('"bytes":%d', summary.bytes),
    string.format('"socket_errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}',
      summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
      summary.errors.timeout),
    string.format('"latency_us":{"mean":%.1f,"p50":%d,"p90":%d,"p99":%d,"max":%d}',
      latency.mean, latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max),
    string.format('"responses":%d', totals.responses),
    string.format('"non200":%d', totals.non200),
    string.format('"with_errors":%d', totals.with_errors),
    string.format('"without_data":%d', totals.without_data),
    string.format('"unexpected":%d', totals.unexpected),
    '"first_bad":' .. json_string(bad),
  }
  io.write("WRK_RESULT {" .. table.concat(parts, ",") .. "}\n")
end
