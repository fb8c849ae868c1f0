package flush_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestDuckDBReadsCompacted: before compaction the files hold dead copies
// (rows rewritten or deleted since their flush), so an engine reading them
// counts more rows than the table has; after it DuckDB reads exactly the
// provider's rows. It skips only when node or npm is missing.
func TestDuckDBReadsCompacted(t *testing.T) {
	node, err1 := exec.LookPath("node")
	npm, err2 := exec.LookPath("npm")
	if err1 != nil || err2 != nil {
		t.Skip("needs Node.js and npm to run DuckDB (@duckdb/node-api); install nodejs and npm")
	}
	dbDir, root := t.TempDir(), t.TempDir()
	segmented(t, dbDir, root, 3, 60)
	db := openDB(t, dbDir)
	defer db.Close()
	e := newExecutor(t, db, root, nil)
	p := messagesProvider(t, db)
	mods := duckdbModules(t, npm)
	script := filepath.Join(filepath.Dir(mods), "tablegen-count-"+filepath.Base(t.TempDir())+".mjs")
	defer os.Remove(script)
	if err := os.WriteFile(script, []byte(`
import { DuckDBInstance } from '@duckdb/node-api';
const [glob] = process.argv.slice(2);
const c = await (await DuckDBInstance.create(':memory:')).connect();
const r = await c.runAndReadAll("SELECT count(*)::INTEGER AS n FROM read_parquet('" + glob + "', hive_partitioning = true)");
console.log(r.getRowObjectsJson()[0].n);
`), 0o644); err != nil {
		t.Fatal(err)
	}
	l := p.Layout()
	duck := func() int {
		cmd := exec.Command(node, script, filepath.Join(e.TableDir(&l), "**", "*.parquet"))
		cmd.Dir = filepath.Dir(mods)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("DuckDB read: %v\n%s", err, out)
		}
		n, err := strconv.Atoi(strings.TrimSpace(string(out)))
		if err != nil {
			t.Fatalf("DuckDB output %q: %v", out, err)
		}
		return n
	}
	if hot := len(collect(t, db, e, p).hot); hot != 0 {
		t.Fatalf("%d hot rows; the setup flushes everything", hot)
	}
	rows, _ := unionCountSum(t, e, p)
	if before := duck(); before <= rows {
		t.Fatalf("before compaction DuckDB counts %d rows, the provider %d; the setup leaves dead copies in the files", before, rows)
	}
	if _, err := e.Compact(context.Background(), p, nil); err != nil {
		t.Fatal(err)
	}
	if after := duck(); after != rows {
		t.Fatalf("after compaction DuckDB counts %d rows, the provider %d", after, rows)
	}
}
