// The schema, as versioned migrations. A migration is never edited once released: a change is a
// new version appended to the list. Everything lives in the schema `partnerkit`.
#include <partnerkit/pg/migrations.hpp>

#include "migration_sql.hpp"

namespace partnerkit::pg {
namespace {

// Version 1: credentials, items, the event log, and the functions workers and the CRM call.
constexpr std::string_view v1 = R"SQL(
-- One row per vendor credential a worker uses: identified by a hash of vendor + account + API key
-- (computed by the worker; the key itself never reaches the database), holding that credential's
-- GCRA state so every worker shares one rate limit.
CREATE TABLE partnerkit.credentials (
  id              bigserial PRIMARY KEY,
  fingerprint     text NOT NULL UNIQUE CHECK (fingerprint ~ '^[0-9a-f]{64}$'),
  vendor          text NOT NULL,
  interval_us     bigint NOT NULL DEFAULT 0 CHECK (interval_us >= 0),   -- 1e6 / rate; 0 = no limit
  burst           integer NOT NULL DEFAULT 1 CHECK (burst >= 1),
  tat             timestamptz NOT NULL DEFAULT '-infinity',             -- GCRA theoretical arrival time
  penalty_until   timestamptz NOT NULL DEFAULT '-infinity',             -- a 429 / Retry-After seen by any worker
  penalties       bigint NOT NULL DEFAULT 0,
  created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE partnerkit.items (
  id               bigserial PRIMARY KEY,
  tenant           text NOT NULL CHECK (tenant <> '' AND length(tenant) <= 200),
  vendor           text NOT NULL CHECK (vendor ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
  operation        text NOT NULL CHECK (operation IN ('create', 'find', 'get', 'update', 'deactivate')),
  idempotency_key  text NOT NULL CHECK (idempotency_key <> '' AND length(idempotency_key) <= 500),
  -- one partner's operations run in id order: at most one of them is unfinished-and-claimed at a time
  partner_key      text NOT NULL CHECK (partner_key <> ''),
  spec             jsonb NOT NULL CHECK (jsonb_typeof(spec) = 'object' AND NOT spec ? 'password'),
  state            text NOT NULL DEFAULT 'pending'
                   CHECK (state IN ('pending', 'running', 'reconcile', 'done', 'failed')),
  reconciling      boolean NOT NULL DEFAULT false,  -- claimed out of reconcile: look the partner up first
  attempt          integer NOT NULL DEFAULT 0,      -- the fencing token: +1 on every claim
  lease_owner      text,
  lease_expires_at timestamptz,
  run_after        timestamptz NOT NULL DEFAULT now(),
  result           jsonb,
  error_code       text,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  finished_at      timestamptz,
  CONSTRAINT items_idempotency UNIQUE (tenant, operation, idempotency_key),
  CONSTRAINT items_lease CHECK ((state = 'running') = (lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL))
);
CREATE INDEX items_claimable ON partnerkit.items (id) WHERE state IN ('pending', 'reconcile');
CREATE INDEX items_partner_open ON partnerkit.items (tenant, vendor, partner_key, id)
  WHERE state IN ('pending', 'running', 'reconcile');
CREATE INDEX items_leases ON partnerkit.items (lease_expires_at) WHERE state = 'running';
CREATE INDEX items_finished ON partnerkit.items (finished_at) WHERE state IN ('done', 'failed');

-- Append-only: an intent before every request, the response after it, and every state change.
CREATE TABLE partnerkit.events (
  id       bigserial PRIMARY KEY,
  item_id  bigint NOT NULL REFERENCES partnerkit.items (id) ON DELETE CASCADE,
  attempt  integer NOT NULL,
  kind     text NOT NULL CHECK (kind IN ('enqueued', 'claimed', 'intent', 'response', 'completed', 'refused', 'rescued')),
  worker   text,
  detail   jsonb,
  at       timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX events_item ON partnerkit.events (item_id, id);

CREATE FUNCTION partnerkit.events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'partnerkit.events is append-only' USING ERRCODE = 'P0001';
END $$;
CREATE TRIGGER events_append_only BEFORE UPDATE ON partnerkit.events
  FOR EACH ROW EXECUTE FUNCTION partnerkit.events_append_only();

-- Enqueue: callable inside the CRM's own transaction. Idempotent on (tenant, operation,
-- idempotency_key): the same key again returns the existing item (created = false); the same key
-- with a different vendor or spec is refused. The NOTIFY is delivered when the caller commits.
CREATE FUNCTION partnerkit.enqueue(p_tenant text, p_vendor text, p_operation text, p_idempotency_key text,
                                   p_spec jsonb, p_partner_key text DEFAULT NULL,
                                   p_run_after timestamptz DEFAULT NULL)
RETURNS TABLE (item_id bigint, created boolean) LANGUAGE plpgsql AS $$
DECLARE
  v_id bigint;
  v_existing partnerkit.items;
  v_partner text;
BEGIN
  IF p_spec IS NULL OR jsonb_typeof(p_spec) <> 'object' THEN
    RAISE EXCEPTION 'spec must be a JSON object' USING ERRCODE = 'P0001';
  END IF;
  IF p_spec ? 'password' THEN
    RAISE EXCEPTION 'spec.password: secrets are never stored in the database' USING ERRCODE = 'P0001';
  END IF;
  IF jsonb_typeof(p_spec -> 'email') IS DISTINCT FROM 'string' AND p_operation = 'create' THEN
    RAISE EXCEPTION 'spec.email: required' USING ERRCODE = 'P0001';
  END IF;
  v_partner := coalesce(nullif(p_partner_key, ''), nullif(p_spec ->> 'external_id', ''), lower(p_spec ->> 'email'));
  IF v_partner IS NULL THEN
    RAISE EXCEPTION 'partner key: give p_partner_key, spec.external_id or spec.email' USING ERRCODE = 'P0001';
  END IF;
  INSERT INTO partnerkit.items (tenant, vendor, operation, idempotency_key, partner_key, spec, run_after)
  VALUES (p_tenant, p_vendor, p_operation, p_idempotency_key, v_partner, p_spec, coalesce(p_run_after, now()))
  ON CONFLICT ON CONSTRAINT items_idempotency DO NOTHING
  RETURNING id INTO v_id;
  IF v_id IS NOT NULL THEN
    INSERT INTO partnerkit.events (item_id, attempt, kind) VALUES (v_id, 0, 'enqueued');
    PERFORM pg_notify('partnerkit_items', p_vendor);
    RETURN QUERY SELECT v_id, true;
    RETURN;
  END IF;
  SELECT * INTO v_existing FROM partnerkit.items i
   WHERE i.tenant = p_tenant AND i.operation = p_operation AND i.idempotency_key = p_idempotency_key;
  IF v_existing.vendor <> p_vendor OR v_existing.spec <> p_spec THEN
    RAISE EXCEPTION 'idempotency key % of tenant % was used for a different request', p_idempotency_key, p_tenant
      USING ERRCODE = 'unique_violation';
  END IF;
  RETURN QUERY SELECT v_existing.id, false;
END $$;

-- Claim up to p_limit items for p_owner with a lease of p_lease. SKIP LOCKED: concurrent claimers
-- never wait for nor get the same row. An item is claimable only when no earlier item of the same
-- partner (tenant, vendor, partner_key) is unfinished, so one partner's operations run in order.
-- Items in 'reconcile' are claimed like pending ones, flagged reconciling.
CREATE FUNCTION partnerkit.claim(p_owner text, p_limit integer, p_lease interval, p_vendors text[] DEFAULT NULL)
RETURNS SETOF partnerkit.items LANGUAGE sql AS $$
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

-- Extends the leases p_owner still holds (same attempt, still running); returns their ids. An id
-- missing from the answer was rescued or taken over: its worker must stop working on it.
CREATE FUNCTION partnerkit.heartbeat(p_owner text, p_ids bigint[], p_attempts integer[], p_lease interval)
RETURNS SETOF bigint LANGUAGE sql AS $$
  UPDATE partnerkit.items i
     SET lease_expires_at = clock_timestamp() + p_lease, updated_at = clock_timestamp()
    FROM unnest(p_ids, p_attempts) AS h(id, attempt)
   WHERE i.id = h.id AND i.attempt = h.attempt AND i.state = 'running' AND i.lease_owner = p_owner
  RETURNING i.id
$$;

-- Records an event of the attempt that holds the item (the intent before a request, the response
-- after it). Fenced: false (and nothing written) unless the item is running under p_attempt.
CREATE FUNCTION partnerkit.record_event(p_id bigint, p_attempt integer, p_owner text, p_kind text, p_detail jsonb)
RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM partnerkit.items WHERE id = p_id AND attempt = p_attempt AND state = 'running' FOR SHARE;
  IF NOT FOUND THEN
    RETURN false;
  END IF;
  INSERT INTO partnerkit.events (item_id, attempt, kind, worker, detail) VALUES (p_id, p_attempt, p_kind, p_owner, p_detail);
  RETURN true;
END $$;

-- Applies an attempt's outcome only under its attempt number (the fencing token): a worker whose
-- lease was rescued or taken over gets false and changes nothing (a 'refused' event records it).
-- p_outcome: done | failed (final), retry (nothing was applied: pending again after p_retry_in),
-- reconcile (may have been applied: look it up before sending again).
CREATE FUNCTION partnerkit.complete(p_id bigint, p_attempt integer, p_owner text, p_outcome text, p_result jsonb,
                                    p_error_code text DEFAULT NULL, p_retry_in interval DEFAULT '0')
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  v_state text;
BEGIN
  IF p_outcome NOT IN ('done', 'failed', 'retry', 'reconcile') THEN
    RAISE EXCEPTION 'outcome must be done, failed, retry or reconcile' USING ERRCODE = 'P0001';
  END IF;
  v_state := CASE p_outcome WHEN 'retry' THEN 'pending' ELSE p_outcome END;
  UPDATE partnerkit.items
     SET state = v_state, result = p_result, error_code = p_error_code,
         reconciling = (p_outcome = 'reconcile'),
         lease_owner = NULL, lease_expires_at = NULL,
         run_after = CASE WHEN p_outcome = 'retry' THEN clock_timestamp() + p_retry_in ELSE run_after END,
         updated_at = clock_timestamp(),
         finished_at = CASE WHEN p_outcome IN ('done', 'failed') THEN clock_timestamp() END
   WHERE id = p_id AND attempt = p_attempt AND state = 'running';
  IF FOUND THEN
    INSERT INTO partnerkit.events (item_id, attempt, kind, worker, detail)
    VALUES (p_id, p_attempt, 'completed', p_owner, jsonb_build_object('outcome', p_outcome, 'error_code', p_error_code));
    IF v_state = 'pending' THEN
      PERFORM pg_notify('partnerkit_items', (SELECT vendor FROM partnerkit.items WHERE id = p_id));
    END IF;
    RETURN true;
  END IF;
  IF EXISTS (SELECT 1 FROM partnerkit.items WHERE id = p_id) THEN
    INSERT INTO partnerkit.events (item_id, attempt, kind, worker, detail)
    VALUES (p_id, p_attempt, 'refused', p_owner, jsonb_build_object('outcome', p_outcome, 'error_code', p_error_code));
  END IF;
  RETURN false;
END $$;

-- Leases that expired (their worker died or hung): to 'reconcile', never straight back to pending —
-- the request may have reached the vendor. Returns the rescued ids.
CREATE FUNCTION partnerkit.rescue_expired(p_limit integer DEFAULT 1000)
RETURNS SETOF bigint LANGUAGE sql AS $$
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

-- The credential's row (created on first use); rate and burst are updated to the caller's.
CREATE FUNCTION partnerkit.ensure_credential(p_fingerprint text, p_vendor text, p_rate double precision, p_burst integer)
RETURNS bigint LANGUAGE sql AS $$
  INSERT INTO partnerkit.credentials AS c (fingerprint, vendor, interval_us, burst)
  VALUES (p_fingerprint, p_vendor,
          CASE WHEN p_rate IS NULL OR p_rate <= 0 THEN 0 ELSE ceil(1e6 / p_rate)::bigint END, greatest(p_burst, 1))
  ON CONFLICT (fingerprint) DO UPDATE SET interval_us = excluded.interval_us, burst = excluded.burst
  RETURNING c.id
$$;

-- GCRA on the database's clock. Reserves up to p_count send slots for the credential, atomically
-- (the row lock serializes every worker), and returns each slot's time and the wait from now until
-- then in microseconds. Slots further than p_max_delay_us ahead are not reserved (fewer rows), so
-- a worker never holds items for long waits. The clock is read after the lock is taken
-- (clock_timestamp(), not the transaction's now(), which may be older than the lock wait).
-- Virtual scheduling form: a slot is max(now, TAT - tau, penalty); then TAT = max(TAT, slot) + T,
-- with T = 1/rate and tau = (burst - 1) * T.
CREATE FUNCTION partnerkit.reserve_slots(p_credential bigint, p_count integer, p_max_delay_us bigint)
RETURNS TABLE (slot_at timestamptz, delay_us bigint) LANGUAGE plpgsql AS $$
DECLARE
  c partnerkit.credentials;
  v_now timestamptz;
  v_tau interval;
  v_t interval;
  v_slot timestamptz;
  v_tat timestamptz;
BEGIN
  SELECT * INTO c FROM partnerkit.credentials WHERE id = p_credential FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no credential %', p_credential USING ERRCODE = 'P0001';
  END IF;
  v_now := clock_timestamp();
  v_t := make_interval(secs => c.interval_us / 1e6);
  v_tau := v_t * (c.burst - 1);
  v_tat := c.tat;
  FOR k IN 1 .. greatest(p_count, 0) LOOP
    v_slot := greatest(v_now, v_tat - v_tau, c.penalty_until);
    EXIT WHEN v_slot - v_now > make_interval(secs => p_max_delay_us / 1e6);
    v_tat := greatest(v_tat, v_slot) + v_t;
    slot_at := v_slot;
    delay_us := (extract(epoch FROM (v_slot - v_now)) * 1e6)::bigint;
    RETURN NEXT;
  END LOOP;
  IF v_tat IS DISTINCT FROM c.tat THEN
    UPDATE partnerkit.credentials SET tat = v_tat WHERE id = p_credential;
  END IF;
END $$;

-- A 429 / Retry-After seen by one worker slows all: no slot of this credential starts before
-- now + p_retry_after.
CREATE FUNCTION partnerkit.penalize(p_credential bigint, p_retry_after interval)
RETURNS void LANGUAGE sql AS $$
  UPDATE partnerkit.credentials
     SET penalty_until = greatest(penalty_until, clock_timestamp() + p_retry_after),
         tat = greatest(tat, clock_timestamp() + p_retry_after), penalties = penalties + 1
   WHERE id = p_credential
$$;
)SQL";

// Version 2 (the worker): a reconcile outcome waits p_retry_in too (a vendor that keeps failing is
// not hammered by instant re-claims), and retention of finished items.
constexpr std::string_view v2 = R"SQL(
CREATE OR REPLACE FUNCTION partnerkit.complete(p_id bigint, p_attempt integer, p_owner text, p_outcome text,
                                               p_result jsonb, p_error_code text DEFAULT NULL,
                                               p_retry_in interval DEFAULT '0')
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  v_state text;
BEGIN
  IF p_outcome NOT IN ('done', 'failed', 'retry', 'reconcile') THEN
    RAISE EXCEPTION 'outcome must be done, failed, retry or reconcile' USING ERRCODE = 'P0001';
  END IF;
  v_state := CASE p_outcome WHEN 'retry' THEN 'pending' ELSE p_outcome END;
  UPDATE partnerkit.items
     SET state = v_state, result = p_result, error_code = p_error_code,
         reconciling = (p_outcome = 'reconcile'),
         lease_owner = NULL, lease_expires_at = NULL,
         run_after = CASE WHEN p_outcome IN ('retry', 'reconcile') THEN clock_timestamp() + p_retry_in
                          ELSE run_after END,
         updated_at = clock_timestamp(),
         finished_at = CASE WHEN p_outcome IN ('done', 'failed') THEN clock_timestamp() END
   WHERE id = p_id AND attempt = p_attempt AND state = 'running';
  IF FOUND THEN
    INSERT INTO partnerkit.events (item_id, attempt, kind, worker, detail)
    VALUES (p_id, p_attempt, 'completed', p_owner, jsonb_build_object('outcome', p_outcome, 'error_code', p_error_code));
    IF v_state IN ('pending', 'reconcile') THEN
      PERFORM pg_notify('partnerkit_items', (SELECT vendor FROM partnerkit.items WHERE id = p_id));
    END IF;
    RETURN true;
  END IF;
  IF EXISTS (SELECT 1 FROM partnerkit.items WHERE id = p_id) THEN
    INSERT INTO partnerkit.events (item_id, attempt, kind, worker, detail)
    VALUES (p_id, p_attempt, 'refused', p_owner, jsonb_build_object('outcome', p_outcome, 'error_code', p_error_code));
  END IF;
  RETURN false;
END $$;

-- Retention: finished (done or failed) items that finished more than p_older_than ago, with their
-- events; at most p_limit per call (call again while it returns p_limit). Returns how many went.
CREATE FUNCTION partnerkit.prune(p_older_than interval, p_limit integer DEFAULT 10000)
RETURNS bigint LANGUAGE sql AS $$
  WITH gone AS (
    DELETE FROM partnerkit.items WHERE id IN (
      SELECT id FROM partnerkit.items
       WHERE state IN ('done', 'failed') AND finished_at < clock_timestamp() - p_older_than
       ORDER BY finished_at LIMIT p_limit)
    RETURNING 1)
  SELECT count(*) FROM gone
$$;
)SQL";

// Version 3 (operations and pacing): the response event beside each completion; a partner key
// from partner_id for operations that name their partner by the vendor's id; a 429 at the limit
// slows a credential by a small factor that wins itself back (half of it every 5 s) instead of
// pausing it, and only a vendor that says the key is exhausted pauses it (issue 11's policy, shared
// by every worker).
constexpr std::string_view v3 = R"SQL(
ALTER TABLE partnerkit.credentials
  ADD COLUMN slowdown double precision NOT NULL DEFAULT 1 CHECK (slowdown >= 1),
  ADD COLUMN slowdown_at timestamptz NOT NULL DEFAULT '-infinity';

-- The slowdown left now: its excess over 1 halves every 5 s.
CREATE FUNCTION partnerkit.slowdown_now(c partnerkit.credentials) RETURNS double precision
LANGUAGE sql STABLE AS $$
  SELECT CASE WHEN c.slowdown <= 1 THEN 1
              ELSE 1 + (c.slowdown - 1) * power(0.5, least(60, extract(epoch FROM clock_timestamp() - c.slowdown_at) / 5))
         END
$$;

CREATE OR REPLACE FUNCTION partnerkit.reserve_slots(p_credential bigint, p_count integer, p_max_delay_us bigint)
RETURNS TABLE (slot_at timestamptz, delay_us bigint) LANGUAGE plpgsql AS $$
DECLARE
  c partnerkit.credentials;
  v_now timestamptz;
  v_tau interval;
  v_t interval;
  v_slot timestamptz;
  v_tat timestamptz;
BEGIN
  SELECT * INTO c FROM partnerkit.credentials WHERE id = p_credential FOR UPDATE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'no credential %', p_credential USING ERRCODE = 'P0001';
  END IF;
  v_now := clock_timestamp();
  v_t := make_interval(secs => c.interval_us * partnerkit.slowdown_now(c) / 1e6);
  v_tau := v_t * (c.burst - 1);
  v_tat := c.tat;
  FOR k IN 1 .. greatest(p_count, 0) LOOP
    v_slot := greatest(v_now, v_tat - v_tau, c.penalty_until);
    EXIT WHEN v_slot - v_now > make_interval(secs => p_max_delay_us / 1e6);
    v_tat := greatest(v_tat, v_slot) + v_t;
    slot_at := v_slot;
    delay_us := (extract(epoch FROM (v_slot - v_now)) * 1e6)::bigint;
    RETURN NEXT;
  END LOOP;
  IF v_tat IS DISTINCT FROM c.tat THEN
    UPDATE partnerkit.credentials SET tat = v_tat WHERE id = p_credential;
  END IF;
END $$;

-- A 429 seen by one worker slows all. p_exhausted (the vendor said Remaining 0 until a reset): no
-- slot starts before now + p_retry_after. Otherwise the 429 was jitter at the limit: the request
-- itself waits its Retry-After (on the queue), and the credential's rate drops by 5 % (at most
-- halved), recovering as above.
DROP FUNCTION partnerkit.penalize(bigint, interval);
CREATE FUNCTION partnerkit.penalize(p_credential bigint, p_retry_after interval, p_exhausted boolean DEFAULT true)
RETURNS void LANGUAGE sql AS $$
  UPDATE partnerkit.credentials c
     SET penalty_until = CASE WHEN p_exhausted THEN greatest(penalty_until, clock_timestamp() + p_retry_after)
                              ELSE penalty_until END,
         tat = CASE WHEN p_exhausted THEN greatest(tat, clock_timestamp() + p_retry_after) ELSE tat END,
         slowdown = CASE WHEN p_exhausted THEN slowdown ELSE least(2, partnerkit.slowdown_now(c) * 1.05) END,
         slowdown_at = CASE WHEN p_exhausted THEN slowdown_at ELSE clock_timestamp() END,
         penalties = penalties + 1
   WHERE id = p_credential
$$;

-- The partner key also from partner_id (find, get, update, deactivate naming the vendor's id).
-- External id and email come first, so a create and the operations after it that name the same
-- partner by either run in order.
CREATE OR REPLACE FUNCTION partnerkit.enqueue(p_tenant text, p_vendor text, p_operation text, p_idempotency_key text,
                                              p_spec jsonb, p_partner_key text DEFAULT NULL,
                                              p_run_after timestamptz DEFAULT NULL)
RETURNS TABLE (item_id bigint, created boolean) LANGUAGE plpgsql AS $$
DECLARE
  v_id bigint;
  v_existing partnerkit.items;
  v_partner text;
BEGIN
  IF p_spec IS NULL OR jsonb_typeof(p_spec) <> 'object' THEN
    RAISE EXCEPTION 'spec must be a JSON object' USING ERRCODE = 'P0001';
  END IF;
  IF p_spec ? 'password' THEN
    RAISE EXCEPTION 'spec.password: secrets are never stored in the database' USING ERRCODE = 'P0001';
  END IF;
  IF jsonb_typeof(p_spec -> 'email') IS DISTINCT FROM 'string' AND p_operation = 'create' THEN
    RAISE EXCEPTION 'spec.email: required' USING ERRCODE = 'P0001';
  END IF;
  v_partner := coalesce(nullif(p_partner_key, ''), nullif(p_spec ->> 'external_id', ''),
                        nullif(lower(p_spec ->> 'email'), ''),
                        CASE WHEN jsonb_typeof(p_spec -> 'partner_id') IN ('string', 'number')
                             THEN 'id:' || (p_spec ->> 'partner_id') END);
  IF v_partner IS NULL THEN
    RAISE EXCEPTION 'partner key: give p_partner_key, spec.external_id, spec.email or spec.partner_id'
      USING ERRCODE = 'P0001';
  END IF;
  INSERT INTO partnerkit.items (tenant, vendor, operation, idempotency_key, partner_key, spec, run_after)
  VALUES (p_tenant, p_vendor, p_operation, p_idempotency_key, v_partner, p_spec, coalesce(p_run_after, now()))
  ON CONFLICT ON CONSTRAINT items_idempotency DO NOTHING
  RETURNING id INTO v_id;
  IF v_id IS NOT NULL THEN
    INSERT INTO partnerkit.events (item_id, attempt, kind) VALUES (v_id, 0, 'enqueued');
    PERFORM pg_notify('partnerkit_items', p_vendor);
    RETURN QUERY SELECT v_id, true;
    RETURN;
  END IF;
  SELECT * INTO v_existing FROM partnerkit.items i
   WHERE i.tenant = p_tenant AND i.operation = p_operation AND i.idempotency_key = p_idempotency_key;
  IF v_existing.vendor <> p_vendor OR v_existing.spec <> p_spec THEN
    RAISE EXCEPTION 'idempotency key % of tenant % was used for a different request', p_idempotency_key, p_tenant
      USING ERRCODE = 'unique_violation';
  END IF;
  RETURN QUERY SELECT v_existing.id, false;
END $$;

-- complete() with the answer's summary: a 'response' event (what the vendor said: outcome or error
-- code, status, partner id, attempts) before 'completed' — or before 'refused', so even a fenced
-- worker's request stays on the record.
DROP FUNCTION partnerkit.complete(bigint, integer, text, text, jsonb, text, interval);
CREATE FUNCTION partnerkit.complete(p_id bigint, p_attempt integer, p_owner text, p_outcome text,
                                    p_result jsonb, p_error_code text DEFAULT NULL,
                                    p_retry_in interval DEFAULT '0', p_response jsonb DEFAULT NULL)
RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
  v_state text;
BEGIN
  IF p_outcome NOT IN ('done', 'failed', 'retry', 'reconcile') THEN
    RAISE EXCEPTION 'outcome must be done, failed, retry or reconcile' USING ERRCODE = 'P0001';
  END IF;
  IF p_response IS NOT NULL THEN
    INSERT INTO partnerkit.events (item_id, attempt, kind, worker, detail)
    SELECT p_id, p_attempt, 'response', p_owner, p_response WHERE EXISTS (SELECT 1 FROM partnerkit.items WHERE id = p_id);
  END IF;
  v_state := CASE p_outcome WHEN 'retry' THEN 'pending' ELSE p_outcome END;
  UPDATE partnerkit.items
     SET state = v_state, result = p_result, error_code = p_error_code,
         reconciling = (p_outcome = 'reconcile'),
         lease_owner = NULL, lease_expires_at = NULL,
         run_after = CASE WHEN p_outcome IN ('retry', 'reconcile') THEN clock_timestamp() + p_retry_in
                          ELSE run_after END,
         updated_at = clock_timestamp(),
         finished_at = CASE WHEN p_outcome IN ('done', 'failed') THEN clock_timestamp() END
   WHERE id = p_id AND attempt = p_attempt AND state = 'running';
  IF FOUND THEN
    INSERT INTO partnerkit.events (item_id, attempt, kind, worker, detail)
    VALUES (p_id, p_attempt, 'completed', p_owner, jsonb_build_object('outcome', p_outcome, 'error_code', p_error_code));
    IF v_state IN ('pending', 'reconcile') THEN
      PERFORM pg_notify('partnerkit_items', (SELECT vendor FROM partnerkit.items WHERE id = p_id));
    END IF;
    RETURN true;
  END IF;
  IF EXISTS (SELECT 1 FROM partnerkit.items WHERE id = p_id) THEN
    INSERT INTO partnerkit.events (item_id, attempt, kind, worker, detail)
    VALUES (p_id, p_attempt, 'refused', p_owner, jsonb_build_object('outcome', p_outcome, 'error_code', p_error_code));
  END IF;
  RETURN false;
END $$;
)SQL";

const Migration all_migrations[] = {
    {1, "queue: credentials, items, events, enqueue/claim/heartbeat/complete/rescue, GCRA", v1},
    {2, "worker: reconcile waits its retry_in; prune (retention)", v2},
    {3,
     "operations: response events, partner keys from partner_id; pacing: slowdown on 429, pause when "
     "exhausted",
     v3},
    {4, "throughput: claim plans independent of statistics; set-based record_intents and complete_many",
     detail::migration_v4},
    {5, "pacing: the rate policy per credential (a stated limit learnt, a probe upward) shared by workers",
     detail::migration_v5},
    {6, "pacing: a slower rate policy pushes the credential's TAT out", detail::migration_v6},
};

}  // namespace

std::span<const Migration> migrations() noexcept { return all_migrations; }

}  // namespace partnerkit::pg
