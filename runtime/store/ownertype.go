package store

import (
	"fmt"
	"strconv"

	"github.com/google/uuid"

	"github.com/tablegen/tablegen/runtime/keyenc"
)

// Owner is the Go type of an owner-partitioned table's owner, as the
// schema's owner: {type: …} declares it: string (the default), int64 or
// uuid.UUID. Every type is stored as its text form (the string itself,
// decimal digits, the canonical lowercase hyphenated UUID), so the stored
// keys, Parquet's owner column and access.Actor.UserID all speak the same
// string whatever the Go type, and owners are ordered by that text (for
// int64, "10" sorts before "9"). The layout records the type (layout.Table.
// Owner), and changing it is a breaking change.
type Owner interface {
	string | int64 | uuid.UUID
}

// OwnerText returns the text form of owner, the string its rows are stored
// under.
func OwnerText[O Owner](owner O) string {
	switch o := any(owner).(type) {
	case string:
		return o
	case int64:
		return strconv.FormatInt(o, 10)
	default: // uuid.UUID, whose String is the canonical form
		return fmt.Sprint(o)
	}
}

// ownerType is the layout's name of O (layout.Table.Owner): "" for string.
func ownerType[O Owner]() string {
	var zero O
	switch any(zero).(type) {
	case int64:
		return "int64"
	case uuid.UUID:
		return "uuid"
	}
	return ""
}

// parseOwner reads a stored owner's text form as an O; text that is not
// the canonical form of an O is an error.
func parseOwner[O Owner](s string) (O, error) {
	var out O
	switch p := any(&out).(type) {
	case *string:
		*p = s
		return out, nil
	case *int64:
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || strconv.FormatInt(v, 10) != s {
			return out, fmt.Errorf("owner %q is not an int64 in canonical decimal form", s)
		}
		*p = v
	case *uuid.UUID:
		v, err := uuid.Parse(s)
		if err != nil || v.String() != s {
			return out, fmt.Errorf("owner %q is not a UUID in canonical lowercase hyphenated form", s)
		}
		*p = v
	}
	return out, nil
}

// OwnerScope returns the scope of owner's rows in an owner-partitioned
// table, for [Table.WithScope]. It refuses the zero owner ("", 0,
// uuid.Nil): every row of a user or stream table belongs to somebody, an
// empty scope would be the whole table, and a zero id is what an unset one
// looks like.
func OwnerScope[O Owner](owner O) ([]byte, error) {
	var zero O
	if owner == zero {
		return nil, fmt.Errorf("store: owner is the zero %T; every row of a user or stream table belongs to an owner, pass the owner's user id", owner)
	}
	return keyenc.AppendString(nil, OwnerText(owner)), nil
}
