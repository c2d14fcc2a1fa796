-- The throughput run of the event POST: like post_pool.lua (a different case on every request,
-- stepping through a pool file of "id version" lines; each thread takes every n-th line), but with
-- no response callback and no status counting, so wrk does no Lua work per answer. Its answers are
-- checked afterwards in the database (every case answered is moved, with its history row) and by
-- wrk's own count of answers that were not 2xx/3xx; post_pool.lua counts every status in a short run.
-- Arguments after --: pool file, path pattern, body pattern, then "Name: value" headers.
local threads = 0

function setup(thread)
  thread:set("thread_index", threads)
  threads = threads + 1
end

local pool = {}
local next_index = 1
local path_pattern, body_pattern
local base_headers = {}

function init(args)
  local count = tonumber(os.getenv("BENCH_WRK_THREADS"))
  local n = 0
  for line in io.lines(args[1]) do
    local id, version = line:match("^(%d+)%s+(%d+)")
    if id then
      if n % count == thread_index then table.insert(pool, {tonumber(id), tonumber(version)}) end
      n = n + 1
    end
  end
  path_pattern, body_pattern = args[2], args[3]
  for i = 4, #args do
    local name, value = args[i]:match("^([^:]+):%s*(.*)$")
    if name then base_headers[name] = value end
  end
  base_headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  local item = pool[next_index] or {0, 0}  -- used up: a case that does not exist (404s show it)
  next_index = next_index + 1
  local values = {id = tostring(item[1]), version = tostring(item[2]),
                  key = string.format("bench-%d-%d-%d", item[1], item[2], os.time())}
  local function fill(text)
    return (text:gsub("{(%a+)}", values))
  end
  local headers = {}
  for name, value in pairs(base_headers) do headers[name] = fill(value) end
  return wrk.format("POST", fill(path_pattern), headers, fill(body_pattern))
end
