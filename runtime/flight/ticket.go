package flight

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// MaxTicketSize is the largest ticket DoGet accepts: far above any real
// request (a where text nests at most where.MaxDepth deep), small enough
// that a hostile ticket costs nothing to refuse.
const MaxTicketSize = 64 << 10

// MaxBatchSize is the largest Ticket.BatchSize DoGet accepts: a batch is
// what the server holds in memory per stream, so a client must not choose it
// without bound.
const MaxBatchSize = 1 << 16

// Ticket is one scan request, the JSON body of a Flight ticket.
type Ticket struct {
	// Table is "namespace.table".
	Table string `json:"table"`
	// Columns are the projected columns in output order; nil (absent) means
	// every column, an empty list no column (batches carry row counts).
	Columns []string `json:"columns"`
	// Where is a filter in the runtime/where language; "" is every row.
	Where string `json:"where,omitempty"`
	// Limit is the most rows returned, after the filter; 0 means no limit.
	Limit int `json:"limit,omitempty"`
	// Owner scans one owner's rows of a user or stream table. Empty means
	// the actor's own user id; another owner needs a dba or system actor.
	Owner string `json:"owner,omitempty"`
	// AllOwners scans every owner's rows (dba and system only).
	AllOwners bool `json:"all_owners,omitempty"`
	// BatchSize is the most rows per record batch; 0 is the default.
	BatchSize int `json:"batch_size,omitempty"`
	// HotOnly reads only the rows not yet flushed (scan.Request.HotOnly);
	// by default a service that flushes serves hot and cold rows as one.
	HotOnly bool `json:"hot_only,omitempty"`
}

// Encode returns the ticket's wire form.
func (t Ticket) Encode() []byte {
	// A struct of strings, ints and bools always marshals.
	b, _ := json.Marshal(t)
	return b
}

// DecodeTicket parses a ticket's wire form strictly: unknown fields,
// trailing data and oversized tickets are errors, so a crafted or misspelt
// ticket is refused rather than read as a wider scan.
func DecodeTicket(b []byte) (Ticket, error) {
	var t Ticket
	if len(b) > MaxTicketSize {
		return t, fmt.Errorf("ticket of %d bytes is larger than %d", len(b), MaxTicketSize)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(&t); err != nil {
		return Ticket{}, fmt.Errorf("ticket is not a JSON scan request (%w); send {\"table\": \"ns.table\", ...}", err)
	}
	if d.More() {
		return Ticket{}, fmt.Errorf("ticket has data after its JSON object")
	}
	if t.Table == "" {
		return Ticket{}, fmt.Errorf("ticket names no table; set \"table\": \"ns.table\"")
	}
	if t.BatchSize > MaxBatchSize {
		return Ticket{}, fmt.Errorf("ticket asks for batches of %d rows; the most is %d", t.BatchSize, MaxBatchSize)
	}
	return t, nil
}
