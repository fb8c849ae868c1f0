// Package flight serves a database's tables over Apache Arrow Flight (gRPC),
// so that the CLI beside a running service, or a query engine on another
// machine, scans them with projection, filter and limit pushdown while the
// service keeps the database open (Pebble allows one process per database).
//
// It is its own package so that a service that does not want gRPC does not
// compile it: runtime/store and the generated table packages never import it.
//
// # Embedding
//
// A service gives the guarded provider of every table it serves (the
// generated catalog's Guarded: each table's provider behind its
// Guard<Entity>Provider) and a function from bearer tokens to actors:
//
//	cat, err := catalog.Open(db)
//	tables, err := cat.Guarded()
//	srv, err := flight.NewServer(tables, flight.Options{DB: db, Auth: tokens.Actor, TLS: tlsConfig})
//	lis, err := net.Listen("tcp", "127.0.0.1:8815")
//	go srv.Serve(lis)
//	defer srv.Stop() // before db.Close
//
// # Requests
//
// Every call carries "authorization: Bearer <token>"; Options.Auth maps the
// token to an [access.Actor] or refuses it (codes.Unauthenticated). A call
// without a valid token gets nothing, not even the table list.
//
// ListFlights lists the tables the actor may read; GetFlightInfo and
// GetSchema take a PATH descriptor naming one table ("chat.messages") or a
// CMD descriptor holding a [Ticket]. DoGet takes a [Ticket], JSON:
//
//	{"table": "chat.messages", "columns": ["row_id", "content"],
//	 "where": "sent_at >= '2026-01-01T00:00:00Z'", "limit": 100,
//	 "owner": "alice", "all_owners": false, "batch_size": 0}
//
// The filter is the `--where` language of runtime/where. Unknown fields are
// refused, not ignored, so a misspelt field never widens a scan.
//
// # Isolation
//
// Every DoGet runs through the table's [scan.Guarded], exactly as an
// in-process scan by the same actor: a user actor reads only its own rows
// of a user or stream table whatever the ticket says. Naming an owner other
// than the actor's own user id is refused (codes.PermissionDenied) unless the
// actor is dba or system, which then read as that owner; all_owners is the
// guard's own rule (dba and system only). Every denial is
// codes.PermissionDenied with the guard's reason.
//
// # Streams and memory
//
// DoGet writes one record batch at a time (Ticket.BatchSize rows, default
// scan.DefaultBatchSize) to the gRPC stream; Send blocks while the client's
// flow-control window is full, so a slow client holds the server to one
// batch plus gRPC's window, never the table. When the client goes away the
// stream's context is cancelled: the scan stops at the next batch and its
// Pebble iterator and snapshot are released before DoGet returns.
//
// Scans read hot rows (the rows in Pebble); rows already flushed to Parquet
// are not streamed yet.
//
// # Actions
//
// DoAction "backup" (body {"dir": DIR}, a directory on the server's machine
// that must not exist or be empty) runs [store.DB.Backup]; "verify" runs
// Options.Verify when the service gives one; "flush" and "compact" (body
// {"table": NS.TABLE}) run Options.Flush and Options.Compact, or answer
// codes.Unimplemented without them. Actions are for dba and system actors
// only.
package flight
