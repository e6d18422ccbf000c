#include <partnerkit/sandbox/simulator_kit/answers.hpp>

#include <boost/json/serialize.hpp>

namespace partnerkit::sandbox::kit {

HttpResponse json_response(int status, const boost::json::value& body) {
  return text_response(status, "application/json", boost::json::serialize(body));
}

HttpResponse text_response(int status, std::string_view content_type, std::string body) {
  HttpResponse r;
  r.status = status;
  r.headers.emplace_back("Content-Type", std::string(content_type));
  r.body = std::move(body);
  return r;
}

HttpResponse empty_response(int status) {
  HttpResponse r;
  r.status = status;
  return r;
}

std::string_view reason_phrase(int status) noexcept {
  switch (status) {
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 409:
      return "Conflict";
    case 410:
      return "Gone";
    case 413:
      return "Request Entity Too Large";  // nginx's and Vercel's wording (RFC 9110: Content Too Large)
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Entity";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Error";
  }
}

HttpResponse edge_page(int status, EdgeStyle style) {
  std::string title = std::to_string(status) + " " + std::string(reason_phrase(status));
  switch (style) {
    case EdgeStyle::plain_text:
      return text_response(status, "text/plain; charset=utf-8", title + "\n");
    case EdgeStyle::html:
      return text_response(
          status, "text/html",
          "<html><head><title>" + title + "</title></head><body><h1>" + title + "</h1></body></html>\n");
    case EdgeStyle::nginx:
      break;
  }
  // nginx names 503 "Service Temporarily Unavailable" on its own pages.
  if (status == 503) title = "503 Service Temporarily Unavailable";
  return text_response(status, "text/html",
                       "<html>\r\n<head><title>" + title + "</title></head>\r\n<body>\r\n<center><h1>" +
                           title + "</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n");
}

std::string delta_seconds(std::chrono::milliseconds wait, bool at_least_one) {
  long long s = (wait.count() + 999) / 1000;
  if (s < (at_least_one ? 1 : 0)) s = at_least_one ? 1 : 0;
  return std::to_string(s);
}

std::string epoch_millis(std::chrono::system_clock::time_point t) {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
}

std::string_view json_type_name(const boost::json::value& v) noexcept {
  switch (v.kind()) {
    case boost::json::kind::null:
      return "null";
    case boost::json::kind::bool_:
      return "boolean";
    case boost::json::kind::int64:
    case boost::json::kind::uint64:
    case boost::json::kind::double_:
      return "number";
    case boost::json::kind::string:
      return "string";
    case boost::json::kind::array:
      return "array";
    case boost::json::kind::object:
      return "object";
  }
  return "unknown";
}

boost::json::value nullable(const std::optional<std::string>& s) {
  if (!s) return nullptr;
  return boost::json::value(*s);
}

}  // namespace partnerkit::sandbox::kit
