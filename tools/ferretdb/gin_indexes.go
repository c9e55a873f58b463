// GIN index sync: --gin-sync-interval (default 2s; 0 disables it; PostgreSQL handler only).
//
// Why: FerretDB 1.24 on PostgreSQL never reads through the indexes it creates. It stores each
// document in one jsonb column `_jsonb` and turns an equality filter `{f: v}` (or `{f: {$eq: v}}`)
// into `_jsonb->$1 @> $2` with $1 = 'f' (internal/backends/postgresql/query.go, filterEqual),
// while the indexes it creates for `createIndexes` are btree on `((_jsonb->'f'))`
// (internal/backends/postgresql/metadata/registry.go, indexesCreate), which cannot serve `@>`:
// every lookup is a sequential scan (146 ms at 200k documents). A GIN expression index
// `USING gin ((_jsonb -> 'f'))` serves `@>` (3 ms at 200k), so this loop keeps one such index for
// `_id` and for every field of every index the apps declare, on every FerretDB collection table.
//
// Where it reads what to index: each MongoDB database is a PostgreSQL schema holding the table
// `_ferretdb_database_metadata`, one jsonb row per collection (metadata/metadata.go, marshal):
// `{"_id": <collection>, "table": <table>, "indexes": [{"name", "pgindex", "key": {<field>: 1|-1},
// "unique"}], ...}`. Fields with a dot (`upload.syncStatus`) are skipped: the embedded server runs
// with EnableNestedPushdown off (ferretdb.Config cannot set it), so internal/handler/msg_find.go
// removes dotted keys from the filter before it reaches SQL and no index could serve them.
//
// Plans: FerretDB runs its queries as prepared statements (pgx QueryExecModeCacheStatement) whose
// field name is a parameter. After five executions PostgreSQL may switch such a statement to a
// generic plan, in which `_jsonb->$1` matches no expression index; a connection that did so before
// the GIN index existed keeps scanning sequentially (measured: idx_scan stayed 0). So when the loop
// is on, main.go adds plan_cache_mode=force_custom_plan to FerretDB's PostgreSQL connections
// (unless the URL sets plan_cache_mode itself): every execution is planned with its values.
// It also adds enable_seqscan=off. A document of more than ~2 KB lives in TOAST, so the heap the
// planner costs a sequential scan by stays small (about 50 pages for 1,100 coverage documents
// of 150 KB), while evaluating `_jsonb -> 'f'` on each row detoasts the whole document. The
// planner therefore chose sequential scans over the GIN indexes on application_files,
// application_passes and application_coverages once ~1,100 logs were stored. PostgreSQL then
// spent 0.7–1.5 s of CPU per processed log instead of 0.12 s (tools/bench/fleet.bench.ts). With the
// setting off, a query that no index serves is still answered by a sequential scan.
//
// Naming and ownership: `<table, at most 40 chars>_gin_<16 hex of sha256(table NUL field)>`.
// FerretDB's own index names end in `_idx` and it only ever drops those, by name, so the two never
// collide; DROP TABLE … CASCADE (dropping a collection or database) removes ours with the table.
// When a declared index goes away, the loop drops the GIN index of any field no index names.
//
// Locks: tables smaller than ginConcurrentMinBytes get a plain CREATE INDEX IF NOT EXISTS. It
// holds a SHARE lock (writes wait, reads do not) for the few milliseconds of the build and waits
// for nothing while holding it. CREATE INDEX CONCURRENTLY would not block writes, but before it
// finishes it waits for every transaction whose snapshot is older than its own; a FerretDB
// DROP TABLE / DROP SCHEMA / CREATE INDEX on the same table queued behind it is such a
// transaction, so the two deadlock and PostgreSQL aborts one of them. Measured with CONCURRENTLY
// for every table, while 4 clients created, indexed, filled and dropped databases: 2 of 60
// createIndexes calls failed with "deadlock detected"; with the plain build for small tables,
// none (and no deadlock at all). Bigger tables, where a plain build would hold writes for seconds
// (2.8 s for the GIN index of a 1M-document, 326 MB table), do use CONCURRENTLY; this session's
// deadlock_timeout is lowered to ginDeadlockTimeout so that it, not FerretDB, is normally the one
// aborted (measured with CONCURRENTLY everywhere: 2 deadlocks, both ours, no client error).
// A failed concurrent build leaves an INVALID index, which the next attempt drops and rebuilds.
//
// Bounded: every statement runs with lock_timeout, on one connection of its own; one pass at a
// time, then a full interval of rest; tables already in sync are skipped (cached by table oid +
// field set); PostgreSQL errors are logged at warn (the same one at most once a minute) and
// retried on a later tick, backing off per table up to ginMaxBackoff; nothing here is fatal.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

const (
	// ferretMetadataTable is FerretDB's per-schema metadata table
	// (internal/backends/postgresql/metadata/registry.go, metadataTableName).
	ferretMetadataTable = "_ferretdb_database_metadata"

	// ginConcurrentMinBytes: tables at least this big (heap, main fork) get CREATE INDEX
	// CONCURRENTLY; smaller ones a plain CREATE INDEX (see the file comment).
	ginConcurrentMinBytes = 32 << 20

	// ginLockTimeout bounds every wait for a lock, so that a writer queued behind one of our
	// statements waits at most this long.
	ginLockTimeout = "1s"

	// ginConcurrentLockTimeout bounds each wait of a concurrent build for older transactions.
	ginConcurrentLockTimeout = "10s"

	// ginDeadlockTimeout is this session's deadlock_timeout (the server's default is 1s).
	ginDeadlockTimeout = "50ms"

	// ginMaxBackoff caps the delay before retrying a table whose last attempt failed.
	ginMaxBackoff = 5 * time.Minute

	// ginCatalogTimeout bounds each catalog query.
	ginCatalogTimeout = 10 * time.Second
)

// ginIndexNameRE recognises the indexes this loop owns.
var ginIndexNameRE = regexp.MustCompile(`_gin_[0-9a-f]{16}$`)

// ginIndexName returns the deterministic name of the GIN index on table's field.
func ginIndexName(table, field string) string {
	sum := sha256.Sum256([]byte(table + "\x00" + field))
	prefix := table
	if len(prefix) > 40 {
		prefix = prefix[:40]
	}
	return prefix + "_gin_" + hex.EncodeToString(sum[:8])
}

// ginFieldExpr returns the indexed expression for a top-level field, exactly as PostgreSQL
// prints the one FerretDB's filter becomes with the field bound: `_jsonb -> 'f'`.
// The field is quoted as a literal like FerretDB's quoteString does (FerretDB checks that the
// server has standard_conforming_strings on).
func ginFieldExpr(field string) string {
	return "(_jsonb -> '" + strings.ReplaceAll(field, "'", "''") + "')"
}

// ginIndexedField reports whether an index key field gets a GIN index: only top-level fields,
// because only those are pushed down to SQL.
func ginIndexedField(field string) bool {
	return field != "" && !strings.HasPrefix(field, "$") && !strings.Contains(field, ".")
}

// plannerSettings are added to FerretDB's PostgreSQL connections while the GIN loop runs (see
// "Plans" above), each unless the URL sets it already, in this order.
var plannerSettings = [][2]string{{"plan_cache_mode", "force_custom_plan"}, {"enable_seqscan", "off"}}

// withPlannerSettings returns the PostgreSQL URL (URI or key=value form) with plannerSettings added.
func withPlannerSettings(pgURL string) (string, error) {
	if strings.HasPrefix(pgURL, "postgres://") || strings.HasPrefix(pgURL, "postgresql://") {
		u, err := url.Parse(pgURL)
		if err != nil {
			return "", err
		}
		q := u.Query()
		for _, setting := range plannerSettings {
			if !q.Has(setting[0]) {
				q.Set(setting[0], setting[1])
			}
		}
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	out := strings.TrimSpace(pgURL)
	for _, setting := range plannerSettings {
		if !strings.Contains(out, setting[0]+"=") {
			out += " " + setting[0] + "=" + setting[1]
		}
	}
	return strings.TrimSpace(out), nil
}

// ginTable is one FerretDB collection table and the fields that should have a GIN index.
type ginTable struct {
	schema, table string
	oid           uint32
	fields        []string // sorted, unique, always includes _id
}

func (t ginTable) key() string { return t.schema + "\x00" + t.table }

// signature identifies the table and field set a pass brought in sync.
func (t ginTable) signature() string {
	return fmt.Sprintf("%d\x00%s", t.oid, strings.Join(t.fields, "\x00"))
}

type ginRetry struct {
	failures int
	next     time.Time
}

// ginSyncer keeps the GIN indexes in step with FerretDB's metadata.
type ginSyncer struct {
	pool     *pgxpool.Pool
	interval time.Duration
	l        *slog.Logger

	synced map[string]string   // ginTable.key() -> signature of the last successful pass
	retry  map[string]ginRetry // ginTable.key() -> backoff after failed attempts

	lastWarn   string
	lastWarnAt time.Time
	suppressed int
	warnEvery  time.Duration
	now        func() time.Time
}

// runGinSync runs the loop until ctx is done. It never returns an error: a PostgreSQL that is
// down or misbehaving only produces warnings.
func runGinSync(ctx context.Context, pgURL string, interval time.Duration, l *slog.Logger) {
	l = l.With("component", "gin-sync")

	cfg, err := pgxpool.ParseConfig(pgURL)
	if err != nil {
		l.Warn("GIN index sync disabled: cannot parse the PostgreSQL URL", "error", err)
		return
	}
	cfg.MaxConns = 1
	cfg.MinConns = 0
	cfg.MaxConnIdleTime = time.Minute
	cfg.ConnConfig.RuntimeParams["application_name"] = "ferretdb-gin-sync"
	cfg.ConnConfig.RuntimeParams["lock_timeout"] = ginLockTimeout
	// the metadata query's text differs per database: do not fill a statement cache with them
	cfg.ConnConfig.DefaultQueryExecMode = pgx.QueryExecModeDescribeExec
	cfg.AfterConnect = func(ctx context.Context, conn *pgx.Conn) error {
		// If a deadlock forms with one of our statements, let this session find it (and be the
		// one aborted) before FerretDB's does, which checks after the server's deadlock_timeout.
		// Needs a superuser or SET privilege on the parameter; without it, the default stays.
		if _, err := conn.Exec(ctx, `SET deadlock_timeout = '`+ginDeadlockTimeout+`'`); err != nil {
			l.Debug("cannot lower deadlock_timeout for the GIN index sync", "error", err)
		}
		return nil
	}

	pool, err := pgxpool.NewWithConfig(ctx, cfg) // connects lazily
	if err != nil {
		l.Warn("GIN index sync disabled: cannot create a connection pool", "error", err)
		return
	}
	defer pool.Close()

	s := &ginSyncer{
		pool:      pool,
		interval:  interval,
		l:         l,
		synced:    map[string]string{},
		retry:     map[string]ginRetry{},
		warnEvery: time.Minute,
		now:       time.Now,
	}

	l.Info("GIN index sync started", "interval", interval)

	// one pass, then a full interval of rest, however long the pass took
	timer := time.NewTimer(0)
	defer timer.Stop()

	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}

		s.safePass(ctx)
		timer.Reset(interval)
	}
}

// safePass runs one pass; a panic in it is logged, never propagated to the server.
func (s *ginSyncer) safePass(ctx context.Context) {
	defer func() {
		if r := recover(); r != nil {
			s.warn("GIN index sync pass panicked", fmt.Errorf("%v", r))
		}
	}()

	if err := s.pass(ctx); err != nil && ctx.Err() == nil {
		s.warn("GIN index sync pass failed; retrying next tick", err)
	}
}

// warn logs at warn level, but the same message at most once per warnEvery
// (a PostgreSQL that is down would otherwise log every tick).
func (s *ginSyncer) warn(msg string, err error, args ...any) {
	text := msg + ": " + err.Error()
	now := s.now()
	if text == s.lastWarn && now.Sub(s.lastWarnAt) < s.warnEvery {
		s.suppressed++
		return
	}
	if s.suppressed > 0 {
		args = append(args, "repeated", s.suppressed)
	}
	s.lastWarn, s.lastWarnAt, s.suppressed = text, now, 0
	s.l.Warn(msg, append(args, "error", err)...)
}

// pass brings every FerretDB collection table in sync once.
func (s *ginSyncer) pass(ctx context.Context) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Release()

	schemas, err := s.ferretSchemas(ctx, conn.Conn())
	if err != nil {
		return err
	}

	seen := map[string]bool{}
	var firstErr error

	for _, schema := range schemas {
		tables, err := s.ferretTables(ctx, conn.Conn(), schema)
		if err != nil {
			if isGone(err) { // database dropped since we listed it
				continue
			}
			if firstErr == nil {
				firstErr = err
			}
			continue
		}

		for _, t := range tables {
			k := t.key()
			seen[k] = true

			if s.synced[k] == t.signature() {
				continue
			}
			if r, ok := s.retry[k]; ok && s.now().Before(r.next) {
				continue
			}

			if err := s.syncTable(ctx, conn.Conn(), t); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				if isGone(err) { // collection dropped meanwhile
					continue
				}
				r := s.retry[k]
				r.failures++
				backoff := s.interval << min(r.failures, 16)
				if backoff <= 0 || backoff > ginMaxBackoff {
					backoff = ginMaxBackoff
				}
				r.next = s.now().Add(backoff)
				s.retry[k] = r
				s.warn("GIN index sync failed for a table; will retry", err,
					"schema", t.schema, "table", t.table, "retry_in", backoff)
				continue
			}

			s.synced[k] = t.signature()
			delete(s.retry, k)
		}
	}

	// forget tables that are gone, to keep the cache bounded
	for k := range s.synced {
		if !seen[k] {
			delete(s.synced, k)
		}
	}
	for k := range s.retry {
		if !seen[k] {
			delete(s.retry, k)
		}
	}

	return firstErr
}

// errTableGone is returned when a table disappeared while a pass looked at it.
var errTableGone = errors.New("table dropped meanwhile")

// isGone reports a schema or table that disappeared between two statements.
func isGone(err error) bool {
	if errors.Is(err, errTableGone) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "42P01", // undefined_table
			"3F000": // invalid_schema_name
			return true
		}
	}
	return false
}

// ferretSchemas lists the schemas that are FerretDB databases (hold the metadata table),
// the way FerretDB's Registry.initDBs does.
func (s *ginSyncer) ferretSchemas(ctx context.Context, conn *pgx.Conn) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, ginCatalogTimeout)
	defer cancel()

	rows, err := conn.Query(ctx, `
		SELECT n.nspname
		FROM pg_catalog.pg_class c
		JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
		WHERE c.relname = $1 AND c.relkind = 'r' AND n.nspname NOT LIKE 'pg\_%'
		ORDER BY 1`, ferretMetadataTable)
	if err != nil {
		return nil, fmt.Errorf("list FerretDB databases: %w", err)
	}
	schemas, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("list FerretDB databases: %w", err)
	}
	return schemas, nil
}

// ferretIndexMeta is the part of one element of a collection's "indexes" array we read.
type ferretIndexMeta struct {
	Key map[string]json.RawMessage `json:"key"`
}

// ferretTables reads one FerretDB database's metadata: every collection's table and the fields
// its indexes name. Tables listed in the metadata but not (yet) created are left out.
func (s *ginSyncer) ferretTables(ctx context.Context, conn *pgx.Conn, schema string) ([]ginTable, error) {
	ctx, cancel := context.WithTimeout(ctx, ginCatalogTimeout)
	defer cancel()

	q := fmt.Sprintf(`
		SELECT m._jsonb->>'table',
		       COALESCE(m._jsonb->'indexes', '[]'::jsonb),
		       to_regclass(format('%%I.%%I', $1::text, m._jsonb->>'table'))::oid
		FROM %s m
		WHERE m._jsonb->>'table' IS NOT NULL`,
		pgx.Identifier{schema, ferretMetadataTable}.Sanitize(),
	)

	rows, err := conn.Query(ctx, q, schema)
	if err != nil {
		return nil, fmt.Errorf("read metadata of %q: %w", schema, err)
	}
	defer rows.Close()

	var res []ginTable
	for rows.Next() {
		var table string
		var rawIndexes []byte
		var oid *uint32
		if err := rows.Scan(&table, &rawIndexes, &oid); err != nil {
			return nil, fmt.Errorf("read metadata of %q: %w", schema, err)
		}
		if oid == nil {
			continue
		}

		var indexes []ferretIndexMeta
		if err := json.Unmarshal(rawIndexes, &indexes); err != nil {
			return nil, fmt.Errorf("metadata of %q, table %q: indexes: %w", schema, table, err)
		}

		fields := []string{"_id"}
		for _, index := range indexes {
			for field := range index.Key {
				if ginIndexedField(field) {
					fields = append(fields, field)
				}
			}
		}
		slices.Sort(fields)

		res = append(res, ginTable{schema: schema, table: table, oid: *oid, fields: slices.Compact(fields)})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read metadata of %q: %w", schema, err)
	}

	return res, nil
}

// syncTable creates the missing GIN indexes of one table, rebuilds invalid ones and drops
// those of fields no declared index names any more.
func (s *ginSyncer) syncTable(ctx context.Context, conn *pgx.Conn, t ginTable) error {
	existing, size, err := s.tableState(ctx, conn, t)
	if err != nil {
		return err
	}

	want := make(map[string]string, len(t.fields)) // index name -> field
	for _, f := range t.fields {
		want[ginIndexName(t.table, f)] = f
	}

	// drop first: indexes of fields no longer declared, and invalid leftovers of failed builds
	for name, valid := range existing {
		if _, ok := want[name]; ok && valid {
			continue
		}
		if err := s.exec(ctx, conn, ginLockTimeout,
			fmt.Sprintf(`DROP INDEX IF EXISTS %s`, pgx.Identifier{t.schema, name}.Sanitize())); err != nil {
			return fmt.Errorf("drop %s.%s: %w", t.schema, name, err)
		}
		s.l.Info("dropped GIN index", "schema", t.schema, "table", t.table, "index", name, "valid", valid)
		delete(existing, name)
	}

	for _, f := range t.fields {
		name := ginIndexName(t.table, f)
		if _, ok := existing[name]; ok {
			continue
		}

		concurrently, lockTimeout := "", ginLockTimeout
		if size >= ginConcurrentMinBytes {
			concurrently, lockTimeout = "CONCURRENTLY ", ginConcurrentLockTimeout
		}

		q := fmt.Sprintf(`CREATE INDEX %sIF NOT EXISTS %s ON %s USING gin (%s)`,
			concurrently,
			pgx.Identifier{name}.Sanitize(),
			pgx.Identifier{t.schema, t.table}.Sanitize(),
			ginFieldExpr(f),
		)

		start := s.now()
		if err := s.exec(ctx, conn, lockTimeout, q); err != nil {
			return fmt.Errorf("create GIN index on %s.%s (%s): %w", t.schema, t.table, f, err)
		}
		s.l.Info("created GIN index", "schema", t.schema, "table", t.table, "field", f, "index", name,
			"concurrently", concurrently != "", "table_bytes", size, "took", s.now().Sub(start))
	}

	return nil
}

// tableState returns the GIN indexes this loop owns on the table (name -> valid and ready)
// and the table's heap size in bytes.
func (s *ginSyncer) tableState(ctx context.Context, conn *pgx.Conn, t ginTable) (map[string]bool, int64, error) {
	ctx, cancel := context.WithTimeout(ctx, ginCatalogTimeout)
	defer cancel()

	rows, err := conn.Query(ctx, `
		SELECT c.relname, i.indisvalid AND i.indisready
		FROM pg_catalog.pg_index i
		JOIN pg_catalog.pg_class c ON c.oid = i.indexrelid
		WHERE i.indrelid = $1 AND c.relname ~ $2`, t.oid, ginIndexNameRE.String())
	if err != nil {
		return nil, 0, fmt.Errorf("list GIN indexes of %s.%s: %w", t.schema, t.table, err)
	}
	defer rows.Close()

	existing := map[string]bool{}
	for rows.Next() {
		var name string
		var valid bool
		if err := rows.Scan(&name, &valid); err != nil {
			return nil, 0, fmt.Errorf("list GIN indexes of %s.%s: %w", t.schema, t.table, err)
		}
		existing[name] = valid
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list GIN indexes of %s.%s: %w", t.schema, t.table, err)
	}

	var size *int64 // NULL once the table is dropped
	if err := conn.QueryRow(ctx, `SELECT pg_relation_size($1::oid)`, t.oid).Scan(&size); err != nil {
		return nil, 0, fmt.Errorf("size of %s.%s: %w", t.schema, t.table, err)
	}
	if size == nil {
		return nil, 0, errTableGone
	}

	return existing, *size, nil
}

// exec runs one DDL statement outside any transaction block (CREATE INDEX CONCURRENTLY requires
// that; pgx sends an argument-less Exec as a simple query) with the given lock_timeout.
func (s *ginSyncer) exec(ctx context.Context, conn *pgx.Conn, lockTimeout, q string) error {
	if _, err := conn.Exec(ctx, `SET lock_timeout = '`+lockTimeout+`'`); err != nil {
		return err
	}
	_, err := conn.Exec(ctx, q)
	return err
}
