-- GET the URL given to wrk with the headers given after -- ("Name: value" …).
dofile(os.getenv("BENCH_WRK_DIR") .. "/common.lua")

function init(args)
  header_args(args)
end
