package rowenc

import (
	"fmt"
	"strconv"
	"strings"
)

// EnumString is the String of a generated enum type called typ whose
// declared values are names: the value as written in the schema, or
// typ(n) for an ordinal this build does not know (a row written by a newer
// build that appended values).
func EnumString(names []string, typ string, ordinal int32) string {
	if ordinal >= 0 && int(ordinal) < len(names) {
		return names[ordinal]
	}
	return typ + "(" + strconv.FormatInt(int64(ordinal), 10) + ")"
}

// ParseEnum is the Parse function of a generated enum type: the ordinal of
// s among names, or an error listing the valid values.
func ParseEnum(names []string, typ, s string) (int32, error) {
	for i, name := range names {
		if name == s {
			return int32(i), nil
		}
	}
	return 0, fmt.Errorf("parse %s: unknown value %q; valid values are %s", typ, s, strings.Join(names, ", "))
}

// EnumText is the MarshalText of a generated enum type: the value as
// written in the schema. An ordinal this build does not know is an error
// rather than typ(n), because text is for other programs to parse back and
// typ(n) is no value of the schema.
func EnumText(names []string, typ string, ordinal int32) ([]byte, error) {
	if ordinal >= 0 && int(ordinal) < len(names) {
		return []byte(names[ordinal]), nil
	}
	return nil, fmt.Errorf("marshal %s: ordinal %d is no value this build knows (%s); a newer build appended it", typ, ordinal, strings.Join(names, ", "))
}
