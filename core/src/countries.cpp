#include "detail/countries.hpp"

#include <array>

namespace partnerkit::detail {
namespace {

// Copied from vendor-docs/001_554ab9c1a99f54d2.txt, in its order.
constexpr std::string_view codes =
    "AF AL DZ AS AD AO AI AQ AG AR AM AW AU AT AZ BS BH BD BB BY BE BZ BJ BM BT BO BA BW BV BR IO BN BG BF "
    "BI KH CM CA CV KY CF TD CL CN CX CC CO KM CG CD CK CR CI HR CU CY CZ DK DJ DM DO EC EG SV GQ ER EE ET "
    "FK FO FJ FI FR GF PF TF GA GM GE DE GH GI GR GL GD GP GU GT GN GW GY HT HM VA HN HK HU IS IN ID IR IQ "
    "IE IL IT JM JP JO KZ KE KI KP KR KW KG LA LV LB LS LR LY LI LT LU MO MG MW MY MV ML MT MH MQ MR MU YT "
    "MX FM MD MC MN MS MA MZ MM NA NR NP NL NC NZ NI NE NG NU NF MK MP NO OM PK PW PS PA PG PY PE PH PN PL "
    "PT PR QA RE RO RU RW SH KN LC PM VC WS SM ST SA SN SC SL SG SK SI SB SO ZA GS ES LK SD SR SJ SZ SE CH "
    "SY TW TJ TZ TH TL TG TK TO TT TN TR TM TC TV UG UA AE GB US UM UY UZ VU VE VN VG VI WF EH YE ZM ZW AX "
    "BQ CW GG IM JE ME BL MF RS SX SS XK";

struct Table {
  std::array<bool, 26 * 26> set{};
  std::size_t count = 0;
};

constexpr Table make_table() {
  Table t;
  for (std::size_t i = 0; i + 1 < codes.size(); i += 3) {
    auto& slot =
        t.set[static_cast<std::size_t>(codes[i] - 'A') * 26 + static_cast<std::size_t>(codes[i + 1] - 'A')];
    if (!slot) ++t.count;
    slot = true;
  }
  return t;
}

constexpr Table table = make_table();
static_assert(table.count == 250, "vendor-docs 001 lists 250 codes");

}  // namespace

bool is_listed_country(std::string_view code) noexcept {
  if (code.size() != 2) return false;
  const char a = code[0], b = code[1];
  if (a < 'A' || a > 'Z' || b < 'A' || b > 'Z') return false;
  return table.set[static_cast<std::size_t>(a - 'A') * 26 + static_cast<std::size_t>(b - 'A')];
}

std::size_t listed_country_count() noexcept { return table.count; }

}  // namespace partnerkit::detail
