package flush_test

import (
	"context"
	"encoding/json"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tablegen/tablegen/internal/nodepkg"
	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/scan"
)

// duckdbOwners are owner ids that broke flushing or Hive reads: '=' in a
// Hive value, the word NULL, a name far past 255 bytes once escaped, a
// path traversal, and bytes that are not UTF-8.
var duckdbOwners = []string{"x=y", "NULL", strings.Repeat("é", 300), "../a", "a/b%c", "plain"}

// TestDuckDBReadsEveryOwner flushes a table whose owners need escaping and
// reads the whole table with DuckDB (from npm, run by Node.js, as
// scripts/duckdb-check.sh does): with hive_partitioning every row reads
// (no owner breaks the read) and the owner column holds every real owner
// id, exactly (issue 15 D6): the directory key is owner-dir, so DuckDB's
// Hive value does not shadow the files' owner column (under owner= it
// did: "NULL" read as SQL NULL, long ids as their hashed directory name).
// An id that is not UTF-8 reads as its U+FFFD rendering, the most a
// VARCHAR can hold. It skips only when node or npm is missing.
func TestDuckDBReadsEveryOwner(t *testing.T) {
	for _, lay := range layouts {
		t.Run(lay.name, func(t *testing.T) { duckdbReadsEveryOwner(t, lay.o) })
	}
}

func duckdbReadsEveryOwner(t *testing.T, o *flush.Options) {
	node, err1 := exec.LookPath("node")
	npm, err2 := exec.LookPath("npm")
	if err1 != nil || err2 != nil {
		t.Skip("needs Node.js and npm to run DuckDB (@duckdb/node-api); install nodejs and npm")
	}
	db := openDB(t, t.TempDir())
	defer db.Close()
	l := itemLayout(905, "items", "text")
	owners := append(slices.Clone(duckdbOwners), "bad\xff\xfe")
	putItems(t, db, l, owners, 3)
	root := t.TempDir()
	e := newExecutor(t, db, root, o)
	p := itemProvider(t, db, l)
	if _, err := e.Flush(context.Background(), p); err != nil {
		t.Fatalf("flush with owners %q: %v", owners, err)
	}
	if got := scanTexts(t, e, p, scan.Request{}, "text"); len(got) != 3*len(owners) {
		t.Fatalf("union read after the flush: %d rows, want %d", len(got), 3*len(owners))
	}

	mods := duckdbModules(t, npm)
	// ES modules resolve packages from the script's directory, not NODE_PATH.
	script := filepath.Join(filepath.Dir(mods), "tablegen-read-"+filepath.Base(t.TempDir())+".mjs")
	defer os.Remove(script)
	if err := os.WriteFile(script, []byte(`
import { DuckDBInstance } from '@duckdb/node-api';
const [glob] = process.argv.slice(2);
const c = await (await DuckDBInstance.create(':memory:')).connect();
// The whole table through Hive partitioning must read (no decode error),
// every row, with the real ids in the owner column.
const r = await c.runAndReadAll("SELECT owner, count(*)::INTEGER AS n FROM read_parquet('" + glob + "', hive_partitioning = true) GROUP BY owner ORDER BY owner");
console.log(JSON.stringify({owners: r.getRowObjectsJson()}));
`), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(node, script, filepath.Join(e.TableDir(&l), "**", "*.parquet"))
	cmd.Dir = filepath.Dir(mods)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("DuckDB read: %v\n%s", err, out)
	}
	var res struct {
		Owners []struct {
			Owner *string `json:"owner"`
			N     int     `json:"n"`
		} `json:"owners"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("DuckDB output %q: %v", out, err)
	}
	got := map[string]int{}
	for _, r := range res.Owners {
		if r.Owner == nil {
			t.Fatalf("DuckDB hive_partitioning read an owner as SQL NULL: %s", out)
		}
		got[*r.Owner] += r.N
	}
	want := map[string]int{}
	for _, o := range owners {
		want[strings.ToValidUTF8(o, "\ufffd")] = 3
	}
	if !maps.Equal(got, want) {
		t.Errorf("DuckDB hive_partitioning read rows per owner %v, want %v\n%s", got, want, out)
	}
}

// duckdbModules installs @duckdb/node-api once per machine (in the user's
// cache directory, see internal/nodepkg) and returns its node_modules
// directory.
func duckdbModules(t *testing.T, npm string) string {
	t.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "tablegen-duckdb")
	if err := nodepkg.Ensure(npm, dir, nodepkg.DuckDB); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "node_modules")
}
