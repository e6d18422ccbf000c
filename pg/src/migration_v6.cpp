// Migration 6 (pacing): a rate policy write that slows the credential down also pushes its GCRA's
// TAT out. Learning a stated limit below the probed rate left the next slot one old (shorter)
// interval after the last one handed out, so the first slots after learning came too close.
#include "migration_sql.hpp"

namespace partnerkit::pg::detail {

const std::string_view migration_v6 = R"SQL(
CREATE OR REPLACE FUNCTION partnerkit.set_rate_policy(p_credential bigint, p_policy jsonb, p_interval_us bigint,
                                                      p_version bigint)
RETURNS boolean LANGUAGE sql AS $$
  WITH updated AS (
    UPDATE partnerkit.credentials
       SET rate_policy = p_policy, interval_us = greatest(p_interval_us, 0),
           tat = CASE WHEN p_interval_us > 0 AND interval_us > 0
                      THEN tat + make_interval(secs => (p_interval_us - interval_us) / 1e6)
                      ELSE tat END,
           rate_policy_version = rate_policy_version + 1
     WHERE id = p_credential AND rate_policy_version = p_version
    RETURNING 1
  )
  SELECT count(*) = 1 FROM updated
$$;
)SQL";

}  // namespace partnerkit::pg::detail
