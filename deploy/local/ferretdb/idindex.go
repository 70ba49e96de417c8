package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // the SQLite driver FerretDB itself uses
)

// FerretDB 1.24 looks a document up by `_id` with the SQL expression _ferretdb_sjson->'$._id'
// but indexes _ferretdb_sjson->"_id". SQLite uses an expression index only when the query spells
// the expression the same way, so every find, update and delete by _id scanned the whole table
// (seen with EXPLAIN QUERY PLAN). keepIDIndexes adds the index those queries can use to every
// collection table, including the ones created while the server runs.
func keepIDIndexes(ctx context.Context, dir string, logger *slog.Logger) {
	ticker := time.NewTicker(2 * time.Second)
	defer ticker.Stop()

	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*.sqlite"))
		for _, file := range files {
			if err := addIDIndexes(ctx, file); err != nil {
				logger.Warn("could not add _id path indexes", "file", file, "error", err)
			}
		}

		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// mode=rw: a plain open creates a missing file, so a database dropped between the glob and the open
// would come back as an empty file that stops the next server start.
func addIDIndexes(ctx context.Context, file string) error {
	db, err := sql.Open("sqlite", "file:"+file+"?mode=rw&_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	defer db.Close()

	missing, err := tablesWithoutIDIndex(ctx, db)
	if err != nil {
		return err
	}

	for _, table := range missing {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, table+"__id_path", table)
		if _, err = db.ExecContext(ctx, q); err != nil {
			return err
		}
	}

	return nil
}

func tablesWithoutIDIndex(ctx context.Context, db *sql.DB) ([]string, error) {
	rows, err := db.QueryContext(ctx, `
		SELECT c.table_name FROM _ferretdb_collections c
		WHERE NOT EXISTS (SELECT 1 FROM sqlite_master m WHERE m.type = 'index' AND m.name = c.table_name || '__id_path')`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()

	var tables []string
	for rows.Next() {
		var table string
		if err = rows.Scan(&table); err != nil {
			return nil, err
		}
		tables = append(tables, table)
	}

	return tables, rows.Err()
}
