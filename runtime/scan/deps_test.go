package scan_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoParquetOrGRPC keeps Parquet and gRPC out of what a user of the
// store, the scan package or a generated package compiles: the Parquet
// reader and writer live in runtime/flush. No package under arrow-go's
// parquet tree may be compiled, not even the logical-type definitions that
// arrow-go's arrow/extensions imports (the scan package defines the
// canonical arrow.uuid and arrow.json types itself for that reason).
func TestNoParquetOrGRPC(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	for _, pkg := range []string{"../../generated/chat", "../../runtime/scan", "../../runtime/store"} {
		for _, p := range deps(t, pkg) {
			switch {
			case strings.HasPrefix(p, "google.golang.org/grpc"):
				t.Errorf("%s depends on %s; gRPC must not reach it (Arrow Flight comes with pqarrow, which belongs in runtime/flush)", pkg, p)
			case p == "github.com/apache/arrow-go/v18/parquet" || strings.HasPrefix(p, "github.com/apache/arrow-go/v18/parquet/"),
				p == "github.com/apache/arrow-go/v18/arrow/extensions":
				t.Errorf("%s depends on %s; Parquet reading and writing belong in runtime/flush", pkg, p)
			}
		}
	}
}

func deps(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-deps", pkg).Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("go list -deps %s: %v\n%s", pkg, err, stderr)
	}
	return strings.Fields(string(out))
}
