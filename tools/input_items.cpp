// for_each_input_item: the reading loop render and validate share.
#include "cli.hpp"

#include <iostream>

namespace partnerkit::cli {

std::size_t for_each_input_item(const ParsedArgs& p, const std::function<void(InputItem&)>& each) {
  Input input = open_input(*p.value("--input"));
  SpecReader reader(*input.stream, parse_format(p.value("--format")));
  std::size_t items = 0;
  while (auto item = reader.next()) {
    ++items;
    each(*item);
  }
  std::cout.flush();
  if (reader.error()) throw UsageError(input.name + ": " + reader.error()->message);
  return items;
}

}  // namespace partnerkit::cli
