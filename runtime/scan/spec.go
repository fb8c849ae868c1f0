package scan

import (
	"encoding/hex"

	"github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/rowenc"
	"github.com/tablegen/tablegen/runtime/store"
)

// LayoutKey is an encoded key tuple (keyenc), the key of a table opened
// with [LayoutSpec]. It prints as hex.
type LayoutKey string

func (k LayoutKey) String() string { return "0x" + hex.EncodeToString([]byte(k)) }

// LayoutRow is a row decoded by its table's layout alone: one [Value] per
// layout column, and the stored bytes it was decoded from.
type LayoutRow struct {
	Values []Value
	Raw    []byte
}

// LayoutSpec returns a store.Spec for a table known only by its layout, so
// tools without the table's generated code (tablegen verify) can open it
// with store.NewTable and use the store's Verify, Repair and Delete on it.
// Rows decode as the schema-driven rowDecoder decodes them, after the
// layout's store.RowChecker; keys and index values are encoded from the
// decoded columns with the key encoding of their types, as generated code
// does. Putting a LayoutRow writes its Raw bytes back unchanged.
func LayoutSpec(l *layout.Table) (store.Spec[LayoutKey, LayoutRow], error) {
	t, err := newTable(l)
	if err != nil {
		return store.Spec[LayoutKey, LayoutRow]{}, err
	}
	all := make([]bool, len(t.cols))
	for i := range all {
		all[i] = true
	}
	s := store.Spec[LayoutKey, LayoutRow]{
		Layout:    *l,
		AppendKey: func(dst []byte, k LayoutKey) []byte { return append(dst, k...) },
		DecodeKey: func(b []byte) (LayoutKey, error) { return LayoutKey(b), nil },
		KeyOf: func(v *LayoutRow) LayoutKey {
			var dst []byte
			for i, c := range t.key {
				if c < len(v.Values) {
					dst = appendKey(dst, t.cols[c].typ, v.Values[c], t.keyDesc[i])
				}
			}
			return LayoutKey(dst)
		},
		AppendRow: func(dst []byte, v *LayoutRow) []byte { return append(dst, v.Raw...) },
		DecodeRow: func(b []byte, v *LayoutRow, _ *rowenc.Arena) error {
			d, err := t.newRowDecoder(all, nil)
			if err != nil {
				return err
			}
			if err := d.Load(b); err != nil {
				return err
			}
			v.Values, v.Raw = d.vals, b
			return nil
		},
	}
	for _, x := range t.indexes {
		s.Indexes = append(s.Indexes, store.IndexSpec[LayoutRow]{
			ID: x.ID, Name: x.Name, Unique: x.Unique,
			AppendValues: func(dst []byte, v *LayoutRow) ([]byte, bool) {
				for _, c := range x.cols {
					if c >= len(v.Values) || v.Values[c].Null {
						return dst, false
					}
					dst = appendKey(dst, t.cols[c].typ, v.Values[c], false)
				}
				return dst, true
			},
		})
	}
	return s, nil
}
