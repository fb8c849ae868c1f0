package flush

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tablegen/tablegen/runtime/scan"
)

// ManifestName is the manifest's file name in a table's directory. The
// leading underscore makes Hive-style readers (Spark, DuckDB's
// hive_partitioning) skip it.
const ManifestName = "_manifest.json"

// manifestFormat is the version of the manifest's JSON; readers refuse
// others.
const manifestFormat = 1

// State is where a segment is in its flush.
type State string

// The states of a segment, in order.
const (
	// Written: the file and its keys file are durable and listed; no hot
	// row has been deleted yet.
	Written State = "written"
	// Deleting: the hot rows the segment holds are being deleted.
	Deleting State = "deleting"
	// Done: the flushed hot rows are gone; the keys file is removed.
	Done State = "done"
	// Compacting: a segment written by Compact, merging the segments in
	// Replaces; their rows' markers are being moved to it (compact.go).
	Compacting State = "compacting"
)

// Manifest lists a table's flushed segments. It is the only truth about
// which files hold rows: a part file it does not list is an orphan of a
// crashed flush and is removed by recovery.
type Manifest struct {
	Format  int    `json:"format"`
	Table   string `json:"table"`
	TableID uint32 `json:"table_id"`
	// NextSeq is the sequence number the next segment gets.
	NextSeq  uint64    `json:"next_seq"`
	Segments []Segment `json:"segments"`
}

// Segment is one flushed Parquet file.
type Segment struct {
	Seq uint64 `json:"seq"`
	// File is the path of the Parquet file relative to the table's
	// directory: part-<seq>.parquet (a table without owners, a
	// multi-owner segment, or one owner's in the multi-owner layout) or
	// owner-dir=<escaped>/part-<seq>.parquet (Options.PartitionByOwner;
	// owner=<escaped>/... in segments written by older versions).
	File string `json:"file"`
	// Keys is the keys file (same directory), listed until the segment is
	// done.
	Keys string `json:"keys,omitempty"`
	// Owner is the owner of every row of a one-owner segment of a user or
	// stream table; nil for a multi-owner segment, whose rows name their
	// owner in the file's owner column. An
	// owner id that is not valid UTF-8 (JSON cannot hold it) is in
	// OwnerBytes instead, and Owner then holds its valid-UTF-8 rendering
	// for people.
	Owner      *string `json:"owner,omitempty"`
	OwnerBytes []byte  `json:"owner_bytes,omitempty"`
	Rows       int64   `json:"rows"`
	Bytes      int64   `json:"bytes"`
	// MinKey and MaxKey are the first and last encoded key tuples, in
	// hex: without the owner scope when Owner is set, owner scope + key
	// tuple in a multi-owner segment.
	MinKey string `json:"min_key"`
	MaxKey string `json:"max_key"`
	// Fingerprint is layout.Table.Fingerprint of the layout the rows were
	// written with.
	Fingerprint string             `json:"fingerprint"`
	Created     time.Time          `json:"created"`
	State       State              `json:"state"`
	Columns     []scan.ColumnStats `json:"columns"`
	// Replaces are the segments a compacting segment merges; they stay
	// listed until its markers are moved.
	Replaces []uint64 `json:"replaces,omitempty"`
}

var partName = regexp.MustCompile(`^part-([0-9]{8,20})\.(parquet|keys)$`)

// partFile is the name of segment seq's Parquet (ext "parquet") or keys
// (ext "keys") file.
func partFile(seq uint64, ext string) string {
	return fmt.Sprintf("part-%08d.%s", seq, ext)
}

// maxOwnerDir bounds an owner directory's name, well below the 255 bytes
// common file systems allow for one name.
const maxOwnerDir = 200

// ownerKey is the Hive key of owner directories: owner-dir=<escaped>.
// It is not "owner" because DuckDB (and other Hive readers) let a
// directory's key=value shadow the file column of the same name, and the
// directory value is escaped, hashed for long ids and turned into SQL
// NULL for the id "NULL"; under its own key the files' owner column reads
// as the real id. The '-' keeps the key apart from every column name a
// schema can declare (snake_case), so no column is shadowed either.
const ownerKey = "owner-dir="

// legacyOwnerKey is the key of owner directories written before
// ownerKey: their segments are still listed with these paths and read.
const legacyOwnerKey = "owner="

// ownerDir is the Hive-style directory of one owner's files. Every byte a
// path or a Hive reader treats specially is %-escaped: url.PathEscape's
// set ('/', '%', '?', control and non-ASCII bytes, so also every byte of
// an id that is not UTF-8) plus '=' and '+'; a name that would pass
// maxOwnerDir keeps an escaped prefix and ends in '~' and 32 hex digits of
// the owner's SHA-256. The full owner is in the file's footer, the
// manifest and the Parquet owner column, so nothing needs to parse the
// directory name back.
func ownerDir(owner string) string { return ownerDirKeyed(ownerKey, owner) }

// ownerDirKeyed is ownerDir under Hive key key (ownerKey, or
// legacyOwnerKey for the layout of older versions).
func ownerDirKeyed(key, owner string) string {
	esc := escapeOwner(owner)
	if utf8.ValidString(owner) && len(key)+len(esc) <= maxOwnerDir {
		return key + esc
	}
	// Too long, or not UTF-8 (Hive readers decode the name and refuse
	// invalid UTF-8): a prefix of whole escaped characters, then the hash.
	sum := sha256.Sum256([]byte(owner))
	room := maxOwnerDir - len(key) - 1 - 32
	var b strings.Builder
	for _, r := range strings.ToValidUTF8(owner, "") {
		e := escapeOwner(string(r))
		if b.Len()+len(e) > room {
			break
		}
		b.WriteString(e)
	}
	return key + b.String() + "~" + hex.EncodeToString(sum[:16])
}

func escapeOwner(s string) string {
	return strings.NewReplacer("=", "%3D", "+", "%2B", "~", "%7E").Replace(url.PathEscape(s))
}

// owner returns the segment's owner id, exactly, and whether it has one.
func (s *Segment) owner() (string, bool) {
	if s.OwnerBytes != nil {
		return string(s.OwnerBytes), true
	}
	if s.Owner == nil {
		return "", false
	}
	return *s.Owner, true
}

// setOwner records owner in the segment, losslessly.
func (s *Segment) setOwner(owner *string) {
	if owner == nil {
		return
	}
	o := *owner
	if !utf8.ValidString(o) {
		s.OwnerBytes = []byte(o)
		o = strings.ToValidUTF8(o, "\ufffd")
	}
	s.Owner = &o
}

// segmentDir is the directory of a new segment's files, relative to the
// table directory.
func segmentDir(owner *string) string {
	if owner == nil {
		return "."
	}
	return ownerDir(*owner)
}

// listedDir is the directory of a listed segment's files: segmentDir, or
// for an owner's segment written by an older version, its legacy owner=
// directory, or the table directory for an owner's segment of the
// multi-owner layout (an owner id that is not UTF-8, see writeMulti). ok
// is false when file is in none.
func listedDir(owner *string, file string) (dir string, ok bool) {
	dir = segmentDir(owner)
	if owner == nil || path.Dir(file) == dir {
		return dir, true
	}
	if path.Dir(file) == "." {
		return ".", true
	}
	if legacy := ownerDirKeyed(legacyOwnerKey, *owner); path.Dir(file) == legacy {
		return legacy, true
	}
	return dir, false
}

// ParseManifest decodes and validates a manifest: the format, unique
// sequence numbers below NextSeq, file names that are exactly the names
// flush gives (so a manipulated manifest can never point recovery outside
// the table's directory), hex keys and known states. Errors wrap
// ErrCorruptManifest.
func ParseManifest(data []byte) (*Manifest, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrCorruptManifest, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: data after the JSON object", ErrCorruptManifest)
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return &m, nil
}

// ErrCorruptManifest wraps every problem found in a manifest.
var ErrCorruptManifest = errors.New("flush: corrupt manifest")

func (m *Manifest) validate() error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: "+format+"; restore %s from a backup (its segments' files are still in the table directory)", append([]any{ErrCorruptManifest}, append(a, ManifestName)...)...)
	}
	if m.Format != manifestFormat {
		return bad("format %d, this build reads format %d", m.Format, manifestFormat)
	}
	seen := map[uint64]bool{}
	for i := range m.Segments {
		s := &m.Segments[i]
		if s.Seq == 0 || s.Seq >= m.NextSeq {
			return bad("segment %d has seq %d outside [1, next_seq %d)", i, s.Seq, m.NextSeq)
		}
		if seen[s.Seq] {
			return bad("seq %d is listed twice", s.Seq)
		}
		seen[s.Seq] = true
		var owner *string
		if o, ok := s.owner(); ok {
			owner = &o
		}
		dir, _ := listedDir(owner, s.File)
		if want := filepath.ToSlash(filepath.Join(dir, partFile(s.Seq, "parquet"))); s.File != want {
			return bad("segment %d: file %q, want %q", s.Seq, s.File, want)
		}
		if (s.State == Compacting) != (len(s.Replaces) > 0) {
			return bad("segment %d in state %s lists %d replaced segments", s.Seq, s.State, len(s.Replaces))
		}
		switch s.State {
		case Written, Deleting, Compacting:
			if want := filepath.ToSlash(filepath.Join(dir, partFile(s.Seq, "keys"))); s.Keys != want {
				return bad("segment %d in state %s: keys file %q, want %q", s.Seq, s.State, s.Keys, want)
			}
		case Done:
			if s.Keys != "" {
				return bad("segment %d is done but still lists keys file %q", s.Seq, s.Keys)
			}
		default:
			return bad("segment %d has unknown state %q", s.Seq, s.State)
		}
		if s.Rows <= 0 || s.Bytes < 0 {
			return bad("segment %d: %d rows, %d bytes", s.Seq, s.Rows, s.Bytes)
		}
		lo, err1 := hex.DecodeString(s.MinKey)
		hi, err2 := hex.DecodeString(s.MaxKey)
		if err1 != nil || err2 != nil || len(lo) == 0 || bytes.Compare(lo, hi) > 0 {
			return bad("segment %d: key range %q..%q is not two ordered hex keys", s.Seq, s.MinKey, s.MaxKey)
		}
	}
	return nil
}

// readManifest reads the manifest of a table directory; a missing one is an
// empty manifest.
func readManifest(tableDir, table string, tableID uint32) (*Manifest, error) {
	data, err := os.ReadFile(filepath.Join(tableDir, ManifestName))
	if errors.Is(err, os.ErrNotExist) {
		return &Manifest{Format: manifestFormat, Table: table, TableID: tableID, NextSeq: 1}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("flush: read manifest: %w", err)
	}
	m, err := ParseManifest(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(tableDir, ManifestName), err)
	}
	if m.TableID != tableID {
		return nil, fmt.Errorf("flush: %s belongs to table %s (id %d), not %s (id %d); each table needs its own directory", filepath.Join(tableDir, ManifestName), m.Table, m.TableID, table, tableID)
	}
	// Same id, another name: the table was renamed. The directory keeps
	// its first name; the manifest records the current one when next
	// written.
	m.Table = table
	return m, nil
}

// writeManifest replaces the manifest durably.
func writeManifest(tableDir string, m *Manifest, fault func(step) error) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("flush: encode manifest: %w", err)
	}
	data = append(data, '\n')
	return writeDurable(filepath.Join(tableDir, ManifestName), fault, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// seqOf returns the sequence number in a part or keys file name.
func seqOf(name string) (uint64, string, bool) {
	m := partName.FindStringSubmatch(name)
	if m == nil {
		return 0, "", false
	}
	seq, err := strconv.ParseUint(m[1], 10, 64)
	if err != nil {
		return 0, "", false
	}
	return seq, m[2], true
}

// isOwnerDir reports whether a directory entry is an owner partition, of
// this layout or an older one.
func isOwnerDir(name string) bool {
	return strings.HasPrefix(name, ownerKey) || strings.HasPrefix(name, legacyOwnerKey)
}
