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

function response(status, headers, body)
  if status ~= 200 then
    io.stderr:write("status " .. status .. ": " .. body:sub(1, 200) .. "\n")
  end
end
