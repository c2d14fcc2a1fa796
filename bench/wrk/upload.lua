-- POST one prepared multipart body (a form with a photo) on every request.
-- Arguments after --: the body file, its multipart boundary, then "Name: value" headers.
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

function init(args)
  local file = assert(io.open(args[1], "rb"))
  wrk.body = file:read("*a")
  file:close()
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "multipart/form-data; boundary=" .. args[2]
  header_args(args, 3)
end
