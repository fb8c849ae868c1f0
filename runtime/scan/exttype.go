package scan

import (
	"encoding/json"
	"reflect"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/google/uuid"
)

// extType is one of Arrow's canonical extension types, arrow.uuid over
// fixed_size_binary[16] or arrow.json over utf8, defined here rather than
// taken from arrow-go's arrow/extensions: that package imports Parquet (for
// the logical types its types report to pqarrow), and a user of the store or
// of a generated package compiles everything the scan package imports. The
// name and the storage are what an engine sees (in IPC, in Flight, in the C
// data interface), so schemas are the same as with arrow/extensions; Arrow's
// type equality compares extension types by name, so records of either
// definition fit the same schema. runtime/flush writes Parquet through
// arrow-go's own types, which carry the Parquet logical types.
//
// The types are not registered with arrow.RegisterExtensionType: a name can
// be registered once per process, and arrow/extensions registers these
// names when it is linked in.
type extType struct {
	arrow.ExtensionBase
	name string
}

var (
	uuidType arrow.ExtensionType = &extType{ExtensionBase: arrow.ExtensionBase{Storage: &arrow.FixedSizeBinaryType{ByteWidth: 16}}, name: "arrow.uuid"}
	jsonType arrow.ExtensionType = &extType{ExtensionBase: arrow.ExtensionBase{Storage: arrow.BinaryTypes.String}, name: "arrow.json"}
)

// extArray is the array of an extType. Its cells print as arrow-go's do: a
// uuid in its text form, a json value as its text.
type extArray struct{ array.ExtensionArrayBase }

func (a *extArray) ValueStr(i int) string {
	if a.IsNull(i) {
		if a.ExtensionType().ExtensionName() == "arrow.json" {
			return "null" // a JSON null, as arrow-go's JSONArray prints it
		}
		return array.NullValueStr
	}
	switch st := a.Storage().(type) {
	case *array.FixedSizeBinary:
		if u, err := uuid.FromBytes(st.Value(i)); err == nil {
			return u.String()
		}
		return st.ValueStr(i)
	case *array.String:
		return st.Value(i)
	}
	return a.Storage().ValueStr(i)
}

func (a *extArray) GetOneForMarshal(i int) any {
	if a.IsNull(i) {
		return nil
	}
	if st, ok := a.Storage().(*array.String); ok && json.Valid([]byte(st.Value(i))) {
		return json.RawMessage(st.Value(i))
	}
	return a.ValueStr(i)
}

func (a *extArray) String() string {
	var b strings.Builder
	b.WriteByte('[')
	for i := range a.Len() {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(a.ValueStr(i))
	}
	b.WriteByte(']')
	return b.String()
}

func (t *extType) ExtensionName() string   { return t.name }
func (t *extType) ArrayType() reflect.Type { return reflect.TypeOf(extArray{}) }
func (t *extType) Serialize() string       { return "" }
func (t *extType) ExtensionEquals(other arrow.ExtensionType) bool {
	return other.ExtensionName() == t.name
}

func (t *extType) String() string {
	if t.name == "arrow.json" { // as arrow-go's JSONType prints itself
		return "extension<arrow.json[storage_type=" + t.Storage.String() + "]>"
	}
	return "extension<" + t.name + ">"
}

func (t *extType) Deserialize(storage arrow.DataType, _ string) (arrow.ExtensionType, error) {
	return &extType{ExtensionBase: arrow.ExtensionBase{Storage: storage}, name: t.name}, nil
}
