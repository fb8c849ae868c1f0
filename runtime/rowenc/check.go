package rowenc

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/cockroachdb/apd/v3"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/tablegen/tablegen/runtime/internal/dec128"
)

// Column names one column of a table for a [Checker]: its tag, its name (for
// errors), its layout type ("string", "timestamp", ...) and, for a decimal
// column, its precision and scale.
type Column struct {
	Tag              protowire.Number
	Name             string
	Type             string
	Precision, Scale int32
}

// Checker validates encoded rows against the rules of their columns' types
// that the wire format cannot express and the Append functions, which return
// no error, cannot enforce:
//
//   - a string column holds valid UTF-8 (Arrow utf8 arrays, Parquet UTF8
//     columns and every SQL engine require it; use a bytes column for
//     arbitrary bytes);
//   - a timestamp lies within the int64 microsecond range (years about
//     -290,307 to 294,246): AppendTimestamp writes a time outside it as a
//     length-delimited field holding its RFC 3339 text, which no decoder
//     reads as a timestamp, and the Checker reports it by that text;
//   - a decimal fits its column's precision and scale: AppendDecimal writes
//     a value that does not as its text, reported by that text, and a
//     stored integer with more digits than the precision is refused too.
//
// Durations need no check: every time.Duration fits in int64 microseconds.
// The store runs a Checker on every row it writes, so these rules exist
// once, for every table, instead of in each table's generated code; scans
// run it on every row they read, so rows written before a rule existed (or
// under a bytes column later widened to string) are an error rather than an
// invalid Arrow array.
type Checker struct {
	// byTag holds the rule of each checked column at its tag (kind 0: no
	// rule) when every checked tag is below denseTags; cols holds them
	// otherwise. A scan checks every row it reads, so the lookup per field
	// is a slice index rather than a map access.
	byTag []checkCol
	cols  map[protowire.Number]checkCol
}

// denseTags bounds the tags a Checker indexes in a slice.
const denseTags = 1 << 12

type checkCol struct {
	name             string
	kind             checkKind
	precision, scale int32
}

type checkKind uint8

const (
	checkString checkKind = iota + 1
	checkTimestamp
	checkDecimal
)

// NewChecker returns a Checker for the given columns, or nil when none of
// them has a rule to check (a nil *Checker accepts every row).
func NewChecker(cols []Column) *Checker {
	c := &Checker{cols: map[protowire.Number]checkCol{}}
	for _, col := range cols {
		switch col.Type {
		case "string":
			c.cols[col.Tag] = checkCol{name: col.Name, kind: checkString}
		case "timestamp":
			c.cols[col.Tag] = checkCol{name: col.Name, kind: checkTimestamp}
		case "decimal":
			c.cols[col.Tag] = checkCol{name: col.Name, kind: checkDecimal, precision: col.Precision, scale: col.Scale}
		}
	}
	if len(c.cols) == 0 {
		return nil
	}
	var top protowire.Number
	for tag := range c.cols {
		top = max(top, tag)
	}
	if top < denseTags {
		c.byTag = make([]checkCol, top+1)
		for tag, col := range c.cols {
			c.byTag[tag] = col
		}
		c.cols = nil
	}
	return c
}

// ValueError is a column value that breaks its type's rule (see [Checker]).
type ValueError struct {
	Column string
	Tag    protowire.Number
	// Problem says what is wrong, naming the value.
	Problem string
}

func (e *ValueError) Error() string {
	return fmt.Sprintf("column %s (tag %d): %s", e.Column, e.Tag, e.Problem)
}

// Check returns a *ValueError for the first column of row that breaks its
// type's rule, an error wrapping ErrCorrupt when row does not parse, or nil.
func (c *Checker) Check(row []byte) error {
	if c == nil {
		return nil
	}
	d := Decoder{buf: row}
	for d.Next() {
		var col checkCol
		if c.cols != nil {
			col = c.cols[d.tag]
		} else if d.tag >= 0 && d.tag < protowire.Number(len(c.byTag)) {
			col = c.byTag[d.tag]
		}
		switch col.kind {
		case checkString:
			if d.typ == protowire.BytesType {
				if err := CheckString(col.name, d.tag, d.value()); err != nil {
					return err
				}
			}
		case checkTimestamp:
			if d.typ == protowire.BytesType {
				return TimestampError(col.name, d.tag, d.value())
			}
		case checkDecimal:
			if d.typ == protowire.BytesType {
				if err := CheckDecimal(col.name, d.tag, d.value(), col.precision, col.scale); err != nil {
					return err
				}
			}
		}
	}
	return d.Err()
}

// CheckString returns the *ValueError of a string column (name, tag)
// holding v when v is not valid UTF-8, else nil: the one rule of string
// values, for the Checker and for decoders that check the columns they
// decode as they go (runtime/scan).
func CheckString(name string, tag protowire.Number, v []byte) error {
	if validUTF8(v) {
		return nil
	}
	return &ValueError{Column: name, Tag: tag, Problem: fmt.Sprintf(
		"value %q is not valid UTF-8; a string column holds text only: store arbitrary bytes in a bytes column", v)}
}

// validUTF8 is utf8.Valid with a fast path for ASCII, eight bytes at a
// time and then byte by byte: most string columns hold short ASCII text,
// and scans check every string they decode.
func validUTF8(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return utf8.Valid(b)
		}
		b = b[8:]
	}
	for i, c := range b {
		if c >= utf8.RuneSelf {
			return utf8.Valid(b[i:])
		}
	}
	return true
}

// TimestampError is the *ValueError of a timestamp column (name, tag) whose
// stored field is length-delimited: the RFC 3339 text v that
// AppendTimestamp writes for a time outside the int64-microsecond range.
func TimestampError(name string, tag protowire.Number, v []byte) error {
	return &ValueError{Column: name, Tag: tag, Problem: fmt.Sprintf(
		"timestamp %s is outside the range a timestamp column holds (%s to %s, int64 microseconds since 1970)",
		v, minTimestamp.Format(time.RFC3339), maxTimestamp.Format(time.RFC3339))}
}

// CheckDecimal returns the *ValueError of a decimal(precision,scale)
// column (name, tag) whose stored field v breaks the column's rule, else
// nil: the one rule of decimal values, for the Checker and for decoders
// that check the columns they decode as they go (runtime/scan).
func CheckDecimal(name string, tag protowire.Number, v []byte, precision, scale int32) error {
	if p := checkDecimalValue(v, precision, scale); p != "" {
		return &ValueError{Column: name, Tag: tag, Problem: p}
	}
	return nil
}

// checkDecimalValue says what is wrong with a stored decimal(precision,
// scale) value v, or "" when nothing is: the padded text AppendDecimal
// writes for a value the column cannot hold, or an integer with more
// digits than precision (stored under a wider precision). Malformed bytes
// are the decoder's to report.
func checkDecimalValue(v []byte, precision, scale int32) string {
	if len(v) > maxDecimalBytes {
		text := strings.TrimLeft(string(v), " ")
		x, _, err := apd.NewFromString(text)
		if err != nil {
			return fmt.Sprintf("decimal value %q does not fit decimal(%d,%d)", text, precision, scale)
		}
		if _, err := dec128.FromDecimal(x, precision, scale); err != nil {
			return "value " + err.Error()
		}
		return fmt.Sprintf("decimal value %s does not fit decimal(%d,%d)", text, precision, scale)
	}
	n, ok := dec128.FromMinimal(v)
	if ok && !n.Fits(precision) {
		x := n.Decimal(scale)
		return fmt.Sprintf("value %s does not fit decimal(%d,%d): more than %d digits before the point", x.String(), precision, scale, precision-scale)
	}
	return ""
}

// The range of times AppendTimestamp can write: int64 microseconds since
// 1970 (with sub-microsecond parts, dropped when encoding, allowed at the
// top).
var (
	minTimestamp = time.UnixMicro(math.MinInt64).UTC()
	maxTimestamp = time.UnixMicro(math.MaxInt64).UTC().Add(time.Microsecond - 1)
)

// Seconds strictly between these are within the range whatever their
// sub-second part, so most times need no comparison of time.Time values.
const (
	minSafeSeconds = math.MinInt64/1_000_000 + 1
	maxSafeSeconds = math.MaxInt64/1_000_000 - 1
)

// TimestampInRange reports whether t can be stored: whether t.UnixMicro()
// is exact rather than wrapped around.
func TimestampInRange(t time.Time) bool {
	if s := t.Unix(); s > minSafeSeconds && s < maxSafeSeconds {
		return true
	}
	return !t.Before(minTimestamp) && !t.After(maxTimestamp)
}
