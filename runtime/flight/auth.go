package flight

import (
	"context"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/tablegen/tablegen/runtime/access"
)

// AuthFunc maps a bearer token to the actor it stands for, or refuses it
// with an error (the client sees codes.Unauthenticated and the error's
// text, so it should not echo the token). The service owns tokens:
// issuing, storing, comparing in constant time, expiring.
type AuthFunc func(ctx context.Context, token string) (access.Actor, error)

type actorKey struct{}

// actorOf returns the actor the interceptors authenticated for ctx.
func actorOf(ctx context.Context) (access.Actor, error) {
	a, ok := ctx.Value(actorKey{}).(access.Actor)
	if !ok {
		return access.Actor{}, status.Error(codes.Unauthenticated, "no authenticated actor; send authorization: Bearer <token>")
	}
	return a, nil
}

// authenticate reads the bearer token of ctx's incoming metadata and
// returns ctx carrying its actor.
func (s *Server) authenticate(ctx context.Context) (context.Context, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	vals := md.Get("authorization")
	if len(vals) != 1 {
		return nil, status.Error(codes.Unauthenticated, "send exactly one authorization: Bearer <token> header")
	}
	token, ok := strings.CutPrefix(vals[0], "Bearer ")
	if !ok || token == "" {
		return nil, status.Error(codes.Unauthenticated, "the authorization header is not \"Bearer <token>\"")
	}
	actor, err := s.auth(ctx, token)
	if err != nil {
		return nil, status.Errorf(codes.Unauthenticated, "token refused: %v", err)
	}
	if actor.Role < access.RoleUser || actor.Role > access.RoleSystem {
		return nil, status.Errorf(codes.Unauthenticated, "the token maps to an actor with no valid role (%v)", actor.Role)
	}
	return context.WithValue(ctx, actorKey{}, actor), nil
}

func (s *Server) unaryAuth(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	ctx, err := s.authenticate(ctx)
	if err != nil {
		return nil, err
	}
	return handler(ctx, req)
}

func (s *Server) streamAuth(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	ctx, err := s.authenticate(ss.Context())
	if err != nil {
		return err
	}
	return handler(srv, &authedStream{ServerStream: ss, ctx: ctx})
}

// authedStream is a server stream whose context carries the actor.
type authedStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (a *authedStream) Context() context.Context { return a.ctx }

// bearer returns ctx with the outgoing authorization header of token.
func bearer(ctx context.Context, token string) context.Context {
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}
