-- bench/report.lua: wrk's done() reporter for bench/lib.sh.
--
-- Prints one machine-readable line after the run, all latencies in
-- microseconds:
--
--   VPBENCH requests=N duration_us=N rps=F p50_us=N p99_us=N max_us=N
--           non2xx=N statuses=200:N,503:N connect=N read=N write=N timeout=N
--
-- non2xx counts every response outside 200..299, from response() in each
-- wrk thread (wrk's own errors.status only counts >= 400). connect, read,
-- write and timeout are wrk's socket errors.
--
-- Composing with a script that builds requests (request(), init(), wrk.method,
-- wrk.body, wrk.headers ...); either way the reporter wraps the script's own
-- setup(), response() and done(), which keep working:
--
--   * wrk -s bench/report.lua with VP_BENCH_SCRIPT=path/to/script.lua in the
--     environment: the reporter loads that script first (bench_run -s does
--     this);
--   * or the script loads the reporter as its last statement, for use with a
--     bare `wrk -s script.lua`:
--         local dir = debug.getinfo(1, "S").source:match("^@(.*)/") or "."
--         dofile(dir .. "/report.lua")
--
-- Loading it twice (a script that does both) is harmless.

if vp_bench_report_loaded then return end
vp_bench_report_loaded = true

local script = os.getenv("VP_BENCH_SCRIPT")
if script and script ~= "" then dofile(script) end

local user_setup, user_response, user_done = setup, response, done

-- per-thread state (each wrk thread has its own Lua state)
vp_statuses = {}

local threads = {}

function setup(thread)
   table.insert(threads, thread)
   if user_setup then return user_setup(thread) end
end

function response(status, headers, body)
   vp_statuses[status] = (vp_statuses[status] or 0) + 1
   if user_response then return user_response(status, headers, body) end
end

function done(summary, latency, requests)
   local counts, non2xx = {}, 0
   for _, thread in ipairs(threads) do
      for status, n in pairs(thread:get("vp_statuses") or {}) do
         counts[status] = (counts[status] or 0) + n
         if status < 200 or status > 299 then non2xx = non2xx + n end
      end
   end
   local codes = {}
   for status in pairs(counts) do table.insert(codes, status) end
   table.sort(codes)
   local parts = {}
   for _, status in ipairs(codes) do
      table.insert(parts, string.format("%d:%d", status, counts[status]))
   end
   local e = summary.errors
   local seconds = summary.duration / 1e6
   io.write(string.format(
      "VPBENCH requests=%d duration_us=%d rps=%.1f p50_us=%d p99_us=%d max_us=%d "
         .. "non2xx=%d statuses=%s connect=%d read=%d write=%d timeout=%d\n",
      summary.requests, summary.duration,
      seconds > 0 and summary.requests / seconds or 0,
      latency:percentile(50), latency:percentile(99), latency.max,
      non2xx, #parts > 0 and table.concat(parts, ",") or "-",
      e.connect, e.read, e.write, e.timeout))
   if user_done then return user_done(summary, latency, requests) end
end
