-- wrk script for bench/load.py: latency percentiles, errors, and the Server-Timing header.
-- wrk does not follow redirects: a 302 (random case) is a response like any other.
-- Errors are socket errors (connect, read, write, timeout) and statuses outside 2xx/3xx.
-- Arguments after `--` are Cookie headers (logged-in readers' sessions): each request sends the
-- next one in turn, so the readers share the load.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  server_ms = {}
  bad_status = 0
  if #args > 0 then
    -- Defined only with cookies: without, wrk sends its one prepared request, as before.
    local requests = {}
    for i, cookie in ipairs(args) do
      requests[i] = wrk.format(nil, nil, {["Cookie"] = cookie})
    end
    local next_one = math.random(#requests)
    request = function()
      next_one = next_one % #requests + 1
      return requests[next_one]
    end
  end
end

function response(status, headers, body)
  if status < 200 or status > 399 then
    bad_status = bad_status + 1
  end
  local timing = headers["Server-Timing"] or headers["server-timing"]
  if timing then
    local ms = tonumber(string.match(timing, "dur=([%d%.]+)"))
    if ms then
      server_ms[#server_ms + 1] = ms
    end
  end
end

local function percentile(sorted, p)
  if #sorted == 0 then
    return -1
  end
  local rank = math.max(1, math.ceil(p / 100 * #sorted))
  return sorted[rank]
end

function done(summary, latency, requests)
  local all, status = {}, 0
  for _, thread in ipairs(threads) do
    for _, ms in ipairs(thread:get("server_ms")) do
      all[#all + 1] = ms
    end
    status = status + thread:get("bad_status")
  end
  table.sort(all)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  -- One "key value" a line, read by bench/load.py. Latencies in milliseconds.
  io.write(string.format("result requests %d\n", summary.requests))
  io.write(string.format("result rps %.3f\n", summary.requests / seconds))
  for _, p in ipairs({50, 95, 99}) do
    io.write(string.format("result p%d %.3f\n", p, latency:percentile(p) / 1000))
    io.write(string.format("result server_p%d %.3f\n", p, percentile(all, p)))
  end
  io.write(string.format("result socket_errors %d\n", e.connect + e.read + e.write + e.timeout))
  io.write(string.format("result status_errors %d\n", status))
end
