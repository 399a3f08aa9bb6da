-- wrk script: each request goes to the next agency of a file of "host token" lines (the path
-- given after "--"), with that agency's Host header and bearer token; an optional second
-- argument N uses only the first N lines.
local agencies, turn = {}, 0

function init(args)
  for line in io.lines(args[1]) do
    local host, token = line:match("^(%S+) (%S+)$")
    agencies[#agencies + 1] = { host = host, authorization = "Bearer " .. token }
  end
  local limit = tonumber(args[2])
  if limit then
    for index = #agencies, limit + 1, -1 do
      agencies[index] = nil
    end
  end
  -- Threads start at different agencies, so they do not move in step.
  turn = math.random(#agencies) - 1
end

function request()
  turn = turn % #agencies + 1
  local agency = agencies[turn]
  wrk.headers["Host"] = agency.host
  wrk.headers["Authorization"] = agency.authorization
  return wrk.format()
end
