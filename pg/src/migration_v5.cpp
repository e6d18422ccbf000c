// Migration 5 (pacing, issues 11 and 12): the rate policy's state per credential
// (policy/rate_policy.hpp, as JSON), so a limit the vendor states and the probe upward from a declared
// default are shared by every worker; a version number makes its read-modify-write safe without
// holding the row (pg/src/shared_rate.cpp).
#include "migration_sql.hpp"

namespace partnerkit::pg::detail {

const std::string_view migration_v5 = R"SQL(
ALTER TABLE partnerkit.credentials
  ADD COLUMN rate_policy jsonb,
  ADD COLUMN rate_policy_version bigint NOT NULL DEFAULT 0;

-- A worker starting without an explicit rate keeps what the workers before it learnt or probed.
CREATE FUNCTION partnerkit.ensure_credential(p_fingerprint text, p_vendor text, p_rate double precision,
                                             p_burst integer, p_keep_policy boolean)
RETURNS bigint LANGUAGE sql AS $$
  INSERT INTO partnerkit.credentials AS c (fingerprint, vendor, interval_us, burst)
  VALUES (p_fingerprint, p_vendor,
          CASE WHEN p_rate IS NULL OR p_rate <= 0 THEN 0 ELSE ceil(1e6 / p_rate)::bigint END, greatest(p_burst, 1))
  ON CONFLICT (fingerprint) DO UPDATE
     SET interval_us = CASE WHEN p_keep_policy AND c.rate_policy IS NOT NULL THEN c.interval_us
                            ELSE excluded.interval_us END,
         burst = excluded.burst,
         rate_policy = CASE WHEN p_keep_policy THEN c.rate_policy END,
         rate_policy_version = c.rate_policy_version + 1
  RETURNING c.id
$$;

-- Applied only over the version it was computed from (false: another worker wrote first; read again).
-- A shorter interval pulls the TAT in by the difference: the last slot handed out is followed by the
-- next at the new spacing, not at the old one.
CREATE FUNCTION partnerkit.set_rate_policy(p_credential bigint, p_policy jsonb, p_interval_us bigint,
                                           p_version bigint)
RETURNS boolean LANGUAGE sql AS $$
  WITH updated AS (
    UPDATE partnerkit.credentials
       SET rate_policy = p_policy, interval_us = greatest(p_interval_us, 0),
           tat = CASE WHEN p_interval_us > 0 AND p_interval_us < interval_us
                      THEN tat - make_interval(secs => (interval_us - p_interval_us) / 1e6) ELSE tat END,
           rate_policy_version = rate_policy_version + 1
     WHERE id = p_credential AND rate_policy_version = p_version
    RETURNING 1
  )
  SELECT count(*) = 1 FROM updated
$$;
)SQL";

}  // namespace partnerkit::pg::detail
