package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestInspectOlderCompatibleDB: a database one safe change behind the
// YAML (a new column, an appended enum value, a new index) is read
// read-only with its stored layout and one line saying so; verify checks
// it the same way; nothing on disk changes, so the next read says the
// same. An incompatible change is refused with its rule id, in one short
// message.
func TestInspectOlderCompatibleDB(t *testing.T) {
	schemas, dbDir := inspectFixture(t)
	code, want, errOut := runCmd(t, "inspect", "-db", dbDir, "-schemas", schemas, "app.users", "-format", "csv")
	if code != 0 || errOut != "" {
		t.Fatalf("inspect: exit %d, %s", code, errOut)
	}
	yamlFile := filepath.Join(schemas, "app", "users.yaml")
	newer := strings.Replace(usersYAML, "values: [user, dba]", "values: [user, dba, owner]", 1) +
		"  - {name: nickname, tag: 8, type: string, nullable: true, doc: Shown name.}\n" +
		"indexes:\n  - {name: by_email, id: 1, columns: [email]}\n"
	if err := os.WriteFile(yamlFile, []byte(newer), 0o644); err != nil {
		t.Fatal(err)
	}
	const notice = "tablegen: app.users: the database holds an older compatible layout (3 safe change(s) behind the YAML); reading it with its stored layout, read-only\n"
	for range 2 {
		code, got, errOut := runCmd(t, "inspect", "-db", dbDir, "-schemas", schemas, "app.users", "-format", "csv")
		if code != 0 || got != want || errOut != notice {
			t.Fatalf("inspect of the older DB: exit %d, stderr %q\ngot:\n%s\nwant:\n%s", code, errOut, got, want)
		}
	}
	code, out, errOut := runCmd(t, "inspect", "-db", dbDir, "-schemas", schemas, "app.users", "-where", "role = 'dba'", "-columns", "user_id")
	if code != 0 || !strings.Contains(out, "alice") || strings.Contains(out, "bob") {
		t.Fatalf("filtered inspect of the older DB: exit %d, %q %s", code, out, errOut)
	}
	code, out, errOut = runCmd(t, "verify", "-db", dbDir, "-schemas", schemas)
	if code != 0 || !strings.HasSuffix(out, ": 0 problem(s)\n") {
		t.Fatalf("verify of the older DB: exit %d, %q %s", code, out, errOut)
	}

	broken := strings.Replace(usersYAML, "tag: 7, type: float64", "tag: 7, type: string", 1)
	if err := os.WriteFile(yamlFile, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCmd(t, "inspect", "-db", dbDir, "-schemas", schemas, "app.users")
	if code != 1 || !strings.Contains(errOut, "COLUMN_TYPE_") || strings.Contains(errOut, "{") {
		t.Fatalf("inspect of an incompatible DB: exit %d, stderr %q; want 1 naming the rule, no JSON", code, errOut)
	}
}
