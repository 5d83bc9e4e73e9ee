-- load_post.lua - wrk script of bench/load_test.sh: POST the article named by the environment
-- variable LOAD_BODY (read at run time, never copied into the project) as text/plain to the URL.
local path = os.getenv("LOAD_BODY")
local f = assert(io.open(path, "rb"), "cannot read LOAD_BODY " .. tostring(path))
local body = f:read("*a")
f:close()
wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "text/plain; charset=utf-8"
