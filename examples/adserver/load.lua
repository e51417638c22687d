-- load.lua - the case study's request mix for wrk: GET /ad for a random
-- user and slot. Users are skewed as real traffic is (a fifth of the
-- requests come from the most active 1% of users); slots follow a page's
-- layout (feed and top most often). Every user and slot exists: the load
-- measures decisions, not errors.
--   wrk -s load.lua http://127.0.0.1:PORT -- USERS
local slots = { "feed", "feed", "feed", "top", "top", "sidebar", "article",
                "native", "search", "footer", "video" }
local users = 100000
local counter = 0

function setup(thread)
   counter = counter + 1
   thread:set("id", counter)
end

function init(args)
   users = tonumber(args[1]) or users
   math.randomseed(1000 + (id or 0))
end

function request()
   local user
   if math.random() < 0.2 then
      user = math.random(1, math.max(1, math.floor(users / 100)))
   else
      user = math.random(1, users)
   end
   local slot = slots[math.random(1, #slots)]
   return wrk.format("GET", "/ad?user=" .. user .. "&slot=" .. slot)
end
