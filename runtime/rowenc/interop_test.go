package rowenc

import (
	"bytes"
	"math"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/dynamicpb"
	"pgregory.net/rapid"
)

// rowDescriptor is the .proto message equivalent to testRow, per the type
// table in the package documentation, built at run time so protobuf's own
// codec serves as an independent reference:
//
//	syntax = "proto2";
//	enum Status { S0 = 0; … S4 = 4; }
//	message Row { optional string id = 1; … optional int32 pri = 20; }
func rowDescriptor(t testing.TB) protoreflect.MessageDescriptor {
	t.Helper()
	field := func(num int32, typ descriptorpb.FieldDescriptorProto_Type) *descriptorpb.FieldDescriptorProto {
		f := &descriptorpb.FieldDescriptorProto{
			Name:   proto.String("f" + string(rune('a'+num))),
			Number: proto.Int32(num),
			Label:  descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL.Enum(),
			Type:   typ.Enum(),
		}
		if typ == descriptorpb.FieldDescriptorProto_TYPE_ENUM {
			f.TypeName = proto.String(".rowenctest.Status")
		}
		return f
	}
	const (
		str  = descriptorpb.FieldDescriptorProto_TYPE_STRING
		byt  = descriptorpb.FieldDescriptorProto_TYPE_BYTES
		enm  = descriptorpb.FieldDescriptorProto_TYPE_ENUM
		i32  = descriptorpb.FieldDescriptorProto_TYPE_INT32
		i64  = descriptorpb.FieldDescriptorProto_TYPE_INT64
		u64  = descriptorpb.FieldDescriptorProto_TYPE_UINT64
		dbl  = descriptorpb.FieldDescriptorProto_TYPE_DOUBLE
		bln  = descriptorpb.FieldDescriptorProto_TYPE_BOOL
		si64 = descriptorpb.FieldDescriptorProto_TYPE_SINT64
	)
	types := []descriptorpb.FieldDescriptorProto_Type{
		str, str, enm, i32, i64, i64, u64, u64, dbl, dbl, bln, bln, si64, si64, si64, byt, byt, byt, str, i32,
	}
	msg := &descriptorpb.DescriptorProto{Name: proto.String("Row")}
	for i, typ := range types {
		msg.Field = append(msg.Field, field(int32(i+1), typ))
	}
	status := &descriptorpb.EnumDescriptorProto{Name: proto.String("Status")}
	for i := range 5 {
		status.Value = append(status.Value, &descriptorpb.EnumValueDescriptorProto{
			Name: proto.String("S" + string(rune('0'+i))), Number: proto.Int32(int32(i)),
		})
	}
	fd, err := protodesc.NewFile(&descriptorpb.FileDescriptorProto{
		Name:        proto.String("rowenctest.proto"),
		Package:     proto.String("rowenctest"),
		Syntax:      proto.String("proto2"),
		EnumType:    []*descriptorpb.EnumDescriptorProto{status},
		MessageType: []*descriptorpb.DescriptorProto{msg},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return fd.Messages().ByName("Row")
}

var testRowGen = rapid.Custom(func(t *rapid.T) testRow {
	str := func(l string) string { return string(payloads.Draw(t, l)) }
	us := func(l string) int64 { return rapid.OneOf(rapid.Int64(), rapid.Int64Range(-9, 9)).Draw(t, l) }
	return testRow{
		ID: str("id"), Owner: str("owner"), Name: str("name"),
		Status: rapid.Int32Range(0, 4).Draw(t, "status"), Kind: rapid.Int32().Draw(t, "kind"), Pri: rapid.Int32().Draw(t, "pri"),
		Count: rapid.Int64().Draw(t, "count"), Size: rapid.Int64().Draw(t, "size"),
		Version: rapid.Uint64().Draw(t, "version"), Seq: rapid.Uint64().Draw(t, "seq"),
		Score: rapid.Float64().Draw(t, "score"), Ratio: rapid.Float64().Draw(t, "ratio"),
		Active: rapid.Bool().Draw(t, "active"), Deleted: rapid.Bool().Draw(t, "deleted"),
		Created: time.UnixMicro(us("created")).UTC(), Updated: time.UnixMicro(us("updated")).UTC(),
		TTL:     time.Duration(rapid.Int64Range(-math.MaxInt64/1000, math.MaxInt64/1000).Draw(t, "ttl")) * time.Microsecond,
		UUID:    [16]byte(rapid.SliceOfN(rapid.Byte(), 16, 16).Draw(t, "uuid")),
		Payload: payloads.Draw(t, "payload"), Doc: payloads.Draw(t, "doc"),
	}
})

// protoValues lists testRow's columns as protobuf values, in tag order.
func protoValues(r *testRow) []protoreflect.Value {
	return []protoreflect.Value{
		protoreflect.ValueOfString(r.ID), protoreflect.ValueOfString(r.Owner),
		protoreflect.ValueOfEnum(protoreflect.EnumNumber(r.Status)), protoreflect.ValueOfInt32(r.Kind),
		protoreflect.ValueOfInt64(r.Count), protoreflect.ValueOfInt64(r.Size),
		protoreflect.ValueOfUint64(r.Version), protoreflect.ValueOfUint64(r.Seq),
		protoreflect.ValueOfFloat64(r.Score), protoreflect.ValueOfFloat64(r.Ratio),
		protoreflect.ValueOfBool(r.Active), protoreflect.ValueOfBool(r.Deleted),
		protoreflect.ValueOfInt64(r.Created.UnixMicro()), protoreflect.ValueOfInt64(r.Updated.UnixMicro()),
		protoreflect.ValueOfInt64(r.TTL.Microseconds()),
		protoreflect.ValueOfBytes(r.UUID[:]), protoreflect.ValueOfBytes(r.Payload), protoreflect.ValueOfBytes(r.Doc),
		protoreflect.ValueOfString(r.Name), protoreflect.ValueOfInt32(r.Pri),
	}
}

func sameProtoValue(a, b protoreflect.Value) bool {
	switch x := a.Interface().(type) {
	case []byte:
		return bytes.Equal(x, b.Bytes())
	case float64:
		return math.Float64bits(x) == math.Float64bits(b.Float())
	}
	return a.Interface() == b.Interface()
}

// TestProtobufInterop checks the wire format against protobuf's own codec
// with the equivalent .proto message: our bytes equal protobuf's for the
// same values, protobuf parses our rows, and we parse protobuf's.
func TestProtobufInterop(t *testing.T) {
	md := rowDescriptor(t)
	fields := md.Fields()
	rapid.Check(t, func(t *rapid.T) {
		r := testRowGen.Draw(t, "row")
		ours := appendTestRow(nil, &r)

		ref := dynamicpb.NewMessage(md)
		for i, v := range protoValues(&r) {
			ref.Set(fields.ByNumber(protowire.Number(i+1)), v)
		}
		theirs, err := proto.MarshalOptions{Deterministic: true}.Marshal(ref)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ours, theirs) {
			t.Fatalf("bytes differ from protobuf's\n ours   %x\n theirs %x", ours, theirs)
		}

		parsed := dynamicpb.NewMessage(md)
		if err := proto.Unmarshal(ours, parsed); err != nil {
			t.Fatalf("protobuf cannot parse our row: %v", err)
		}
		for i, want := range protoValues(&r) {
			if got := parsed.Get(fields.ByNumber(protowire.Number(i + 1))); !sameProtoValue(got, want) {
				t.Fatalf("protobuf read field %d as %v, want %v", i+1, got, want)
			}
		}

		var back testRow
		if err := decodeTestRow(theirs, &back); err != nil {
			t.Fatalf("decoding protobuf's bytes: %v", err)
		}
		if !bytes.Equal(appendTestRow(nil, &back), ours) {
			t.Fatalf("decoding protobuf's bytes gave %+v, want %+v", back, r)
		}
	})
}
