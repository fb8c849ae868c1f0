package flight

import (
	"encoding/json"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/flight"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/tablegen/tablegen/runtime/access"
)

// The actions DoAction knows.
const (
	ActionBackup  = "backup"
	ActionVerify  = "verify"
	ActionFlush   = "flush"
	ActionCompact = "compact"
)

// BackupRequest is the body of the backup action.
type BackupRequest struct {
	// Dir is a directory on the server's machine that does not exist or is
	// empty; the checkpoint is written there.
	Dir string `json:"dir"`
}

// FlushRequest is the body of the flush action.
type FlushRequest struct {
	// Table is the "namespace.table" to flush, one the endpoint serves.
	Table string `json:"table"`
}

// FlushResult is the body of the flush action's result: what the flush
// wrote.
type FlushResult struct {
	Rows  int64 `json:"rows"`  // rows written to Parquet
	Files int   `json:"files"` // segment files written
	Bytes int64 `json:"bytes"` // their size
}

// CompactResult is the body of the compact action's result: what the
// compaction wrote and retired (its request is a FlushRequest).
type CompactResult struct {
	Rows    int64 `json:"rows"`    // rows written to the merged files
	Files   int   `json:"files"`   // segment files written
	Retired int   `json:"retired"` // segment files merged and removed
	Bytes   int64 `json:"bytes"`   // size of the files written
}

// VerifyResult is the body of the verify action's result.
type VerifyResult struct {
	// Problems holds one line per problem; empty means clean.
	Problems []string `json:"problems"`
}

var actionTypes = []*flight.ActionType{
	{Type: ActionBackup, Description: `consistent online backup (Pebble checkpoint) into {"dir": DIR} on the server; dba and system only`},
	{Type: ActionVerify, Description: "check every table's rows and index entries; dba and system only"},
	{Type: ActionFlush, Description: `flush {"table": NS.TABLE} to Parquet with the service's flush policy; dba and system only`},
	{Type: ActionCompact, Description: `compact {"table": NS.TABLE}: merge its small Parquet segments, dropping dead rows; dba and system only`},
}

// ListActions lists the actions DoAction knows.
func (s *Server) ListActions(_ *flight.Empty, stream flight.FlightService_ListActionsServer) error {
	for _, a := range actionTypes {
		if err := stream.Send(a); err != nil {
			return err
		}
	}
	return nil
}

// DoAction runs an administrative action for a dba or system actor.
func (s *Server) DoAction(a *flight.Action, stream flight.FlightService_DoActionServer) error {
	ctx := stream.Context()
	actor, err := actorOf(ctx)
	if err != nil {
		return err
	}
	if actor.Role < access.RoleDBA {
		denied := &access.DeniedError{Table: "the database", Actor: actor, Op: access.Write, Reason: fmt.Sprintf("action %q is for dba and system actors only", a.GetType())}
		return status.Error(codes.PermissionDenied, denied.Error())
	}
	switch a.GetType() {
	case ActionBackup:
		var req BackupRequest
		if err := json.Unmarshal(a.GetBody(), &req); err != nil || req.Dir == "" {
			return status.Error(codes.InvalidArgument, `backup: the body must be {"dir": DIR}, a new or empty directory on the server`)
		}
		if s.db == nil {
			return status.Error(codes.FailedPrecondition, "backup: the service gave the endpoint no database (Options.DB)")
		}
		if err := s.db.Backup(ctx, req.Dir); err != nil {
			return status.Error(codes.FailedPrecondition, err.Error())
		}
		body, _ := json.Marshal(req)
		return stream.Send(&flight.Result{Body: body})
	case ActionVerify:
		if s.verify == nil {
			return status.Error(codes.Unimplemented, "verify: this service did not give the endpoint a verifier (Options.Verify)")
		}
		problems, err := s.verify(ctx)
		if err != nil {
			return status.Errorf(codes.Internal, "verify: %v", err)
		}
		body, _ := json.Marshal(VerifyResult{Problems: append([]string{}, problems...)})
		return stream.Send(&flight.Result{Body: body})
	case ActionFlush:
		req, err := s.tableRequest(a)
		if err != nil {
			return err
		}
		if s.flush == nil {
			return status.Error(codes.Unimplemented, "flush: this service did not give the endpoint a flusher (Options.Flush)")
		}
		res, err := s.flush(ctx, req.Table)
		if err != nil {
			return status.Errorf(codes.Internal, "flush %s: %v", req.Table, err)
		}
		body, _ := json.Marshal(res)
		return stream.Send(&flight.Result{Body: body})
	case ActionCompact:
		req, err := s.tableRequest(a)
		if err != nil {
			return err
		}
		if s.compact == nil {
			return status.Error(codes.Unimplemented, "compact: this service did not give the endpoint a compactor (Options.Compact)")
		}
		res, err := s.compact(ctx, req.Table)
		if err != nil {
			return status.Errorf(codes.Internal, "compact %s: %v", req.Table, err)
		}
		body, _ := json.Marshal(res)
		return stream.Send(&flight.Result{Body: body})
	}
	return status.Errorf(codes.InvalidArgument, "unknown action %q; ListActions lists backup, verify, flush, compact", a.GetType())
}

// tableRequest decodes the {"table": NS.TABLE} body of the flush and
// compact actions and checks that the endpoint serves the table.
func (s *Server) tableRequest(a *flight.Action) (FlushRequest, error) {
	var req FlushRequest
	if err := json.Unmarshal(a.GetBody(), &req); err != nil || req.Table == "" {
		return req, status.Errorf(codes.InvalidArgument, `%s: the body must be {"table": NS.TABLE}`, a.GetType())
	}
	if _, ok := s.tables[req.Table]; !ok {
		return req, status.Errorf(codes.NotFound, "%s: no table %q is served here; ListFlights lists the tables", a.GetType(), req.Table)
	}
	return req, nil
}
