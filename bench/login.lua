-- bench/login.lua: POST /api/v1/auth/login with the credentials given as
-- script arguments (bench_run ... -s bench/login.lua -- EMAIL PASSWORD).
function init(args)
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    wrk.body = string.format('{"email":"%s","password":"%s"}', args[1], args[2])
end
