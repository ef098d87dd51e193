-- post_bodies.lua - wrk script: POST /v1/validate cycling through the bodies
-- of bodies.jsonl (path in the BODIES environment variable), each thread
-- starting at its own offset so that the connections send different drawings.
local bodies = {}
local counter = 0

function init(args)
  for line in io.lines(os.getenv("BODIES")) do
    bodies[#bodies + 1] = line
  end
  counter = math.random(#bodies)
end

function request()
  counter = counter % #bodies + 1
  return wrk.format("POST", "/v1/validate", {["Content-Type"] = "application/json"},
                    bodies[counter])
end

-- No response() callback: it makes wrk parse every body in Lua, and wrk
-- shares the two cores with the server. wrk counts non-2xx answers itself
-- ("Non-2xx or 3xx responses"), which run reports.
