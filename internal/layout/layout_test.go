package layout_test

import (
	"reflect"
	"testing"

	"github.com/tablegen/tablegen/internal/layout"
	"github.com/tablegen/tablegen/internal/schema"
	tl "github.com/tablegen/tablegen/runtime/layout"
	"github.com/tablegen/tablegen/runtime/scan"
)

const jobs = `namespace: system
table: jobs
id: 5
kind: user
entity: Job
doc: Background jobs.
key: {type: JobKey, columns: [owner_job, created_at]}
columns:
  - {name: owner_job, tag: 1, type: string, doc: The job.}
  - {name: status, tag: 2, type: enum, values: [new, running, done]}
  - {name: params, tag: 3, type: json, nullable: true, doc: Input.}
  - {name: created_at, tag: 4, type: timestamp}
  - {name: idem, tag: 5, type: string, nullable: true}
indexes:
  - {name: by_idem, id: 2, columns: [idem], unique: true}
  - {name: by_status, id: 1, columns: [status, created_at]}
`

// TestOf: schema.Table.Layout, the one schema → layout mapping, and Docs.
func TestOf(t *testing.T) {
	s, err := schema.Parse("schemas/system/jobs.yaml", []byte(jobs))
	if err != nil {
		t.Fatal(err)
	}
	tab := s.Tables[0]
	got := tab.Layout()
	want := tl.Table{
		ID: 5, Namespace: "system", Name: "jobs", Kind: "user",
		Key: []tl.KeyColumn{{Name: "owner_job", Type: "string"}, {Name: "created_at", Type: "timestamp"}},
		Columns: []tl.Column{
			{Tag: 1, Name: "owner_job", Type: "string"},
			{Tag: 2, Name: "status", Type: "enum", Values: []string{"new", "running", "done"}},
			{Tag: 3, Name: "params", Type: "json", Nullable: true},
			{Tag: 4, Name: "created_at", Type: "timestamp"},
			{Tag: 5, Name: "idem", Type: "string", Nullable: true},
		},
		Indexes: []tl.Index{
			{ID: 1, Name: "by_status", Columns: []string{"status", "created_at"}},
			{ID: 2, Name: "by_idem", Columns: []string{"idem"}, Unique: true},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Of:\n got %+v\nwant %+v", got, want)
	}
	// Descending key columns carry their direction.
	tab.Key.Desc = []bool{false, true}
	if l := tab.Layout(); !l.Key[1].Desc || l.Key[0].Desc {
		t.Fatalf("desc not carried: %+v", l.Key)
	}
	docs := layout.Docs(tab)
	wantDocs := scan.Docs{Table: "Background jobs.", Columns: map[string]string{"owner_job": "The job.", "params": "Input."}}
	if !reflect.DeepEqual(docs, wantDocs) {
		t.Fatalf("Docs = %+v, want %+v", docs, wantDocs)
	}
	// The layout is scannable: the Arrow schema builds from it.
	if _, err := scan.ArrowSchema(&got, docs); err != nil {
		t.Fatal(err)
	}
}

func TestOfNil(t *testing.T) {
	if l := (*schema.Table)(nil).Layout(); !reflect.DeepEqual(l, tl.Table{}) {
		t.Fatalf("Of(nil) = %+v", l)
	}
	if d := layout.Docs(nil); d.Table != "" || d.Columns != nil {
		t.Fatalf("Docs(nil) = %+v", d)
	}
}
