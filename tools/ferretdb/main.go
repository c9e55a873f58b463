// Command ferretdb-embedded runs FerretDB 1.x (Apache-2.0) through its public embedding
// API, github.com/FerretDB/FerretDB/ferretdb, as the project's MongoDB-compatible server on
// machines without MongoDB. `go install .../cmd/ferretdb@v1.24.2` builds but panics at start
// because the module ships without build/version/version.txt; embedded use skips that check.
//
// The embedded server never creates a telemetry reporter; -telemetry accepts only "disable"
// so that every start script states it explicitly.
//
// With the PostgreSQL handler it also keeps GIN expression indexes beside FerretDB's own, so
// that equality lookups stop being sequential scans: -gin-sync-interval, see gin_indexes.go.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listenAddr := flag.String("listen-addr", "127.0.0.1:27017", "TCP address to listen on")
	handler := flag.String("handler", "postgresql", "backend: postgresql or sqlite")
	postgresqlURL := flag.String("postgresql-url", "postgres://postgres@127.0.0.1:5432/ferretdb", "PostgreSQL URL")
	sqliteURL := flag.String("sqlite-url", "", "SQLite directory URI, e.g. file:/var/lib/ferretdb/")
	telemetry := flag.String("telemetry", "disable", "must be disable")
	logLevel := flag.String("log-level", "warn", "debug, info, warn or error")
	ginSyncInterval := flag.Duration("gin-sync-interval", 2*time.Second,
		"postgresql handler: how often to create/drop GIN indexes matching the declared indexes (0 disables; see gin_indexes.go)")
	flag.Parse()

	if *telemetry != "disable" {
		fmt.Fprintln(os.Stderr, "ferretdb-embedded: only --telemetry=disable is supported")
		os.Exit(2)
	}

	var level slog.Level
	var err error
	if err = level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb-embedded: bad --log-level: %v\n", err)
		os.Exit(2)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	if *ginSyncInterval < 0 {
		fmt.Fprintln(os.Stderr, "ferretdb-embedded: --gin-sync-interval must not be negative")
		os.Exit(2)
	}
	ginSync := *handler == "postgresql" && *ginSyncInterval > 0

	// With GIN indexes, FerretDB's prepared statements must be planned with their values and
	// prefer those indexes (see gin_indexes.go, "Plans").
	ferretPostgreSQLURL := *postgresqlURL
	if ginSync {
		if ferretPostgreSQLURL, err = withPlannerSettings(*postgresqlURL); err != nil {
			fmt.Fprintf(os.Stderr, "ferretdb-embedded: bad --postgresql-url: %v\n", err)
			os.Exit(2)
		}
	}

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:      ferretdb.ListenerConfig{TCP: *listenAddr},
		Logger:        logger,
		Handler:       *handler,
		PostgreSQLURL: ferretPostgreSQLURL,
		SQLiteURL:     *sqliteURL,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb-embedded: %v\n", err)
		os.Exit(1)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	var wg sync.WaitGroup
	if ginSync {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runGinSync(ctx, *postgresqlURL, *ginSyncInterval, logger)
		}()
	}

	logger.Info("FerretDB listening", "addr", *listenAddr, "handler", *handler, "gin_sync", ginSync)
	f.Run(ctx)
	stop()
	wg.Wait()
}
