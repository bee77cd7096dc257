-- bench/planning.lua: POST /api/v1/plannings/workflow, a new plan each
-- request with every step by the built-in generator (bench_run ... -s
-- bench/planning.lua): a Korean brief, 80 s of commercial (10 scenes); the
-- titles start "bench workflow " so that bench/planning removes the rows.
local n

function init(args)
   n = 0
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
end

function request()
   n = n + 1
   local body = string.format(
      '{"title":"bench workflow %d","planning_text":"제주 감귤 농장의 겨울 수확을 담은 브랜드'
         .. ' 영상. 감귤 농부의 새벽 수확과 감귤 주스가 되는 과정을 보여 주세요.",'
         .. '"options":{"duration":80,"genre":"commercial","intensity":0.5},'
         .. '"framework_id":null}', n)
   return wrk.format(nil, nil, nil, body)
end
