package main

import (
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/tablegen/tablegen/runtime/flight"
	"github.com/tablegen/tablegen/runtime/store"
)

// tokenEnv is the environment variable a token is read from when --token
// is not given, so it stays out of shell history and process lists.
const tokenEnv = "TABLEGEN_TOKEN"

// remoteFlags are the flags of commands that can talk to a running
// service's Flight endpoint instead of opening the database.
type remoteFlags struct {
	addr, token string
}

func (r *remoteFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&r.addr, "addr", "", "talk to the Flight endpoint of a running service at `HOST:PORT` instead of opening -db")
	fs.StringVar(&r.token, "token", "", "send bearer `TOKEN` to -addr (default: $"+tokenEnv+")")
}

// dial connects to the endpoint with the flag's or the environment's token.
func (r *remoteFlags) dial() (*flight.Client, error) {
	token := r.token
	if token == "" {
		token = os.Getenv(tokenEnv)
	}
	if token == "" {
		return nil, fmt.Errorf("-addr %s needs a token: pass -token or set %s", r.addr, tokenEnv)
	}
	return flight.Dial(r.addr, flight.ClientOptions{Token: token})
}

// openLocal opens the database in dir for a command run beside the
// service, turning the lock another process holds into what to do about
// it; every command that opens a database locally goes through it.
func openLocal(dir string, opts *store.Options) (*store.DB, error) {
	db, err := store.Open(dir, opts)
	if errors.Is(err, store.ErrLocked) {
		return nil, lockedError{dir}
	}
	return db, err
}

// lockedError is the database another process has open; it matches
// store.ErrLocked.
type lockedError struct{ dir string }

func (e lockedError) Error() string {
	return fmt.Sprintf("database %s is open in another process; use --addr to talk to the running service, or stop it", e.dir)
}

func (e lockedError) Unwrap() error { return store.ErrLocked }
