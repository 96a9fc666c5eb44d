-- wrk script of `perfstream bench collector --otlp`: POSTs one OTLP/HTTP protobuf body, built by the
-- command with the OpenTelemetry proto classes and passed as a file, to /v1/traces or /v1/metrics.
-- Arguments (after --): the body file, the path, the API key.
local request_bytes

function init(args)
  local f = assert(io.open(args[1], "rb"))
  local body = f:read("*a")
  f:close()
  request_bytes = wrk.format("POST", args[2], {["Content-Type"] = "application/x-protobuf",
    ["Authorization"] = "Bearer " .. args[3]}, body)
end

function request()
  return request_bytes
end
