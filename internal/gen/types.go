package gen

import (
	"github.com/dave/jennifer/jen"

	"github.com/tablegen/tablegen/internal/schema"
)

// Import paths the generated code uses.
const (
	pathKeyenc  = "github.com/tablegen/tablegen/runtime/keyenc"
	pathRowenc  = "github.com/tablegen/tablegen/runtime/rowenc"
	pathStore   = "github.com/tablegen/tablegen/runtime/store"
	pathUUID    = "github.com/google/uuid"
	pathDecimal = "github.com/tablegen/tablegen/runtime/decimal"
)

// typeWord is the word the runtime packages use for a column type in their
// function names: keyenc.AppendTimestamp, rowenc.Decoder.Timestamp …
// json columns are stored as bytes.
func typeWord(t schema.Type) string {
	switch t {
	case schema.TypeBool:
		return "Bool"
	case schema.TypeInt32:
		return "Int32"
	case schema.TypeInt64:
		return "Int64"
	case schema.TypeUint64:
		return "Uint64"
	case schema.TypeFloat64:
		return "Float64"
	case schema.TypeString:
		return "String"
	case schema.TypeBytes, schema.TypeJSON:
		return "Bytes"
	case schema.TypeTimestamp:
		return "Timestamp"
	case schema.TypeDuration:
		return "Duration"
	case schema.TypeUUID:
		return "UUID"
	case schema.TypeEnum:
		return "Enum"
	case schema.TypeDecimal:
		return "Decimal"
	}
	return ""
}

// knownType reports whether the generator knows how to emit t.
func knownType(t schema.Type) bool { return typeWord(t) != "" }

// keyable reports whether t can be a key or index column: it needs an
// order-preserving encoding in runtime/keyenc (floats and json have none).
func keyable(t schema.Type) bool {
	return knownType(t) && t != schema.TypeFloat64 && t != schema.TypeJSON
}

// pointerNullable reports whether a nullable column of type t is a pointer
// field; bytes and json use a nil slice for null instead.
func pointerNullable(t schema.Type) bool {
	return t != schema.TypeBytes && t != schema.TypeJSON
}

// baseType is the Go type of a value of the column, ignoring nullability.
// enumType is the name of the enum type for enum columns.
func baseType(c *schema.Column, enumType string) *jen.Statement {
	if c.GoType != "" {
		return goTypeQual(c) // go_types (gotypes.go)
	}
	switch c.Type {
	case schema.TypeBool:
		return jen.Bool()
	case schema.TypeInt32:
		return jen.Int32()
	case schema.TypeInt64:
		return jen.Int64()
	case schema.TypeUint64:
		return jen.Uint64()
	case schema.TypeFloat64:
		return jen.Float64()
	case schema.TypeString:
		return jen.String()
	case schema.TypeBytes:
		return jen.Index().Byte()
	case schema.TypeJSON:
		return jen.Qual("encoding/json", "RawMessage")
	case schema.TypeTimestamp:
		return jen.Qual("time", "Time")
	case schema.TypeDuration:
		return jen.Qual("time", "Duration")
	case schema.TypeUUID:
		return jen.Qual(pathUUID, "UUID")
	case schema.TypeEnum:
		return jen.Id(enumType)
	case schema.TypeDecimal:
		return jen.Qual(pathDecimal, "Decimal")
	}
	return jen.Id("invalid")
}

// underlyingType is the type a named scalar key of type c converts to before
// it is handed to keyenc (string(k), time.Time(k) …).
func underlyingType(c *schema.Column) *jen.Statement {
	switch c.Type {
	case schema.TypeEnum:
		return jen.Int32()
	case schema.TypeJSON:
		return jen.Index().Byte()
	}
	return baseType(c, "")
}

// fieldType is the Go type of the entity field for c.
func fieldType(c *schema.Column, enumType string) *jen.Statement {
	if c.Nullable && pointerNullable(c.Type) {
		return jen.Op("*").Add(baseType(c, enumType))
	}
	return baseType(c, enumType)
}

// zeroValue is the literal zero value of the base type of c.
func zeroValue(c *schema.Column, enumType string) *jen.Statement {
	switch c.Type {
	case schema.TypeBool:
		return jen.False()
	case schema.TypeString:
		return jen.Lit("")
	case schema.TypeBytes, schema.TypeJSON:
		return jen.Nil()
	case schema.TypeTimestamp, schema.TypeUUID, schema.TypeDecimal:
		return baseType(c, enumType).Values()
	}
	return jen.Lit(0)
}

// nonZero is the condition under which a non-nullable value x is written:
// proto3 leaves zero values out. Floats compare bits so -0 and NaN payloads
// survive a round trip.
func nonZero(c *schema.Column, x *jen.Statement) *jen.Statement {
	if c.GoType != "" {
		x = defaultType(c).Call(x)
	}
	switch c.Type {
	case schema.TypeBool:
		return x
	case schema.TypeString:
		return x.Op("!=").Lit("")
	case schema.TypeBytes, schema.TypeJSON:
		return jen.Len(x).Op("!=").Lit(0)
	case schema.TypeFloat64:
		return jen.Qual("math", "Float64bits").Call(x).Op("!=").Lit(0)
	case schema.TypeTimestamp:
		return jen.Op("!").Add(x).Dot("IsZero").Call()
	case schema.TypeUUID:
		return x.Op("!=").Qual(pathUUID, "Nil")
	case schema.TypeDecimal:
		return jen.Op("!").Add(x).Dot("IsZero").Call()
	}
	return x.Op("!=").Lit(0)
}

// encArg converts a value x of the column's Go type to what the runtime's
// encoders take: enums go as int32, decimals as their apd.Decimal followed
// by the column's precision and scale, everything else as is.
func encArg(c *schema.Column, x *jen.Statement) *jen.Statement {
	if c.GoType != "" {
		return defaultType(c).Call(x)
	}
	switch c.Type {
	case schema.TypeEnum:
		return jen.Int32().Call(x)
	case schema.TypeDecimal:
		return jen.List(append([]jen.Code{recv(x).Dot("Decimal")}, digitArgs(c)...)...)
	}
	return x
}

// digitArgs are the precision and scale arguments the runtime's decimal
// encoders and decoders take after the value; none for other types.
func digitArgs(c *schema.Column) []jen.Code {
	if c.Type != schema.TypeDecimal {
		return nil
	}
	return []jen.Code{jen.Lit(int(c.Precision)), jen.Lit(int(c.Scale))}
}

// decConv converts a decoded runtime value x to the column's Go type.
func decConv(c *schema.Column, enumType string, x *jen.Statement) *jen.Statement {
	if c.GoType != "" {
		return goTypeQual(c).Call(x)
	}
	switch c.Type {
	case schema.TypeEnum:
		return jen.Id(enumType).Call(x)
	case schema.TypeUUID:
		return jen.Qual(pathUUID, "UUID").Call(x)
	case schema.TypeDecimal:
		return jen.Qual(pathDecimal, "Decimal").Values(jen.Dict{jen.Id("Decimal"): x})
	case schema.TypeJSON:
		return jen.Qual("encoding/json", "RawMessage").Call(x)
	}
	return x
}

// keyencAppend is the keyenc encoder for a column, ascending or descending.
func keyencAppend(c *schema.Column, desc bool) *jen.Statement {
	name := "Append" + typeWord(c.Type)
	if desc {
		name += "Desc"
	}
	return jen.Qual(pathKeyenc, name)
}

// keyencDecode is the keyenc decoder for a column, ascending or descending.
func keyencDecode(c *schema.Column, desc bool) *jen.Statement {
	name := "Decode" + typeWord(c.Type)
	if desc {
		name += "Desc"
	}
	return jen.Qual(pathKeyenc, name)
}
