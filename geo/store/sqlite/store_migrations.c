/*
 * store_migrations.c - the numbered schema migrations of the SpatiaLite store.
 *
 * Each entry takes the store one version further; store_spatialite.c applies
 * the missing ones at open, each in its own transaction, and records the
 * version in PRAGMA user_version. Never edit a migration that has shipped:
 * add a new one. Timestamps are RFC 3339 UTC text ("2026-07-01T12:00:00Z"),
 * JSON columns hold JSON text, geometry is in the store's SRID (":srid").
 *
 *   1  reference layers: store_meta (the SRID the store was created with),
 *      layers (metadata of the imported reference layers). The per-layer
 *      tables ref_<name> are created by the first import of that layer.
 *   2  form servers and their data: clients, drafts, cases, case_features,
 *      case_events (append-only), idempotency_keys
 *   3  caseworkers: users, sessions
 *   4  users.last_login_at
 *   5  review workflow and webhook outbox
 *   6  case list index by creation time
 *   7  case list order of insertion within a second
 *   8  case versions
 *   9  the case made from a draft (index cases_draft)
 *  10  conflicts a decision overrode (case_event_overrides)
 *  11  draft options set by the form server (drafts.period_editable)
 *  12  a layer's German description (layers.description_de)
 */
#include "sqlite_internal.h"

#include <stddef.h>

static const char *const ge_migration_1[] = {
    "CREATE TABLE store_meta ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL)",
    "INSERT INTO store_meta (key, value) VALUES"
    "  ('srid', :srid),"
    "  ('created_at', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
    /* The layer's features live in "ref_<name>" (fid INTEGER PRIMARY KEY,
     * props TEXT JSON object, geometry GEOMETRY XY in the store SRID with a
     * spatial index); see ge_store_layer_table_create(). */
    "CREATE TABLE layers ("
    "  name TEXT PRIMARY KEY,"
    "  title TEXT NOT NULL DEFAULT '',"
    "  description TEXT NOT NULL DEFAULT '',"
    "  geometry_type TEXT NOT NULL DEFAULT 'Geometry',"
    "  srid INTEGER NOT NULL,"
    "  feature_count INTEGER NOT NULL DEFAULT 0,"
    "  bbox_minx REAL NOT NULL DEFAULT 0,"
    "  bbox_miny REAL NOT NULL DEFAULT 0,"
    "  bbox_maxx REAL NOT NULL DEFAULT 0,"
    "  bbox_maxy REAL NOT NULL DEFAULT 0,"
    "  source TEXT NOT NULL DEFAULT '',"
    "  attribution TEXT NOT NULL DEFAULT '',"
    "  imported_at TEXT NOT NULL,"
    "  version INTEGER NOT NULL DEFAULT 0)",
    NULL,
};

static const char *const ge_migration_2[] = {
    /* Form servers. The API key and the webhook secret are stored as given
     * by the caller: the key as a hash (only its hash is ever known), the
     * webhook secret in the clear because we sign with it. */
    "CREATE TABLE clients ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  api_key_hash TEXT NOT NULL UNIQUE,"
    "  allowed_origins TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(allowed_origins)),"
    "  webhook_url TEXT,"
    "  webhook_secret TEXT,"
    "  created_at TEXT NOT NULL,"
    "  revoked_at TEXT)",
    /* One editing session; the capability token is known only as a hash. */
    "CREATE TABLE drafts ("
    "  id TEXT PRIMARY KEY,"
    "  client_id INTEGER NOT NULL REFERENCES clients (id),"
    "  service TEXT NOT NULL,"
    "  reference TEXT,"
    "  locale TEXT NOT NULL DEFAULT 'de',"
    "  period_start TEXT,"
    "  period_end TEXT,"
    "  features TEXT NOT NULL DEFAULT '{\"type\":\"FeatureCollection\",\"features\":[]}'"
    "    CHECK (json_valid(features)),"
    "  validation TEXT CHECK (validation IS NULL OR json_valid(validation)),"
    "  token_hash TEXT NOT NULL UNIQUE,"
    "  expires_at TEXT NOT NULL,"
    "  submitted_at TEXT,"
    "  created_at TEXT NOT NULL,"
    "  updated_at TEXT NOT NULL)",
    "CREATE INDEX drafts_client ON drafts (client_id, created_at)",
    "CREATE INDEX drafts_expires ON drafts (expires_at)",
    "CREATE TABLE cases ("
    "  id TEXT PRIMARY KEY,"
    "  client_id INTEGER NOT NULL REFERENCES clients (id),"
    "  draft_id TEXT REFERENCES drafts (id) ON DELETE SET NULL,"
    "  service TEXT NOT NULL,"
    "  reference TEXT,"
    "  applicant TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(applicant)),"
    "  period_start TEXT,"
    "  period_end TEXT,"
    "  status TEXT NOT NULL DEFAULT 'submitted',"
    "  report TEXT CHECK (report IS NULL OR json_valid(report)),"
    "  content_hash TEXT,"
    "  created_at TEXT NOT NULL,"
    "  updated_at TEXT NOT NULL,"
    "  closed_at TEXT,"
    "  purged_at TEXT)",
    "CREATE INDEX cases_service_status ON cases (service, status, created_at)",
    "CREATE INDEX cases_period ON cases (period_start, period_end)",
    "CREATE INDEX cases_client ON cases (client_id, created_at)",
    /* The drawn features of a case, one row each, with a spatial index for
     * "which other cases overlap in place and time". An explicit INTEGER
     * PRIMARY KEY because the spatial index refers to rowids, which VACUUM
     * may renumber when they are implicit. */
    "CREATE TABLE case_features ("
    "  fid INTEGER PRIMARY KEY,"
    "  case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,"
    "  idx INTEGER NOT NULL,"
    "  props TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(props)),"
    "  UNIQUE (case_id, idx))",
    "SELECT AddGeometryColumn('case_features', 'geometry', :srid, 'GEOMETRY', 'XY', 1)",
    "SELECT CreateSpatialIndex('case_features', 'geometry')",
    /* The audit trail: rows are only ever added. Rows of a case may go only
     * after the case has been purged (retention). */
    "CREATE TABLE case_events ("
    "  id INTEGER PRIMARY KEY,"
    "  case_id TEXT NOT NULL REFERENCES cases (id),"
    "  at TEXT NOT NULL,"
    "  actor TEXT NOT NULL,"
    "  action TEXT NOT NULL,"
    "  from_status TEXT,"
    "  to_status TEXT,"
    "  comment TEXT)",
    "CREATE INDEX case_events_case ON case_events (case_id, id)",
    "CREATE TRIGGER case_events_append_only_update BEFORE UPDATE ON case_events"
    " BEGIN SELECT RAISE(ABORT, 'case_events is append-only'); END",
    "CREATE TRIGGER case_events_append_only_delete BEFORE DELETE ON case_events"
    " WHEN (SELECT purged_at FROM cases WHERE id = OLD.case_id) IS NULL"
    " BEGIN SELECT RAISE(ABORT, 'case_events is append-only until the case is purged'); END",
    /* The same Idempotency-Key of a client never makes two cases; the request
     * hash tells a retry from a different request under a reused key. */
    "CREATE TABLE idempotency_keys ("
    "  client_id INTEGER NOT NULL REFERENCES clients (id),"
    "  key TEXT NOT NULL,"
    "  case_id TEXT REFERENCES cases (id),"
    "  request_hash TEXT NOT NULL,"
    "  created_at TEXT NOT NULL,"
    "  PRIMARY KEY (client_id, key))",
    "CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at)",
    NULL,
};

static const char *const ge_migration_3[] = {
    "CREATE TABLE users ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  password_hash TEXT NOT NULL,"
    "  roles TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(roles)),"
    "  services TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(services)),"
    "  disabled INTEGER NOT NULL DEFAULT 0,"
    "  failed_logins INTEGER NOT NULL DEFAULT 0,"
    "  locked_until TEXT,"
    "  created_at TEXT NOT NULL,"
    "  updated_at TEXT NOT NULL)",
    /* Session ids and CSRF tokens are known only as hashes. */
    "CREATE TABLE sessions ("
    "  id_hash TEXT PRIMARY KEY,"
    "  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,"
    "  csrf_hash TEXT NOT NULL,"
    "  created_at TEXT NOT NULL,"
    "  last_seen TEXT NOT NULL,"
    "  expires_at TEXT NOT NULL)",
    "CREATE INDEX sessions_user ON sessions (user_id)",
    "CREATE INDEX sessions_expires ON sessions (expires_at)",
    NULL,
};

/* When a user last logged in, for "geoeditor user list". */
static const char *const ge_migration_4[] = {
    "ALTER TABLE users ADD COLUMN last_login_at TEXT",
    NULL,
};

/*
 * The review workflow. A case is received -> in_review -> approved | rejected
 * | changes_requested (changes_requested may go back to in_review); approved
 * and rejected close it (closed_at), which starts its retention period.
 * Every status change is a case_events row with action 'status'; the trigger
 * queues one webhook delivery per such row for the case's form server in the
 * same transaction (an outbox), so a change is never announced without being
 * stored nor stored without being announced. server/webhooks.c sends them.
 * A purged case announces nothing (retention rewrites its events).
 */
static const char *const ge_migration_5[] = {
    "UPDATE cases SET status = 'received' WHERE status = 'submitted'",
    "CREATE INDEX cases_status_closed ON cases (closed_at) WHERE purged_at IS NULL",
    "CREATE TABLE webhook_deliveries ("
    "  id INTEGER PRIMARY KEY,"
    "  event_id INTEGER NOT NULL UNIQUE REFERENCES case_events (id),"
    "  case_id TEXT NOT NULL REFERENCES cases (id),"
    "  client_id INTEGER NOT NULL REFERENCES clients (id),"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_at TEXT NOT NULL,"
    "  last_attempt_at TEXT,"
    "  last_status INTEGER," /* HTTP status of the last attempt; NULL: no answer */
    "  last_error TEXT,"
    "  delivered_at TEXT,"
    "  failed_at TEXT," /* gave up after the last retry */
    "  created_at TEXT NOT NULL)",
    "CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at)"
    " WHERE delivered_at IS NULL AND failed_at IS NULL",
    "CREATE TRIGGER case_events_webhook AFTER INSERT ON case_events"
    " WHEN NEW.action = 'status'"
    "  AND (SELECT purged_at FROM cases WHERE id = NEW.case_id) IS NULL"
    " BEGIN"
    "  INSERT INTO webhook_deliveries (event_id, case_id, client_id, next_attempt_at, created_at)"
    "  SELECT NEW.id, k.id, k.client_id, NEW.at, NEW.at"
    "  FROM cases k JOIN clients c ON c.id = k.client_id"
    "  WHERE k.id = NEW.case_id AND c.webhook_url IS NOT NULL AND c.webhook_url <> '';"
    " END",
    NULL,
};

/*
 * The caseworkers' case list (store_review.c) pages newest first over the
 * cases a user may see. Without this index every list read each case's
 * whole row (report and applicant, some 3 KB) and sorted them; with it the
 * list walks the index backwards, and the index alone answers the
 * visibility, status, period and purge conditions (it covers them), so
 * only the page's rows are read from the table.
 */
static const char *const ge_migration_6[] = {
    "CREATE INDEX cases_created ON cases"
    " (created_at, id, service, status, period_start, period_end, purged_at)",
    NULL,
};

/*
 * Cases submitted in the same second (created_at keeps whole seconds) must
 * list in a fixed order, newest first, not by their random ids. The order
 * of insertion is the rowid, but an index cannot hold the rowid in the
 * middle of its columns, and VACUUM may renumber an implicit rowid: seq
 * keeps each case's rowid from its insertion (a trigger, so that every
 * writer of cases gets it), and cases_created is rebuilt with seq right
 * after created_at, so that the list still walks the index in order and
 * needs no sort.
 */
static const char *const ge_migration_7[] = {
    "ALTER TABLE cases ADD COLUMN seq INTEGER",
    "UPDATE cases SET seq = rowid",
    "CREATE TRIGGER cases_seq AFTER INSERT ON cases WHEN NEW.seq IS NULL"
    " BEGIN UPDATE cases SET seq = NEW.rowid WHERE rowid = NEW.rowid; END",
    "DROP INDEX cases_created",
    "CREATE INDEX cases_created ON cases"
    " (created_at, seq, id, service, status, period_start, period_end, purged_at)",
    NULL,
};

/*
 * Case versions. A case's entity tag (If-Match of PATCH /v1/cases/{id}) was
 * its updated_at, whole seconds, so the decision store had to push a
 * change's time ahead of the clock to keep two quick versions apart: wrong
 * for an audit trail, and the webhook outbox had to claim "future" rows
 * early. version counts the case's versions instead: 1 at submission, and
 * every change of the case adds 1 in the transaction that makes it (a status
 * change, the retention purge); updated_at is the plain time of the change
 * again. Existing cases get the number they would have had had the column
 * always been there: 1 + their status changes + their purge, which the
 * append-only case_events holds (each of those writes exactly one event), so
 * version - 1 always equals the changes in the case's history.
 */
static const char *const ge_migration_8[] = {
    "ALTER TABLE cases ADD COLUMN version INTEGER NOT NULL DEFAULT 1",
    "UPDATE cases SET version = 1 + (SELECT count(*) FROM case_events e"
    " WHERE e.case_id = cases.id AND e.action IN ('status', 'purged'))",
    NULL,
};

/*
 * The case made from a draft, found by the draft's editor link: after
 * submission GET /v1/edit/{token}/map.png prints the submitted case
 * (handlers_staticmap.c). At most one case per draft; partial, as most rows
 * of a long-lived store are purged or have lost their draft.
 */
static const char *const ge_migration_9[] = {
    "CREATE INDEX cases_draft ON cases (draft_id) WHERE draft_id IS NOT NULL",
    NULL,
};

/*
 * An approval over conflicts (PATCH /v1/cases/{id} with override_conflicts)
 * records beside its event each other case that conflicted then, with the
 * distance at that moment, so that the history names them. Apart from
 * case_events.comment, which goes to the form server (the webhook): which
 * other cases are in the way is for caseworkers only. Append-only like the
 * events; the foreign key on the event is deferred because the retention
 * purge writes a case's events anew under their ids in one transaction.
 */
static const char *const ge_migration_10[] = {
    "CREATE TABLE case_event_overrides ("
    "  event_id INTEGER NOT NULL REFERENCES case_events (id) DEFERRABLE INITIALLY DEFERRED,"
    "  case_id TEXT NOT NULL REFERENCES cases (id)," /* the other case */
    "  distance_m REAL NOT NULL,"
    "  PRIMARY KEY (event_id, case_id))",
    "CREATE TRIGGER case_event_overrides_append_only BEFORE UPDATE ON case_event_overrides"
    " BEGIN SELECT RAISE(ABORT, 'case_event_overrides is append-only'); END",
    NULL,
};

/*
 * Options a form server sets on a draft: period_editable lets the applicant
 * change the period in the editor (PUT /v1/edit/{token}/period). Off for
 * every draft made before, as it was.
 */
static const char *const ge_migration_11[] = {
    "ALTER TABLE drafts ADD COLUMN period_editable INTEGER NOT NULL DEFAULT 0"
    " CHECK (period_editable IN (0, 1))",
    NULL,
};

/*
 * The German description of a reference layer, for the German HTML pages of
 * the OGC API; the mapping's "description_de". "description" stays what the
 * mapping says (English for the OSM mapping) and what the JSON documents
 * carry as before.
 */
static const char *const ge_migration_12[] = {
    "ALTER TABLE layers ADD COLUMN description_de TEXT NOT NULL DEFAULT ''",
    NULL,
};

/*
 * The login throttle's cells (server/throttle.c), shared by every process
 * on the store: tbl 0 counts names, 1 address groups; idx is the cell
 * (row * width + column); times are the throttle's Unix seconds, which
 * nothing else reads. A row exists once its cell has counted, so the table
 * never holds more than the sketch's cells.
 */
static const char *const ge_migration_13[] = {
    "CREATE TABLE login_throttle ("
    "  tbl INTEGER NOT NULL,"
    "  idx INTEGER NOT NULL,"
    "  failures INTEGER NOT NULL DEFAULT 0,"
    "  epoch INTEGER NOT NULL DEFAULT 0,"
    "  window_end INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (tbl, idx))",
    NULL,
};

const ge_store_migration ge_store_spatialite_migrations[] = {
    {1, "reference layers", ge_migration_1},
    {2, "form servers, drafts and cases", ge_migration_2},
    {3, "caseworker users and sessions", ge_migration_3},
    {4, "last login of users", ge_migration_4},
    {5, "review workflow and webhook outbox", ge_migration_5},
    {6, "case list index by creation time", ge_migration_6},
    {7, "case list order of insertion within a second", ge_migration_7},
    {8, "case versions", ge_migration_8},
    {9, "case by its draft", ge_migration_9},
    {10, "conflicts a decision overrode", ge_migration_10},
    {11, "draft options", ge_migration_11},
    {12, "German layer descriptions", ge_migration_12},
    {13, "login throttle shared by every instance", ge_migration_13},
};

const size_t ge_store_spatialite_nmigrations =
    sizeof ge_store_spatialite_migrations / sizeof ge_store_spatialite_migrations[0];
