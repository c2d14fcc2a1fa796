-- POST to a different case on every request, stepping through a pool file of "id version" lines.
-- Arguments after --: pool file, path pattern, body pattern, then "Name: value" headers; {id},
-- {version} and {key} (unique per request) are filled in the path, the body and header values. Each wrk thread takes every n-th line, so no two
-- requests of a run ever touch the same case.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

local pool = {}
local next_index = 1
local path_pattern, body_pattern

function init(args)
  local threads = tonumber(os.getenv("BENCH_WRK_THREADS"))
  local n = 0
  for line in io.lines(args[1]) do
    local id, version = line:match("^(%d+)%s+(%d+)")
    if id then
      if n % threads == thread_index then table.insert(pool, {tonumber(id), tonumber(version)}) end
      n = n + 1
    end
  end
  path_pattern, body_pattern = args[2], args[3]
  header_args(args, 4)
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  local item = pool[next_index]
  if item == nil then
    -- The pool is used up: ask for a case that does not exist, so the shortfall shows as 404s.
    item = {0, 0}
  end
  next_index = next_index + 1
  local values = {id = tostring(item[1]), version = tostring(item[2]),
                  key = string.format("bench-%d-%d-%d", item[1], item[2], os.time())}
  local function fill(text)
    return (text:gsub("{(%a+)}", values))
  end
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = fill(value) end
  return wrk.format(nil, fill(path_pattern), headers, fill(body_pattern))
end
