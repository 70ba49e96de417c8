// Command ferretdb runs an embedded FerretDB (SQLite backend) for local development.
//
// The upstream cmd/ferretdb binary panics when built with `go install`
// (FerretDB issue 2982: it needs generated version files), so we embed the
// public package instead.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // served only when -debug-listen is given, for profiling under the bench
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:27017", "TCP address to listen on")
	data := flag.String("data", "", "directory for SQLite data files (required)")
	debugListen := flag.String("debug-listen", "", "TCP address for Go's /debug/pprof (off when empty)")
	synchronous := flag.String("synchronous", "full", "SQLite's synchronous pragma: full (fsync every commit) or normal")
	postgres := flag.String("postgresql-url", "", "use the PostgreSQL backend at this URL instead of SQLite (to compare them)")
	flag.Parse()

	if *debugListen != "" {
		go func() { _ = http.ListenAndServe(*debugListen, nil) }()
	}

	if err := run(*listen, *data, *synchronous, *postgres); err != nil {
		fmt.Fprintln(os.Stderr, "ferretdb:", err)
		os.Exit(1)
	}
}

func run(listen, data, synchronous, postgres string) error {
	if data == "" {
		return fmt.Errorf("-data is required")
	}

	dir, err := filepath.Abs(data)
	if err != nil {
		return err
	}

	if err = os.MkdirAll(dir, 0o755); err != nil {
		return err
	}

	logger := slog.New(&lazyAttrs{inner: slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{Level: slog.LevelInfo})})

	if err = repairDataDir(context.Background(), dir, logger); err != nil {
		return fmt.Errorf("repairing %s: %w", dir, err)
	}

	config := &ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: "file:" + dir + "/?_pragma=synchronous(" + synchronous + ")",
	}
	if postgres != "" {
		config.Handler, config.PostgreSQLURL = "postgresql", postgres
	}

	f, err := ferretdb.New(config)
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	go keepIDIndexes(ctx, dir, logger)

	// New has already bound the TCP socket, so clients can connect from here on.
	fmt.Printf("ferretdb ready on %s (%s)\n", listen, f.MongoDBURI())

	if err = f.Run(ctx); err != nil {
		return err
	}

	fmt.Println("ferretdb stopped")

	return nil
}
