-- GET the URL given to wrk with the headers given after -- ("Name: value" …).
-- A conditional GET (an If-None-Match header given) polls like the browser: when the answer is a
-- 200 with a new ETag (the board changed — a light turned at its deadline), the following polls of
-- that thread send the new ETag. Such answers are counted apart, as status 2001; so are the 200s
-- with that same new ETag answering the polls the thread's other connections had already sent
-- with the old one (at most one each), as status 2002.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

local conditional = false
local counted = response
local in_flight = tonumber(os.getenv("BENCH_WRK_CONNECTIONS_PER_THREAD") or "1") - 1
local late = 0

function init(args)
  header_args(args)
  conditional = wrk.headers["If-None-Match"] ~= nil
end

function request()
  return wrk.format(nil, nil, wrk.headers)
end

function response(status, headers, body)
  local etag = headers["ETag"] or headers["etag"]
  if conditional and status == 200 and etag then
    if etag ~= wrk.headers["If-None-Match"] then
      wrk.headers["If-None-Match"] = etag
      late = in_flight
      status = 2001
    elseif late > 0 then
      late = late - 1
      status = 2002
    end
  end
  counted(status, headers, body)
end
