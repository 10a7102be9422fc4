-- Each request a random line of the file named by $BENCH_PATHS (e.g. /products/<id>/
-- for random product ids). With $BENCH_UNIQUE set, a query parameter of its own is
-- appended to every request (a price cap above every price; $BENCH_UNIQUE, 0-999,
-- tells runs apart): the list cache keys on
-- the list parameters, so every request is a cache miss, as a new search is.
local paths = {}
local unique = os.getenv("BENCH_UNIQUE")
local counter = 0
local threads = 0

function setup(thread)
  threads = threads + 1
  thread:set("thread_number", threads)
end

function init(args)
  for line in io.lines(os.getenv("BENCH_PATHS")) do
    if line ~= "" then
      paths[#paths + 1] = line
    end
  end
  math.randomseed(os.time() * 100 + thread_number)
end

function request()
  local path = paths[math.random(#paths)]
  if unique then
    counter = counter + 1
    local sep = path:find("?", 1, true) and "&" or "?"
    -- under the price limit (3e9), above every price, unique to this run, thread, request
    local cap = 100000 + tonumber(unique) * 2000000 + thread_number * 1000000 + counter
    path = string.format("%s%sprice_max=%d", path, sep, cap)
  end
  return wrk.format("GET", path)
end

-- wrk's own summary has no 95th percentile: the benchmark reads this line.
function done(summary, latency, requests)
  io.write(string.format("p95_us=%d\n", latency:percentile(95)))
end
