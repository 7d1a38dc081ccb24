package producer

import "testing"

// TestAuthenticatorCheck checks which Authorization headers pass.
func TestAuthenticatorCheck(t *testing.T) {
	auth := newAuthenticator("s3cret-token")
	cases := []struct {
		name   string
		header string
		wantOK bool
	}{
		{name: "right token", header: "Bearer s3cret-token", wantOK: true},
		{name: "scheme in lower case", header: "bearer s3cret-token", wantOK: true},
		{name: "extra spaces", header: "  Bearer   s3cret-token ", wantOK: true},
		{name: "empty", header: "", wantOK: false},
		{name: "scheme only", header: "Bearer", wantOK: false},
		{name: "scheme and space", header: "Bearer ", wantOK: false},
		{name: "basic scheme", header: "Basic s3cret-token", wantOK: false},
		{name: "token without scheme", header: "s3cret-token", wantOK: false},
		{name: "prefix of token", header: "Bearer s3cret", wantOK: false},
		{name: "token with suffix", header: "Bearer s3cret-token2", wantOK: false},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reason := auth.check(tc.header)

			if ok := reason == ""; ok != tc.wantOK {
				t.Errorf("check(%q) = %q, want ok=%v", tc.header, reason, tc.wantOK)
			}
		})
	}
}

// TestIsJSONMediaType checks which Content-Type values count as JSON.
func TestIsJSONMediaType(t *testing.T) {
	cases := []struct {
		header string
		want   bool
	}{
		{header: "application/json", want: true},
		{header: "application/json; charset=utf-8", want: true},
		{header: "Application/JSON", want: true},
		{header: "application/cloudevents+json", want: true},
		{header: "", want: false},
		{header: "text/plain", want: false},
		{header: "application/x-www-form-urlencoded", want: false},
		{header: "application/json;", want: true},
		{header: "application/json; charset", want: false},
		{header: "application/cloudevents-batch+json", want: false},
	}

	for _, tc := range cases {
		t.Run(tc.header, func(t *testing.T) {
			if got := isJSONMediaType(tc.header); got != tc.want {
				t.Errorf("isJSONMediaType(%q) = %v, want %v", tc.header, got, tc.want)
			}
		})
	}
}
