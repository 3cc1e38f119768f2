#include "webhooks/poster.hpp"

namespace webhooks {

const char* post_error_name(PostError error) {
  switch (error) {
    case PostError::none: return "none";
    case PostError::timeout: return "timeout";
    case PostError::connection: return "connection";
    case PostError::tls: return "tls";
    case PostError::invalid_url: return "invalid_url";
    case PostError::other: return "other";
  }
  return "other";
}

}  // namespace webhooks
