// The worker's small parts (worker_parts.hpp).
#include "worker_parts.hpp"

#include <unistd.h>

#include <random>

namespace partnerkit::pg::worker_detail {

boost::json::value intent_detail(Operation op) { return boost::json::object{{"request", to_string(op)}}; }

std::string default_owner() {
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  std::random_device rd;
  return std::string(host) + ":" + std::to_string(::getpid()) + ":" + std::to_string(rd() % 100000);
}

}  // namespace partnerkit::pg::worker_detail
