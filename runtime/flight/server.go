package flight

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/status"

	"github.com/tablegen/tablegen/runtime/access"
	"github.com/tablegen/tablegen/runtime/scan"
	"github.com/tablegen/tablegen/runtime/store"
	"github.com/tablegen/tablegen/runtime/where"
)

// Options configure [NewServer].
type Options struct {
	// Auth maps a bearer token to an actor; required.
	Auth AuthFunc
	// DB is the database the tables live in, for the backup action; nil
	// makes backup answer codes.FailedPrecondition.
	DB *store.DB
	// Verify, when set, runs for the verify action and returns one line per
	// problem found (none: the database is clean). The service gives it
	// because verifying needs the typed tables (their Verify methods).
	Verify func(ctx context.Context) ([]string, error)
	// Flush, when set, runs for the flush action on a table the endpoint
	// serves. The service gives it because it owns the flush executor,
	// its cold root and its policy (runtime/flush); the endpoint only
	// checks the actor and the table name.
	Flush func(ctx context.Context, table string) (FlushResult, error)
	// Compact, when set, runs for the compact action on a table the
	// endpoint serves, for the same reason: the service owns the executor
	// (flush.Executor.Compact).
	Compact func(ctx context.Context, table string) (CompactResult, error)
	// TLS, when set, serves over TLS with this configuration; nil serves
	// plain TCP (loopback or a private network only: tokens travel in it).
	TLS *tls.Config
	// GRPC are further options for the gRPC server (message sizes,
	// keepalive); the server adds its credentials and interceptors.
	GRPC []grpc.ServerOption
}

// Server is a Flight endpoint over a set of guarded tables. It is safe for
// concurrent use; every call is authenticated and every scan guarded.
type Server struct {
	flight.BaseFlightServer
	tables map[string]*scan.Guarded
	names  []string
	auth   AuthFunc
	db     *store.DB
	verify func(ctx context.Context) ([]string, error)
	flush  func(ctx context.Context, table string) (FlushResult, error)
	// compact is Options.Compact.
	compact func(ctx context.Context, table string) (CompactResult, error)
	grpc    *grpc.Server
}

// NewServer returns an endpoint serving tables, keyed "namespace.table";
// each is the table's guarded provider (the generated
// Guard<Entity>Provider, or scan.NewGuarded), so a scan over Flight is
// checked exactly as one in process.
func NewServer(tables map[string]*scan.Guarded, o Options) (*Server, error) {
	if o.Auth == nil {
		return nil, errors.New("flight: Options.Auth is required: the endpoint maps every bearer token to an actor through it")
	}
	s := &Server{tables: make(map[string]*scan.Guarded, len(tables)), auth: o.Auth, db: o.DB, verify: o.Verify, flush: o.Flush, compact: o.Compact}
	for name, g := range tables {
		if g == nil {
			return nil, fmt.Errorf("flight: table %s: nil guarded provider", name)
		}
		if g.Policy().Table != name {
			return nil, fmt.Errorf("flight: table registered as %q is guarded by the policy of %q; key the map by the table's name", name, g.Policy().Table)
		}
		s.tables[name] = g
		s.names = append(s.names, name)
	}
	slices.Sort(s.names)
	opts := append(slices.Clone(o.GRPC),
		grpc.WaitForHandlers(true), // Stop returns after every scan released its iterator
		grpc.ChainUnaryInterceptor(s.unaryAuth),
		grpc.ChainStreamInterceptor(s.streamAuth))
	if o.TLS != nil {
		opts = append(opts, grpc.Creds(credentials.NewTLS(o.TLS)))
	}
	s.grpc = grpc.NewServer(opts...)
	flight.RegisterFlightServiceServer(s.grpc, s)
	return s, nil
}

// Serve accepts connections on lis until Stop; it returns nil after Stop.
func (s *Server) Serve(lis net.Listener) error {
	if err := s.grpc.Serve(lis); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return fmt.Errorf("flight: serve %s: %w", lis.Addr(), err)
	}
	return nil
}

// Stop stops accepting calls, cancels the running ones (their scans stop
// and release their iterators) and returns when every handler returned.
// Close the DB after Stop.
func (s *Server) Stop() { s.grpc.Stop() }

// table finds a table the actor may read. For DoGet the guard decides the
// rest, per request, as in process.
func (s *Server) table(ctx context.Context, name string) (*scan.Guarded, access.Actor, error) {
	actor, err := actorOf(ctx)
	if err != nil {
		return nil, actor, err
	}
	g, ok := s.tables[name]
	if !ok {
		return nil, actor, status.Errorf(codes.NotFound, "no table %q; the endpoint serves: %s", name, strings.Join(s.names, ", "))
	}
	if err := readable(g, actor); err != nil {
		return nil, actor, status.Error(codes.PermissionDenied, err.Error())
	}
	return g, actor, nil
}

// readable reports whether actor may read some rows of g's table: its own
// owner's, or (dba and system) every owner's.
func readable(g *scan.Guarded, actor access.Actor) error {
	_, err := g.Policy().Check(actor, access.Read, false)
	if err == nil {
		return nil
	}
	if _, all := g.Policy().Check(actor, access.Read, true); all == nil {
		return nil
	}
	return err
}

// descriptorTable returns the table a descriptor names: a PATH of one
// element, or a CMD holding a ticket.
func descriptorTable(d *flight.FlightDescriptor) (string, error) {
	if d == nil {
		return "", status.Error(codes.InvalidArgument, "no flight descriptor")
	}
	switch d.Type {
	case flight.DescriptorPATH:
		if len(d.Path) != 1 {
			return "", status.Errorf(codes.InvalidArgument, "a path descriptor names one table as [\"ns.table\"], got %q", d.Path)
		}
		return d.Path[0], nil
	case flight.DescriptorCMD:
		t, err := DecodeTicket(d.Cmd)
		if err != nil {
			return "", status.Error(codes.InvalidArgument, err.Error())
		}
		return t.Table, nil
	}
	return "", status.Errorf(codes.InvalidArgument, "descriptor type %v; use PATH [\"ns.table\"] or CMD with a ticket", d.Type)
}

// ListFlights lists the tables the actor may read, with their schemas.
func (s *Server) ListFlights(_ *flight.Criteria, stream flight.FlightService_ListFlightsServer) error {
	ctx := stream.Context()
	for _, name := range s.names {
		g, _, err := s.table(ctx, name)
		if status.Code(err) == codes.PermissionDenied {
			continue
		}
		if err != nil {
			return err
		}
		if err := stream.Send(s.info(name, g)); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) info(name string, g *scan.Guarded) *flight.FlightInfo {
	return &flight.FlightInfo{
		Schema:           flight.SerializeSchema(g.Schema(), memory.DefaultAllocator),
		FlightDescriptor: &flight.FlightDescriptor{Type: flight.DescriptorPATH, Path: []string{name}},
		Endpoint:         []*flight.FlightEndpoint{{Ticket: &flight.Ticket{Ticket: Ticket{Table: name}.Encode()}}},
		TotalRecords:     -1,
		TotalBytes:       -1,
	}
}

// GetFlightInfo describes one table: its full schema and a ticket that
// scans it whole (as far as the actor may see).
func (s *Server) GetFlightInfo(ctx context.Context, d *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	name, err := descriptorTable(d)
	if err != nil {
		return nil, err
	}
	g, _, err := s.table(ctx, name)
	if err != nil {
		return nil, err
	}
	info := s.info(name, g)
	if d.Type == flight.DescriptorCMD {
		info.FlightDescriptor = d
		info.Endpoint[0].Ticket.Ticket = d.Cmd
	}
	return info, nil
}

// GetSchema returns one table's full Arrow schema.
func (s *Server) GetSchema(ctx context.Context, d *flight.FlightDescriptor) (*flight.SchemaResult, error) {
	name, err := descriptorTable(d)
	if err != nil {
		return nil, err
	}
	g, _, err := s.table(ctx, name)
	if err != nil {
		return nil, err
	}
	return &flight.SchemaResult{Schema: flight.SerializeSchema(g.Schema(), memory.DefaultAllocator)}, nil
}

// DoGet streams the rows a ticket asks for, as the actor may see them.
func (s *Server) DoGet(tk *flight.Ticket, stream flight.FlightService_DoGetServer) error {
	ctx := stream.Context()
	t, err := DecodeTicket(tk.GetTicket())
	if err != nil {
		return status.Error(codes.InvalidArgument, err.Error())
	}
	g, actor, err := s.table(ctx, t.Table)
	if err != nil {
		return err
	}
	req, err := actorRequest(g, actor, t)
	if err != nil {
		return err
	}
	rdr, err := g.Scan(ctx, req)
	if err != nil {
		return scanStatus(t.Table, err, codes.InvalidArgument)
	}
	defer rdr.Release()
	w := flight.NewRecordWriter(stream, ipc.WithSchema(rdr.Schema()))
	for rdr.Next() {
		// Write blocks while gRPC's flow-control window is full: one batch
		// at a time, paced by the client.
		if err := w.Write(rdr.RecordBatch()); err != nil {
			return err
		}
	}
	if err := rdr.Err(); err != nil {
		return scanStatus(t.Table, err, codes.Internal)
	}
	return w.Close()
}

// actorRequest turns a ticket into the guard's request, refusing what the
// guard would not see as a request of its own (another owner named by an
// actor that may not act as it, an owner on a table without owners).
func actorRequest(g *scan.Guarded, actor access.Actor, t Ticket) (scan.ActorRequest, error) {
	kind := g.Policy().Kind
	owned := kind.OwnerScoped()
	if t.Owner != "" {
		switch {
		case !owned:
			return scan.ActorRequest{}, status.Errorf(codes.InvalidArgument, "%s is a %s table: its rows have no owner; drop \"owner\" from the ticket", t.Table, kind)
		case t.AllOwners:
			return scan.ActorRequest{}, status.Error(codes.InvalidArgument, "the ticket sets both \"owner\" and \"all_owners\"; choose one")
		case t.Owner != actor.UserID && actor.Role < access.RoleDBA:
			denied := &access.DeniedError{Table: t.Table, Actor: actor, Op: access.Read, Reason: fmt.Sprintf("only dba and system may read the rows of another owner (%q)", t.Owner)}
			return scan.ActorRequest{}, status.Error(codes.PermissionDenied, denied.Error())
		}
		actor.UserID = t.Owner
	}
	req := scan.ActorRequest{Actor: actor, AllOwners: t.AllOwners, Request: scan.Request{
		Columns: t.Columns, Limit: t.Limit, BatchSize: t.BatchSize, HotOnly: t.HotOnly,
	}}
	if t.Where != "" {
		e, err := where.Parse(t.Where)
		if err != nil {
			return scan.ActorRequest{}, status.Errorf(codes.InvalidArgument, "%s: where %q: %v", t.Table, t.Where, err)
		}
		req.Filter = e
	}
	return req, nil
}

// scanStatus maps a scan error to its gRPC status: denials are
// PermissionDenied, a cancelled client Canceled, a closed database
// Unavailable, a corrupt row DataLoss, anything else other: InvalidArgument
// when the scan could not start (an unknown column, a literal of the wrong
// type), Internal when it failed on the way.
func scanStatus(table string, err error, other codes.Code) error {
	var denied *access.DeniedError
	switch {
	case errors.As(err, &denied):
		return status.Error(codes.PermissionDenied, err.Error())
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, err.Error())
	case errors.Is(err, store.ErrClosed):
		return status.Error(codes.Unavailable, err.Error())
	}
	var corrupt *store.CorruptError
	if errors.As(err, &corrupt) {
		return status.Errorf(codes.DataLoss, "%s: %v", table, err)
	}
	return status.Errorf(other, "%s: %v", table, err)
}
