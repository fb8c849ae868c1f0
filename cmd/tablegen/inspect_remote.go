package main

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/tablegen/tablegen/runtime/flight"
)

// inspectRemote is inspect through a running service's Flight endpoint:
// the same projection, filter and limit, applied by the service under the
// token's actor, so the rows are those that actor may see.
func inspectRemote(ctx context.Context, name string, o *inspectFlags, stdout, stderr io.Writer) error {
	c, err := o.remote.dial()
	if err != nil {
		return err
	}
	defer c.Close()
	t := flight.Ticket{Table: name, Where: o.where, Limit: o.limit, Owner: o.owner, HotOnly: o.hotOnly}
	if o.columns != "" {
		t.Columns = strings.Split(o.columns, ",")
		for i := range t.Columns {
			t.Columns[i] = strings.TrimSpace(t.Columns[i])
		}
	}
	rdr, err := c.Scan(ctx, t)
	if err != nil {
		return fmt.Errorf("inspect %s at %s: %w", name, o.remote.addr, err)
	}
	if o.owner != "" {
		rdr = withOwner(rdr, o.owner)
	}
	defer rdr.Release()
	if err := writeRows(withRowCounter(rdr, stdout, stderr, "inspect "+name), o.format, stdout); err != nil {
		return fmt.Errorf("inspect %s at %s: %w", name, o.remote.addr, err)
	}
	return nil
}
