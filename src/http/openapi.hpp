// The OpenAPI 3.1 description of the API (api/openapi.json), built into the binary by CMake
// (src/http/CMakeLists.txt), so GET /openapi.json needs no file at run time.
#pragma once
#include <string_view>

namespace sidecar::http {

std::string_view openapi_document();  // the JSON text, exactly as in api/openapi.json

}  // namespace sidecar::http
