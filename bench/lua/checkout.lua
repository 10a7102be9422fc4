-- Checkout load (bench/checkout.py, phase 1): every request is one buyer placing and
-- paying an order through the buyer API, as a fresh checkout.
--   $BENCH_BUYERS  a file, one `Authorization` header value per line (HTTP basic)
--   $BENCH_BODIES  a file, one JSON request body per line (one spec each)
--   $BENCH_PATH    the API's path (POST)
--   $BENCH_RUN     tells runs apart in the idempotency keys
-- Each request: a random buyer, a random spec and a fresh `Idempotency-Key` (run,
-- thread, counter, random), so every 2xx is a new order (201); done() prints the
-- 95th percentile and the response counts the benchmark reads.
local buyers = {}
local bodies = {}
local threads = {}
local counter = 0
local path = os.getenv("BENCH_PATH")
local run = os.getenv("BENCH_RUN") or tostring(os.time())

-- per thread, read by done() through thread:get()
created = 0
replayed = 0
failed = 0

local function read_lines(name)
  local lines = {}
  for line in io.lines(os.getenv(name)) do
    if line ~= "" then
      lines[#lines + 1] = line
    end
  end
  return lines
end

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("thread_number", #threads)
end

function init(args)
  buyers = read_lines("BENCH_BUYERS")
  bodies = read_lines("BENCH_BODIES")
  math.randomseed(os.time() * 100 + thread_number)
end

function request()
  counter = counter + 1
  local headers = {
    ["Authorization"] = buyers[math.random(#buyers)],
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
    ["Idempotency-Key"] = string.format(
      "bench-%s-%d-%d-%d", run, thread_number, counter, math.random(1000000000)
    ),
  }
  return wrk.format("POST", path, headers, bodies[math.random(#bodies)])
end

function response(status, headers, body)
  if status == 201 then
    created = created + 1
  elseif status == 200 then
    replayed = replayed + 1
  else
    failed = failed + 1
    if failed <= 3 then
      io.stderr:write(string.format("checkout: HTTP %d %s\n", status, body:sub(1, 300)))
    end
  end
end

function done(summary, latency, requests)
  local c, r, f = 0, 0, 0
  for _, thread in ipairs(threads) do
    c = c + thread:get("created")
    r = r + thread:get("replayed")
    f = f + thread:get("failed")
  end
  -- wrk's own summary has no 95th percentile: the benchmark reads this line.
  io.write(string.format("p95_us=%d\n", latency:percentile(95)))
  io.write(string.format("responses created=%d replayed=%d failed=%d\n", c, r, f))
end
