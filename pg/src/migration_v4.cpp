// Migration 4 (throughput, issue 12's benchmark): the claim's plan no longer depends on the table's
// statistics, and a worker's batched intents and completions are set-based statements instead of a
// PL/pgSQL call per item. The single-item functions stay as they were (the CRM and tests call them).
#include "migration_sql.hpp"

namespace partnerkit::pg::detail {

// Why `SET enable_seqscan = off, enable_bitmapscan = off` on these functions: right after a bulk
// enqueue the statistics still describe an empty table, and the planner then claimed with a bitmap
// scan of every claimable item, sorted, the partner check run on each (10,000 pending items: 95 ms
// per claim of 100), or joined the UPDATE by a sequential scan of the whole table, finished items
// included (O(history) per claim). Every statement here reaches its rows through an index, so the
// settings only ever remove those plans.
const std::string_view migration_v4 = R"SQL(
CREATE OR REPLACE FUNCTION partnerkit.claim(p_owner text, p_limit integer, p_lease interval, p_vendors text[] DEFAULT NULL)
RETURNS SETOF partnerkit.items LANGUAGE sql
SET enable_seqscan = off SET enable_bitmapscan = off AS $$
  WITH candidates AS (
    SELECT i.id FROM partnerkit.items i
     WHERE i.state IN ('pending', 'reconcile') AND i.run_after <= clock_timestamp()
       AND (p_vendors IS NULL OR i.vendor = ANY (p_vendors))
       AND NOT EXISTS (SELECT 1 FROM partnerkit.items e
                        WHERE e.tenant = i.tenant AND e.vendor = i.vendor AND e.partner_key = i.partner_key
                          AND e.id < i.id AND e.state IN ('pending', 'running', 'reconcile'))
     ORDER BY i.id
     LIMIT p_limit
     FOR UPDATE SKIP LOCKED
  ), claimed AS (
    UPDATE partnerkit.items i
       SET state = 'running', reconciling = (i.state = 'reconcile' OR i.reconciling), attempt = i.attempt + 1,
           lease_owner = p_owner, lease_expires_at = clock_timestamp() + p_lease, updated_at = clock_timestamp()
      FROM candidates c
     WHERE i.id = c.id
    RETURNING i.*
  ), logged AS (
    INSERT INTO partnerkit.events (item_id, attempt, kind, worker)
    SELECT id, attempt, 'claimed', p_owner FROM claimed
  )
  SELECT * FROM claimed ORDER BY id
$$;

CREATE OR REPLACE FUNCTION partnerkit.heartbeat(p_owner text, p_ids bigint[], p_attempts integer[], p_lease interval)
RETURNS SETOF bigint LANGUAGE sql
SET enable_seqscan = off SET enable_bitmapscan = off AS $$
  UPDATE partnerkit.items i
     SET lease_expires_at = clock_timestamp() + p_lease, updated_at = clock_timestamp()
    FROM unnest(p_ids, p_attempts) AS h(id, attempt)
   WHERE i.id = h.id AND i.attempt = h.attempt AND i.state = 'running' AND i.lease_owner = p_owner
  RETURNING i.id
$$;

CREATE OR REPLACE FUNCTION partnerkit.rescue_expired(p_limit integer DEFAULT 1000)
RETURNS SETOF bigint LANGUAGE sql
SET enable_seqscan = off SET enable_bitmapscan = off AS $$
  WITH expired AS (
    SELECT id, lease_owner FROM partnerkit.items
     WHERE state = 'running' AND lease_expires_at < clock_timestamp()
     ORDER BY lease_expires_at LIMIT p_limit
     FOR UPDATE SKIP LOCKED
  ), rescued AS (
    UPDATE partnerkit.items i
       SET state = 'reconcile', reconciling = true, lease_owner = NULL, lease_expires_at = NULL,
           updated_at = clock_timestamp()
      FROM expired e WHERE i.id = e.id
    RETURNING i.id, i.attempt, e.lease_owner
  ), logged AS (
    INSERT INTO partnerkit.events (item_id, attempt, kind, worker)
    SELECT id, attempt, 'rescued', lease_owner FROM rescued
  )
  SELECT id FROM rescued ORDER BY id
$$;

-- record_event(..., 'intent', ...) for many held attempts in one statement: the rows that are still
-- running under their attempt are share-locked (in id order: no deadlocks), so no rescue or
-- completion can slip between the check and the insert; returns the ids whose intent was written.
-- "Running" is spelled as its lease (items_lease makes state = 'running' exactly "lease owner and
-- expiry set"): written as state = 'running', it let the planner walk items_leases — every running
-- item of every worker, each matched against the whole batch — instead of the primary key.
CREATE FUNCTION partnerkit.record_intents(p_owner text, p_ids bigint[], p_attempts integer[], p_detail jsonb)
RETURNS SETOF bigint LANGUAGE sql
SET enable_seqscan = off SET enable_bitmapscan = off AS $$
  WITH held AS (
    SELECT i.id, i.attempt FROM partnerkit.items i
      JOIN unnest(p_ids, p_attempts) AS h(id, attempt) ON h.id = i.id AND h.attempt = i.attempt
     WHERE i.id = ANY (p_ids) AND i.lease_owner IS NOT NULL AND i.lease_expires_at IS NOT NULL
     ORDER BY i.id
     FOR SHARE OF i
  ), logged AS (
    INSERT INTO partnerkit.events (item_id, attempt, kind, worker, detail)
    SELECT id, attempt, 'intent', p_owner, p_detail FROM held ORDER BY id
    RETURNING item_id
  )
  SELECT item_id FROM logged ORDER BY item_id
$$;

-- complete() for many attempts in one statement (each (id, attempt) at most once): the same fence,
-- the same events in the same order per item (response, then completed or refused), the same
-- NOTIFY for items that go back on the queue. Answers whether each was applied, in the given order.
CREATE FUNCTION partnerkit.complete_many(p_ids bigint[], p_attempts integer[], p_owners text[], p_outcomes text[],
                                         p_results jsonb[], p_error_codes text[], p_retry_ms bigint[],
                                         p_responses jsonb[])
RETURNS boolean[] LANGUAGE plpgsql
SET enable_seqscan = off SET enable_bitmapscan = off AS $$
DECLARE
  v_ok boolean[];
BEGIN
  IF EXISTS (SELECT 1 FROM unnest(p_outcomes) AS o(outcome)
              WHERE o.outcome IS NULL OR o.outcome NOT IN ('done', 'failed', 'retry', 'reconcile')) THEN
    RAISE EXCEPTION 'outcome must be done, failed, retry or reconcile' USING ERRCODE = 'P0001';
  END IF;
  WITH x AS (
    SELECT * FROM unnest(p_ids, p_attempts, p_owners, p_outcomes, p_results, p_error_codes, p_retry_ms, p_responses)
      WITH ORDINALITY AS x(id, attempt, owner, outcome, result, code, retry_ms, response, n)
  ), applied AS (
    UPDATE partnerkit.items i
       SET state = CASE x.outcome WHEN 'retry' THEN 'pending' ELSE x.outcome END,
           result = x.result, error_code = x.code,
           reconciling = (x.outcome = 'reconcile'),
           lease_owner = NULL, lease_expires_at = NULL,
           run_after = CASE WHEN x.outcome IN ('retry', 'reconcile')
                            THEN clock_timestamp() + make_interval(secs => x.retry_ms / 1000.0)
                            ELSE i.run_after END,
           updated_at = clock_timestamp(),
           finished_at = CASE WHEN x.outcome IN ('done', 'failed') THEN clock_timestamp() END
      FROM x
     WHERE i.id = ANY (p_ids) AND i.id = x.id AND i.attempt = x.attempt
       AND i.lease_owner IS NOT NULL AND i.lease_expires_at IS NOT NULL  -- running: see record_intents
    RETURNING x.n, i.vendor, i.state
  ), logged AS (
    INSERT INTO partnerkit.events (item_id, attempt, kind, worker, detail)
    SELECT e.id, e.attempt, e.kind, e.owner, e.detail FROM (
      SELECT x.n, 1 AS k, x.id, x.attempt, 'response' AS kind, x.owner, x.response AS detail
        FROM x WHERE x.response IS NOT NULL AND EXISTS (SELECT 1 FROM partnerkit.items i WHERE i.id = x.id)
      UNION ALL
      SELECT x.n, 2, x.id, x.attempt, CASE WHEN a.n IS NULL THEN 'refused' ELSE 'completed' END, x.owner,
             jsonb_build_object('outcome', x.outcome, 'error_code', x.code)
        FROM x LEFT JOIN applied a ON a.n = x.n
       WHERE a.n IS NOT NULL OR EXISTS (SELECT 1 FROM partnerkit.items i WHERE i.id = x.id)
    ) e ORDER BY e.n, e.k
  ), notified AS (
    SELECT count(pg_notify('partnerkit_items', v.vendor)) AS n
      FROM (SELECT DISTINCT vendor FROM applied WHERE state IN ('pending', 'reconcile')) v
  )
  SELECT array_agg(EXISTS (SELECT 1 FROM applied a WHERE a.n = x.n) ORDER BY x.n)
    INTO v_ok
    FROM x, notified;
  RETURN coalesce(v_ok, '{}');
END $$;
)SQL";

}  // namespace partnerkit::pg::detail
