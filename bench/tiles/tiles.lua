-- bench/tiles/tiles.lua - wrk script: requests the tile paths listed in the
-- file named by the TILES environment variable (one path per line).
--   MODE=warm  every connection cycles through the whole list, from its own
--              offset, for wrk's duration
--   MODE=cold  the list is split between the threads; each thread stops once
--              it has answers for its share, so every tile is asked for once
--              (plus at most one request in flight per connection)
local paths = {}
local mode = os.getenv("MODE") or "warm"
local threads = {}
local counter = 0

-- Lines are "layer/z/y/x"; TEMPLATE says where they go in the peer's URL,
-- e.g. "/collections/{layer}/tiles/WebMercatorQuad/{z}/{y}/{x}".
local function load()
  local template = os.getenv("TEMPLATE")
  for line in io.lines(os.getenv("TILES")) do
    local layer, z, y, x = line:match("^(%a+)/(%d+)/(%d+)/(%d+)$")
    if z then
      local p = template:gsub("{layer}", layer):gsub("{z}", z):gsub("{y}", y):gsub("{x}", x)
      paths[#paths + 1] = p
    end
  end
end

function setup(thread)
  thread:set("id", counter)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  load()
  nthreads = tonumber(os.getenv("THREADS") or "2")
  next_i = id + 1
  answered = 0
  share = 0
  for i = id + 1, #paths, nthreads do share = share + 1 end
  if mode == "warm" then
    next_i = (id * 7919) % #paths + 1
  end
end

function request()
  local p
  if mode == "cold" then
    p = paths[next_i] or paths[id + 1]
    next_i = next_i + nthreads
  else
    p = paths[next_i]
    next_i = next_i % #paths + 1
  end
  return wrk.format("GET", p)
end

function response(status, headers, body)
  if status ~= 200 and status ~= 204 then
    print("unexpected status " .. status)
  end
  answered = answered + 1
  if mode == "cold" and answered >= share then
    wrk.thread:stop()
  end
end
