package main

import (
	"fmt"
	"slices"
	"time"

	"github.com/tablegen/tablegen/runtime/rowid"
)

// backdatedClock is the row-id generator's clock while the data set loads.
// The data set is history (a year of chat), and a RowId carries the time it
// was issued, so the loader draws each row's id on a clock set to the row's
// own event time: row-id order is then time order, exactly as if the rows
// had been written live, and a reverse key scan reads the newest first.
type backdatedClock struct{ t time.Time }

func (c *backdatedClock) now() time.Time { return c.t }

// idLease is the generator's lease. A back-dated load sweeps a year in
// seconds; a month-long lease keeps the fsynced writes of the high-water
// mark to about one per month of data instead of one per 10 s.
const idLease = 30 * 24 * time.Hour

// idSlot is one row waiting for its id.
type idSlot struct {
	at  time.Time
	set func(rowid.ID)
}

// assignIDs gives the conversations, messages and jobs their row ids from
// one generator (persisting its mark at markPath), drawn in event-time
// order, and points every message at its conversation's id.
func assignIDs(d *dataset, markPath string) error {
	clock := &backdatedClock{}
	gen, err := rowid.New(rowid.Options{Mark: rowid.FileMark(markPath), Lease: idLease, Now: clock.now})
	if err != nil {
		return err
	}
	slots := make([]idSlot, 0, len(d.conversations)+len(d.messages)+len(d.jobs))
	for i := range d.conversations {
		c := &d.conversations[i]
		slots = append(slots, idSlot{c.CreatedAt, func(id rowid.ID) { c.RowID = int64(id) }})
	}
	for i := range d.messages {
		m := &d.messages[i]
		slots = append(slots, idSlot{m.SentAt, func(id rowid.ID) { m.RowID = int64(id) }})
	}
	for i := range d.jobs {
		j := &d.jobs[i]
		// Job ids are strings; zero-padding keeps their byte order the id order.
		slots = append(slots, idSlot{j.CreatedAt, func(id rowid.ID) { j.JobID = fmt.Sprintf("job-%019d", uint64(id)) }})
	}
	slices.SortStableFunc(slots, func(a, b idSlot) int { return a.at.Compare(b.at) })
	for _, s := range slots {
		clock.t = s.at
		id, err := gen.Next()
		if err != nil {
			return fmt.Errorf("draw row id: %w", err)
		}
		s.set(id)
	}
	for i := range d.messages {
		d.messages[i].ConversationID = d.conversations[d.messageConv[i]].RowID
	}
	return nil
}
