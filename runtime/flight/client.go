package flight

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow/array"
	// Registers Arrow's canonical extension types, so that the arrow.uuid
	// and arrow.json columns of a table arrive as extension arrays rather
	// than as their storage (runtime/scan defines the types without
	// registering them, to keep Parquet out of its imports).
	_ "github.com/apache/arrow-go/v18/arrow/extensions"
	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
)

// MaxMessageSize is the largest message (one record batch) a [Client]
// accepts.
const MaxMessageSize = 1 << 30

// Client talks to a [Server]: the CLI's side of the endpoint, and a short
// way for Go programs to scan a remote table.
type Client struct {
	c     flight.Client
	token string
}

// ClientOptions configure [Dial].
type ClientOptions struct {
	// Token is the bearer token sent with every call.
	Token string
	// TLS, when set, connects over TLS; nil connects in plain TCP.
	TLS *tls.Config
}

// Dial connects to the endpoint at addr ("host:port"). The connection is
// made lazily: an unreachable address shows in the first call's error.
func Dial(addr string, o ClientOptions) (*Client, error) {
	creds := insecure.NewCredentials()
	if o.TLS != nil {
		creds = credentials.NewTLS(o.TLS)
	}
	// One message is one record batch; its size follows the rows (a batch
	// of 8192 rows of long strings passes gRPC's 4 MiB default), and the
	// server sends one at a time, so the client accepts large ones.
	c, err := flight.NewClientWithMiddleware(addr, nil, nil, grpc.WithTransportCredentials(creds),
		grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(MaxMessageSize)))
	if err != nil {
		return nil, fmt.Errorf("flight: connect to %s: %w", addr, err)
	}
	return &Client{c: c, token: o.Token}, nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.c.Close() }

// Tables lists the tables the token's actor may read.
func (c *Client) Tables(ctx context.Context) ([]string, error) {
	stream, err := c.c.ListFlights(bearer(ctx, c.token), &flight.Criteria{})
	if err != nil {
		return nil, err
	}
	var names []string
	for {
		info, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return names, nil
		}
		if err != nil {
			return nil, err
		}
		if d := info.GetFlightDescriptor(); d != nil && len(d.Path) == 1 {
			names = append(names, d.Path[0])
		}
	}
}

// Scan runs t on the server and returns its rows. The reader must be
// released; releasing it before the end cancels the server's scan.
func (c *Client) Scan(ctx context.Context, t Ticket) (array.RecordReader, error) {
	ctx, cancel := context.WithCancel(bearer(ctx, c.token))
	stream, err := c.c.DoGet(ctx, &flight.Ticket{Ticket: t.Encode()})
	if err != nil {
		cancel()
		return nil, err
	}
	r, err := flight.NewRecordReader(stream)
	if err != nil {
		cancel()
		return nil, err
	}
	return &remoteReader{Reader: r, cancel: cancel}, nil
}

// remoteReader is a Flight stream reader whose Release also ends the call.
type remoteReader struct {
	*flight.Reader
	cancel context.CancelFunc
}

func (r *remoteReader) Release() {
	r.Reader.Release()
	r.cancel()
}

// Err is the stream's error; the end of the stream is not one.
func (r *remoteReader) Err() error {
	if err := r.Reader.Err(); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// Backup asks the server for a backup into dir, a new or empty directory
// on the server's machine.
func (c *Client) Backup(ctx context.Context, dir string) error {
	body, _ := json.Marshal(BackupRequest{Dir: dir})
	_, err := c.action(ctx, ActionBackup, body)
	return err
}

// Verify asks the server to verify every table and returns the problems.
func (c *Client) Verify(ctx context.Context) ([]string, error) {
	body, err := c.action(ctx, ActionVerify, nil)
	if err != nil {
		return nil, err
	}
	var r VerifyResult
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("flight: verify: the server's answer is not a verify result: %w", err)
	}
	return r.Problems, nil
}

// Flush asks the server to flush table ("namespace.table") and returns
// what was written.
func (c *Client) Flush(ctx context.Context, table string) (FlushResult, error) {
	req, _ := json.Marshal(FlushRequest{Table: table})
	body, err := c.action(ctx, ActionFlush, req)
	if err != nil {
		return FlushResult{}, err
	}
	var r FlushResult
	if err := json.Unmarshal(body, &r); err != nil {
		return FlushResult{}, fmt.Errorf("flight: flush: the server's answer is not a flush result: %w", err)
	}
	return r, nil
}

// Compact asks the server to compact table's flushed segments
// ("namespace.table") and returns what was written and retired.
func (c *Client) Compact(ctx context.Context, table string) (CompactResult, error) {
	req, _ := json.Marshal(FlushRequest{Table: table})
	body, err := c.action(ctx, ActionCompact, req)
	if err != nil {
		return CompactResult{}, err
	}
	var r CompactResult
	if err := json.Unmarshal(body, &r); err != nil {
		return CompactResult{}, fmt.Errorf("flight: compact: the server's answer is not a compact result: %w", err)
	}
	return r, nil
}

// action runs one action and returns the body of its first result.
func (c *Client) action(ctx context.Context, typ string, body []byte) ([]byte, error) {
	ctx, cancel := context.WithCancel(bearer(ctx, c.token))
	defer cancel()
	stream, err := c.c.DoAction(ctx, &flight.Action{Type: typ, Body: body})
	if err != nil {
		return nil, err
	}
	var first []byte
	for {
		res, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return first, nil
		}
		if err != nil {
			return nil, err
		}
		if first == nil {
			first = res.GetBody()
		}
	}
}
