package load

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// MaxLine is the longest NDJSON line (one row) NDJSON reads.
const MaxLine = 64 << 20

// NDJSON loads one JSON object per line from r (blank lines are skipped);
// name is the file name errors begin with. Every field must be a column (or
// the owner); a column left out is null, which a non-nullable column
// refuses. It returns the number of rows written: all of them, or none
// with the error.
func (ld *Loader) NDJSON(name string, r io.Reader) (int, error) {
	b := ld.newBatch()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLine)
	vals := make([]value, len(ld.layout.Columns))
	set := make([]bool, len(ld.layout.Columns))
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		pos := fmt.Sprintf("%s:%d", name, line)
		if !utf8.Valid(text) {
			return 0, fmt.Errorf("%s: the line is not valid UTF-8", pos)
		}
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(text, &obj); err != nil {
			return 0, fmt.Errorf("%s: not a JSON object: %v", pos, err)
		}
		clear(vals)
		clear(set)
		owner := ""
		for field, raw := range obj {
			if field == OwnerField && ld.owned {
				if err := json.Unmarshal(raw, &owner); err != nil || owner == "" {
					return 0, fmt.Errorf("%s:%s: the owner must be a non-empty string", pos, field)
				}
				continue
			}
			i, ok := ld.byName[field]
			if !ok {
				if field == OwnerField {
					owner = string(raw)
					continue // add reports it
				}
				return 0, fmt.Errorf("%s:%s: %s has no such column", pos, field, ld.layout.FullName())
			}
			v, err := parseJSON(&ld.layout.Columns[i], raw)
			if err != nil {
				return 0, fmt.Errorf("%s:%s: %v", pos, field, err)
			}
			vals[i], set[i] = v, true
		}
		if err := b.add(pos, owner, vals, set); err != nil {
			return 0, err
		}
		ld.progress(b.n)
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("%s: read: %w", name, err)
	}
	return b.commit()
}

// CSV loads rows from a CSV file with a header line naming the columns (in
// any order; a column not in the header is null). An empty cell is null in
// a nullable column and the empty value (a string "", bytes of length 0) in
// a column that is not; the text forms are those of tablegen inspect
// -format csv. It returns the number of rows written: all or none.
func (ld *Loader) CSV(name string, r io.Reader) (int, error) {
	cr := csv.NewReader(r)
	cr.ReuseRecord = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("%s: empty file; the first line must name the columns", name)
	}
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	cols := make([]int, len(header)) // per header cell: column index, -1 = owner
	seen := map[string]bool{}
	for j, h := range header {
		if seen[h] {
			return 0, fmt.Errorf("%s:1:%s: the header names the column twice", name, h)
		}
		seen[h] = true
		if h == OwnerField && ld.owned {
			cols[j] = -1
			continue
		}
		i, ok := ld.byName[h]
		if !ok {
			return 0, fmt.Errorf("%s:1:%s: %s has no such column", name, h, ld.layout.FullName())
		}
		cols[j] = i
	}
	b := ld.newBatch()
	vals := make([]value, len(ld.layout.Columns))
	set := make([]bool, len(ld.layout.Columns))
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		pos := fmt.Sprintf("%s:%d", name, line)
		clear(vals)
		clear(set)
		owner := ""
		for j, cell := range rec {
			if cols[j] < 0 {
				owner = cell
				continue
			}
			c := &ld.layout.Columns[cols[j]]
			set[cols[j]] = true
			if cell == "" && (c.Nullable || (c.Type != "string" && c.Type != "bytes")) {
				continue // null; add refuses it in a non-nullable column
			}
			v, err := parseText(c, cell, false)
			if err != nil {
				return 0, fmt.Errorf("%s:%s: %v", pos, c.Name, err)
			}
			vals[cols[j]] = v
		}
		if err := b.add(pos, owner, vals, set); err != nil {
			return 0, err
		}
		ld.progress(b.n)
	}
	return b.commit()
}
