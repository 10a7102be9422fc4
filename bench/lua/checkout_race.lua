-- The race (bench/checkout.py, phase 2): each buyer of $BENCH_BUYERS sends exactly one
-- order of the one spec in $BENCH_BODY (its stock is smaller than the number of buyers).
--   $BENCH_BUYERS   a file, one `Authorization` header value per line (one per buyer)
--   $BENCH_BODY     the JSON request body
--   $BENCH_PATH     the API's path (POST)
--   $BENCH_RUN      tells runs apart in the idempotency keys
--   $BENCH_THREADS  wrk's -t: thread n sends the buyers n, n + threads, ...
--   $BENCH_DONE     a directory: each thread writes a file there once all of its
--                   buyers were answered, then stops (the benchmark then ends wrk)
-- wrk keeps every connection busy, so once a thread's buyers are sent its connections
-- ask /healthz (answered 200, never counted). Checkout answers 201 (a new order) or an
-- error (sold out: result code 000106 in the body); a 200 is never a checkout here.
-- wrk calls request() once in the first thread before it starts, to inspect the request,
-- and never sends that one: that call gets /healthz too, or a buyer would be skipped.
local buyers = {}
local threads = {}
local body = os.getenv("BENCH_BODY")
local path = os.getenv("BENCH_PATH")
local run = os.getenv("BENCH_RUN") or tostring(os.time())
local total_threads = tonumber(os.getenv("BENCH_THREADS"))
local mine = {}
local sent = 0
local answered = 0
local finished = false
local inspected = false

-- per thread, read by done() through thread:get()
created = 0
sold_out = 0
other = 0

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("thread_number", #threads)
end

function init(args)
  for line in io.lines(os.getenv("BENCH_BUYERS")) do
    if line ~= "" then
      buyers[#buyers + 1] = line
    end
  end
  for i = thread_number, #buyers, total_threads do
    mine[#mine + 1] = buyers[i]
  end
end

function request()
  if thread_number == 1 and not inspected then
    inspected = true
    return wrk.format("GET", "/healthz")
  end
  if sent >= #mine then
    return wrk.format("GET", "/healthz")
  end
  sent = sent + 1
  local headers = {
    ["Authorization"] = mine[sent],
    ["Content-Type"] = "application/json",
    ["Accept"] = "application/json",
    ["Idempotency-Key"] = string.format("race-%s-%d-%d", run, thread_number, sent),
  }
  return wrk.format("POST", path, headers, body)
end

function response(status, headers, body)
  if status == 200 then
    return -- /healthz
  end
  answered = answered + 1
  if status == 201 then
    created = created + 1
  elseif body:find("000106", 1, true) then
    sold_out = sold_out + 1
  else
    other = other + 1
    if other <= 3 then
      io.stderr:write(string.format("race: HTTP %d %s\n", status, body:sub(1, 300)))
    end
  end
  if answered >= #mine and not finished then
    finished = true
    local marker = io.open(string.format("%s/thread-%d", os.getenv("BENCH_DONE"), thread_number), "w")
    marker:write(tostring(answered))
    marker:close()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local c, s, o = 0, 0, 0
  for _, thread in ipairs(threads) do
    c = c + thread:get("created")
    s = s + thread:get("sold_out")
    o = o + thread:get("other")
  end
  io.write(string.format("race_responses created=%d sold_out=%d other=%d\n", c, s, o))
end
