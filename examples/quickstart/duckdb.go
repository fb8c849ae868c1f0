package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
)

// duckdbPackage is the npm package the DuckDB step runs: DuckDB itself,
// embedded in Node.js. scripts/duckdb-check.sh (make interop) and the
// DuckDB tests of runtime/flush install it into defaultDuckDBDir.
const duckdbPackage = "@duckdb/node-api"

// defaultDuckDBDir is where the DuckDB step looks for node_modules/@duckdb/
// node-api: tablegen-duckdb in the user's cache directory, or "" when there
// is none ($HOME unset), which the step reports.
func defaultDuckDBDir() string {
	cache, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(cache, "tablegen-duckdb")
}

// duckdbScript reads the flushed files as one table (each file carries the
// real owner as a column; the per-owner layout's owner-dir=… directory
// names are only its escaped form) and prints, as JSON, the totals and the five owners
// with the most rows.
const duckdbScript = `
import { DuckDBInstance } from '@duckdb/node-api';
const glob = process.argv[1];
const c = await (await DuckDBInstance.create(':memory:')).connect();
const q = async (sql) => (await c.runAndReadAll(sql)).getRowObjectsJson();
const from = "read_parquet('" + glob.replaceAll("'", "''") + "', hive_partitioning = true)";
console.log(JSON.stringify({
  totals: (await q("SELECT count(*)::INTEGER AS rows, count(DISTINCT owner)::INTEGER AS owners, " +
    "(count(*) FILTER (WHERE role = 'system'))::INTEGER AS system FROM " + from))[0],
  top: await q("SELECT owner, count(*)::INTEGER AS messages, " +
    "strftime(max(sent_at) AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%SZ') AS latest FROM " + from +
    " GROUP BY owner ORDER BY messages DESC, owner LIMIT 5"),
}));
`

// duckDBQuery is the SQL the step runs, printed for readers with the duckdb
// command-line tool.
const duckDBQuery = `SELECT owner, count(*) AS messages, max(sent_at) AS latest
             FROM read_parquet('%s', hive_partitioning = true)
             GROUP BY owner ORDER BY messages DESC, owner LIMIT 5`

// duckDBStep queries the flushed files of chat.messages with DuckDB when
// Node.js and @duckdb/node-api are installed: any engine that reads Parquet
// reads them as they are, with the owner from the directory names. DuckDB
// must count as many role = 'system' rows as the executor read after the
// flush. Without Node.js or the package it says so and how to get them, and
// the step still succeeds: the demo needs neither.
func duckDBStep(ctx context.Context, d *demo, w io.Writer) error {
	dir := filepath.Join(d.cfg.parquetDir(), "chat", "messages")
	glob := filepath.ToSlash(filepath.Join(dir, "**", "*.parquet"))
	var files []string
	for _, g := range []string{"*.parquet", filepath.Join("owner-dir=*", "*.parquet")} {
		m, err := filepath.Glob(filepath.Join(dir, g))
		if err != nil {
			return err
		}
		files = append(files, m...)
	}
	fmt.Fprintf(w, "  %s Parquet files match %s; every file holds the owner as a column\n", thousands(len(files)), glob)
	fmt.Fprintf(w, "  duckdb -c \"%s\"\n", fmt.Sprintf(duckDBQuery, glob))
	node, skip := duckDBAvailable(d.cfg.duckdb)
	if skip != "" {
		fmt.Fprintf(w, "  DuckDB not run: %s\n", skip)
		return nil
	}
	cmd := exec.CommandContext(ctx, node, "--input-type=module", "-e", duckdbScript, glob)
	// ES modules resolve packages from the working directory for -e.
	cmd.Dir = d.cfg.duckdb
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("DuckDB (node with %s in %s): %w\n%s", duckdbPackage, d.cfg.duckdb, err, stderr.Bytes())
	}
	var res struct {
		Totals struct {
			Rows, Owners, System int
		} `json:"totals"`
		Top []struct {
			Owner    string `json:"owner"`
			Messages int    `json:"messages"`
			Latest   string `json:"latest"`
		} `json:"top"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return fmt.Errorf("DuckDB printed %q: %w", out, err)
	}
	fmt.Fprintf(w, "  DuckDB (%s, run by %s) reads %s rows of %s owners:\n", duckdbPackage, node, thousands(res.Totals.Rows), thousands(res.Totals.Owners))
	t := newTable(w, "owner", "messages", "latest")
	for _, r := range res.Top {
		t.row(r.Owner, thousands(r.Messages), r.Latest)
	}
	if err := t.flush(); err != nil {
		return err
	}
	if d.flushedSystem >= 0 && res.Totals.System != d.flushedSystem {
		return fmt.Errorf("DuckDB counts %d rows WHERE role = 'system' in the files, the executor read %d after the flush", res.Totals.System, d.flushedSystem)
	}
	fmt.Fprintf(w, "  DuckDB WHERE role = 'system': %s rows, as many as executor.Scan read\n", thousands(res.Totals.System))
	return nil
}

// duckDBAvailable finds node and the DuckDB package in dir, or says why
// the step cannot run and how to get what is missing.
func duckDBAvailable(dir string) (node, skip string) {
	const how = "`make interop` installs it there"
	if dir == "" {
		return "", "-duckdb is empty (no user cache directory to look in, or turned off); pass -duckdb DIR with " + duckdbPackage + " in DIR/node_modules"
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return "", "Node.js is not installed (apt-get install nodejs npm); then " + how
	}
	_, err = os.Stat(filepath.Join(dir, "node_modules", filepath.FromSlash(duckdbPackage), "package.json"))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Sprintf("%s is not installed in %s; %s (or: npm install --prefix %s %s)", duckdbPackage, dir, how, dir, duckdbPackage)
	case err != nil:
		return "", err.Error()
	}
	return node, ""
}
