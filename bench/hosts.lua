-- wrk script: sends each request to the next of the Host headers given after "--", in turn.
local hosts, turn = {}, 0

function init(args)
  for i, host in ipairs(args) do
    hosts[i] = host
  end
end

function request()
  turn = turn % #hosts + 1
  wrk.headers["Host"] = hosts[turn]
  return wrk.format()
end
