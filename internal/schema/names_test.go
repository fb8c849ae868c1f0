package schema

import "testing"

func TestEnumValueName(t *testing.T) {
	for in, want := range map[string]string{
		"new": "New", "in_progress": "InProgress", "inProgress": "InProgress", "ACTIVE": "Active",
		"api_timeout": "APITimeout", "dba": "Dba", "v2": "V2", "http_url": "HTTPURL",
	} {
		if got := EnumValueName(in); got != want {
			t.Errorf("EnumValueName(%q) = %q; want %q", in, got, want)
		}
	}
}
