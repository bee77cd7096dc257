-- bench/feedback.lua: POST /api/v1/projects/{id}/feedbacks, a new feedback
-- each request (bench_run ... -s bench/feedback.lua -- VIDEO_ID DURATION_S):
-- positions spread over the video, the priorities in turn, two tags; the
-- content starts "bench create " so that bench/feedback removes the rows.
local video, duration, n
local priorities = {"low", "medium", "high", "critical"}
local tags = {"colour", "audio", "edit", "vfx", "titles"}

function init(args)
   video, duration, n = args[1], tonumber(args[2]), 0
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
end

function request()
   n = n + 1
   local body = string.format(
      '{"video_id":"%s","timestamp":%.3f,"content":"bench create %d: the cut lands'
         .. ' a few frames late here","priority":"%s","tags":["bench","%s"]}',
      video, (n * 7.31) % (duration - 1), n, priorities[n % 4 + 1], tags[n % 5 + 1])
   return wrk.format(nil, nil, nil, body)
end
