package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// FerretDB 1.24 refuses to start ("no such table: _ferretdb_collections") when any *.sqlite file in
// its directory lacks its metadata table. Such a file is left when the server is killed between
// creating a database file and creating that table, which happens whenever a test run or CI ends
// the processes a session left running. repairDataDir runs before the server opens the directory:
// a file with no tables at all holds no data and is removed; a file with tables that is still not a
// FerretDB database is moved aside, never deleted, so nothing stored is lost. WAL and shared-memory
// files whose database is gone are removed too: SQLite could replay an orphan WAL into a new database
// created under the same name.
func repairDataDir(ctx context.Context, dir string, logger *slog.Logger) error {
	if err := removeOrphanSidecars(dir, logger); err != nil {
		return err
	}

	files, err := filepath.Glob(filepath.Join(dir, "*.sqlite"))
	if err != nil {
		return err
	}

	for _, file := range files {
		if err = repairDatabaseFile(ctx, file, logger); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
	}

	return nil
}

func repairDatabaseFile(ctx context.Context, file string, logger *slog.Logger) error {
	tables, hasMetadata, err := inspectDatabaseFile(ctx, file)
	if err != nil {
		return err
	}

	switch {
	case hasMetadata:
		return nil
	case tables == 0:
		logger.Warn("removing an empty database file left by an interrupted create", "file", file)
		return removeDatabaseFiles(file)
	default:
		aside := fmt.Sprintf("%s.not-ferretdb-%s", file, time.Now().UTC().Format("20060102T150405Z"))
		logger.Error("moving aside a database file without FerretDB metadata", "file", file, "to", aside, "tables", tables)
		return moveDatabaseFiles(file, aside)
	}
}

// inspectDatabaseFile opens the file read-write (so SQLite can replay a WAL left by a kill) but
// never creates it.
func inspectDatabaseFile(ctx context.Context, file string) (tables int, hasMetadata bool, err error) {
	db, err := sql.Open("sqlite", "file:"+file+"?mode=rw&_pragma=busy_timeout(5000)")
	if err != nil {
		return 0, false, err
	}
	defer db.Close()

	err = db.QueryRowContext(ctx, `
		SELECT count(*), coalesce(sum(name = '_ferretdb_collections'), 0) FROM sqlite_master WHERE type = 'table'`,
	).Scan(&tables, &hasMetadata)

	return tables, hasMetadata, err
}

// sqliteSidecars are the files SQLite keeps beside a database in WAL mode.
var sqliteSidecars = []string{"", "-wal", "-shm"}

func removeOrphanSidecars(dir string, logger *slog.Logger) error {
	for _, suffix := range sqliteSidecars[1:] {
		sidecars, err := filepath.Glob(filepath.Join(dir, "*.sqlite"+suffix))
		if err != nil {
			return err
		}

		for _, sidecar := range sidecars {
			database := strings.TrimSuffix(sidecar, suffix)
			if _, err = os.Stat(database); !os.IsNotExist(err) {
				continue
			}

			logger.Warn("removing a SQLite sidecar whose database was dropped", "file", sidecar)

			if err = os.Remove(sidecar); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
	}

	return nil
}

func removeDatabaseFiles(file string) error {
	for _, suffix := range sqliteSidecars {
		if err := os.Remove(file + suffix); err != nil && !os.IsNotExist(err) {
			return err
		}
	}

	return nil
}

func moveDatabaseFiles(file, aside string) error {
	for _, suffix := range sqliteSidecars {
		if err := os.Rename(file+suffix, aside+suffix); err != nil && !os.IsNotExist(err) {
			return err
		}
	}

	return nil
}
