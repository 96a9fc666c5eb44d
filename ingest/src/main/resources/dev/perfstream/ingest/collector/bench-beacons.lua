-- wrk script of `perfstream bench collector`: POSTs sendBeacon-shaped bodies (text/plain, five Web
-- Vitals per beacon, as the snippet sends on page hide) to /rum, rotating over pages and devices.
-- The requests are formatted once per wrk thread (init), not per request: wrk shares the cores with
-- the collector and the broker, so the load generator should cost as little as it can.
local pages = {"/", "/product/1234", "/product/98765", "/cart", "/checkout", "/search"}
local devices = {"desktop", "mobile", "tablet"}
local requests = {}
local n = 0

function init(args)
  local headers = {["Content-Type"] = "text/plain;charset=UTF-8"}
  for i = 1, #pages * #devices do
    local page = pages[(i - 1) % #pages + 1]
    local dev = devices[(i - 1) % #devices + 1]
    local body = string.format('{"app":"bench-shop","page":"%s","session":"s-%d","device":"%s","connection":"4g",'
      .. '"metrics":[{"name":"TTFB","value":%d},{"name":"FCP","value":%d},{"name":"LCP","value":%d},'
      .. '{"name":"CLS","value":0.0%d},{"name":"INP","value":%d}]}', page, i, dev, 100 + i * 7, 600 + i * 31,
      900 + i * 53, i % 10, 40 + i * 9)
    requests[i] = wrk.format("POST", "/rum", headers, body)
  end
end

function request()
  n = n % #requests + 1
  return requests[n]
end
