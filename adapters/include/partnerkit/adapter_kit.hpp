// The adapter kit: what the built-in adapters use and a plugin author needs, so a new vendor is its
// own mapping and nothing else. Header-only: a plugin compiles its own copy and takes nothing from the
// host but partnerkit's core (Error::make, sanitized_body).
//
//   text.hpp         iequals, same_email, is_valid_utf8, code_points, capped (from <partnerkit/text/...>)
//   json.hpp         parse_json (bounded size and depth, never throws), string_member & co.
//   json_pick.hpp    JsonPick, success_pick: the members a decoder reads, without the tree and with
//                    parse_json's verdicts (not included here: it instantiates Boost.JSON's parser)
//   json_writer.hpp  JsonWriter: byte-exact bodies in the caller's member order
//   body.hpp         BodyWriter (JSON) and FormWriter (x-www-form-urlencoded) with vendor_overrides merged
//   auth.hpp         check_api_key; bearer_auth, basic_auth, header_key; request_headers, json_headers,
//                    bodiless_request
//   base64.hpp       base64_encode
//   url.hpp          request_url (base URL or the default), resource_url, url_component, check_partner_id,
//                    check_partner_request
//   errors.hpp       protocol_error, bad_utf8_error, Dropper (the lenient/strict cannot-carry rule, and
//                    drop_undeclared: that rule from the declared fields)
//   decode.hpp       error_answer, read_error_members, apply_code_table, add_field_issues, success_object
//                    (not_json_error, not_object_error), check_sent_email, check_addressed_id,
//                    find_through_get, set_status, link_from, link_from_texts, joined_name
//   capabilities.hpp Carried, declare_fields: the carried fields and their mappings from one table
//   spec.hpp         sets (is a field given), full_name, split_name, overrides_for
//   time.hpp         parse_iso8601, now_of
#pragma once

#include <partnerkit/adapter_kit/auth.hpp>
#include <partnerkit/adapter_kit/base64.hpp>
#include <partnerkit/adapter_kit/body.hpp>
#include <partnerkit/adapter_kit/capabilities.hpp>
#include <partnerkit/adapter_kit/decode.hpp>
#include <partnerkit/adapter_kit/errors.hpp>
#include <partnerkit/adapter_kit/json.hpp>
#include <partnerkit/adapter_kit/json_writer.hpp>
#include <partnerkit/adapter_kit/rules.hpp>
#include <partnerkit/adapter_kit/spec.hpp>
#include <partnerkit/adapter_kit/text.hpp>
#include <partnerkit/adapter_kit/time.hpp>
#include <partnerkit/adapter_kit/url.hpp>
