package schema

import "testing"

// TestGoNameCases pins the Go spelling of names the issue tracker saw
// spelled two ways: initialisms are capitals wherever they occur, in column,
// index, enum value and (through camelGoName) key type names alike.
func TestGoNameCases(t *testing.T) {
	for in, want := range map[string]string{
		"new": "New", "in_progress": "InProgress", "api_timeout": "APITimeout", "dba": "Dba", "v2": "V2",
		"http_url": "HTTPURL", "api_call": "APICall", "ach": "ACH", "storage_gb_hour": "StorageGBHour",
		"pdf": "PDF", "invoice_id": "InvoiceID", "callback_url": "CallbackURL", "tenant_uuid": "TenantUUID",
		"http_status": "HTTPStatus", "ids": "Ids", "gbp": "Gbp",
	} {
		if got := GoName(in); got != want {
			t.Errorf("GoName(%q) = %q; want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"InvoiceId": "InvoiceID", "PdfUrl": "PDFURL", "AchPaymentId": "ACHPaymentID", "HttpCallId": "HTTPCallID",
	} {
		if got := camelGoName(in); got != want {
			t.Errorf("camelGoName(%q) = %q; want %q", in, got, want)
		}
	}
}

// TestJoinGoNames: index method names do not repeat the words where the
// index name and the next column meet, and never collapse to the name itself.
func TestJoinGoNames(t *testing.T) {
	for _, c := range []struct{ a, b, want string }{
		{"ByStatusDue", "DueAt", "ByStatusDueAt"},
		{"ByStatus", "CreatedAt", "ByStatusCreatedAt"},
		{"ByStatusDueAt", "DueAt", "ByStatusDueAtDueAt"},
		{"ByCustomerID", "IDHash", "ByCustomerIDHash"},
		{"ByOwnerCreated", "CreatedAt", "ByOwnerCreatedAt"},
		{"BySender", "SentAt", "BySenderSentAt"},
	} {
		if got := JoinGoNames(c.a, c.b); got != c.want {
			t.Errorf("JoinGoNames(%q, %q) = %q; want %q", c.a, c.b, got, c.want)
		}
	}
}
