-- wrk script: cycles over a list of requests read from a file, one
-- "path<TAB>Authorization value" per line. Every thread reads the whole list and starts
-- at its own offset, so the threads spread over the targets. Requests are formatted once
-- in init(), so the per-request client cost is the same for every server measured.

local counter = 0
local threads = {}

function setup(thread)
   counter = counter + 1
   thread:set("id", counter)
   table.insert(threads, thread)
end

local reqs = {}
local n = 0
local pos = 0

function init(args)
   local f = assert(io.open(args[1], "r"))
   for line in f:lines() do
      local path, auth = line:match("^([^\t]+)\t(.*)$")
      local headers = {}
      if auth ~= "" then headers["Authorization"] = auth end
      n = n + 1
      reqs[n] = wrk.format("GET", path, headers)
   end
   f:close()
   pos = math.floor(((id or 1) - 1) * n * 0.618) % n
end

function request()
   pos = pos % n + 1
   return reqs[pos]
end
