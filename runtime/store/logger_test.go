package store

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// TestOptionsLogger: a *slog.Logger in Options receives Pebble's
// informational messages (Pebble logs several on every open) at info level.
func TestOptionsLogger(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	db, err := Open(t.TempDir(), &Options{NoSync: true, Logger: l})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "level=INFO") {
		t.Fatalf("Options.Logger got no info message on open and close; got %q", buf.String())
	}
}
