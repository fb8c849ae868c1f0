package rowenc

import (
	"errors"
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// ErrCorrupt is wrapped by every Decoder error, so the store can report a
// damaged or incompatible row (errors.Is(err, ErrCorrupt)) separately from
// I/O failures.
var ErrCorrupt = errors.New("corrupt row value")

// corruptHint tells the reader what usually causes a decoding error.
const corruptHint = "the stored row is damaged, or a column's type was changed to one that cannot read the old values (see the compatible changes in package rowenc)"

func corruptf(format string, args ...any) error {
	return fmt.Errorf("rowenc: %s: %w; %s", fmt.Sprintf(format, args...), ErrCorrupt, corruptHint)
}

// wireTypeName names a wire type in error messages.
func wireTypeName(t protowire.Type) string {
	switch t {
	case protowire.VarintType:
		return "varint"
	case protowire.Fixed32Type:
		return "fixed32"
	case protowire.Fixed64Type:
		return "fixed64"
	case protowire.BytesType:
		return "bytes"
	case protowire.StartGroupType:
		return "start-group"
	case protowire.EndGroupType:
		return "end-group"
	}
	return fmt.Sprintf("reserved wire type %d", t)
}
