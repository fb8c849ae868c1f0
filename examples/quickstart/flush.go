package main

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/tablegen/tablegen/runtime/flush"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/where"
)

// flushStep moves every hot row of chat.messages to Parquet (multi-owner
// files sorted by owner and key) and then reads the table through the executor, which
// merges the rows still hot with the flushed files.
func flushStep(ctx context.Context, d *demo, w io.Writer) error {
	p, err := d.messagesProvider()
	if err != nil {
		return err
	}
	var bar progress
	ex, err := flush.New(d.db, d.cfg.parquetDir(), &flush.Options{
		Progress: func(rows int64) { bar.set(int(rows)) },
	})
	if err != nil {
		return err
	}
	hot, err := ex.HotRows(ctx, p)
	if err != nil {
		return err
	}
	bar = newProgress(d.cfg.progress, int(hot), "flush chat.messages")
	res, err := ex.Flush(ctx, p)
	bar.finish()
	if err != nil {
		return err
	}
	left, err := ex.HotRows(ctx, p)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "  executor.Flush: %s rows into %s Parquet files (%s KiB, zstd) under %s; %s hot rows deleted, %s left hot\n",
		thousands(int(res.Rows)), thousands(len(res.Segments)), thousands(int(res.Bytes>>10)), ex.TableDir(ptr(p.Layout())),
		thousands(int(res.Deleted)), thousands(int(left)))
	if len(res.Segments) > 0 {
		segs := slices.Clone(res.Segments)
		slices.SortStableFunc(segs, func(a, b flush.Segment) int { return int(b.Rows - a.Rows) })
		t := newTable(w, "file (the largest three)", "rows", "bytes")
		for _, s := range segs[:min(3, len(segs))] {
			t.row(s.File, thousands(int(s.Rows)), thousands(int(s.Bytes)))
		}
		if err := t.flush(); err != nil {
			return err
		}
	}

	// Reading through the executor sees hot and flushed rows as one table;
	// statistics in the manifest let it skip files the filter excludes.
	l := p.Layout()
	src := "role = 'system'"
	f, err := where.Compile(src, &l)
	if err != nil {
		return err
	}
	var stats scan.UnionStats
	rdr, err := ex.Scan(ctx, p, scan.Request{Columns: []string{}, Filter: f}, &stats)
	if err != nil {
		return err
	}
	n, err := countRecords(rdr)
	rdr.Release()
	if err != nil {
		return err
	}
	d.flushedSystem = n
	fmt.Fprintf(w, "  executor.Scan WHERE %s over hot rows and files: %s rows (%s files read, %s skipped by their statistics)\n",
		src, thousands(n), thousands(stats.SegmentsRead), thousands(stats.SegmentsSkipped))
	return nil
}
