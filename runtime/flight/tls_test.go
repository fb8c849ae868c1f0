package flight_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"

	"github.com/tablegen/tablegen/runtime/flight"
)

// selfSigned returns a server config with a certificate for 127.0.0.1 and a
// client config trusting only it.
func selfSigned(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "tablegen test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}, MinVersion: tls.VersionTLS12},
		&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
}

// TestTLS: with Options.TLS the endpoint speaks only TLS; a client that
// trusts its certificate scans, a plain-TCP client gets nothing.
func TestTLS(t *testing.T) {
	srvTLS, cliTLS := selfSigned(t)
	f := newFixture(t, 5, flight.Options{TLS: srvTLS})
	c, err := flight.Dial(f.addr, flight.ClientOptions{Token: "tok-bob", TLS: cliTLS})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r, err := c.Scan(context.Background(), flight.Ticket{Table: "chat.messages", Columns: []string{"content"}})
	if err != nil {
		t.Fatal(err)
	}
	got, _, err := rows(r)
	if err != nil || len(got) != 5 || got[0] != "content=bob says 0 " {
		t.Fatalf("over TLS: %q, %v", got, err)
	}
	plain := f.client(t, "tok-bob")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := plain.Tables(ctx); err == nil {
		t.Fatal("a plain-TCP client was served by a TLS endpoint")
	}
}
