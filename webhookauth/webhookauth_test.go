package webhookauth_test

import (
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/arenasync/arenasync/webhookauth"
)

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name    string
		cfg     webhookauth.Config
		wantErr bool
	}{
		{name: "bearer", cfg: webhookauth.Config{Mode: webhookauth.ModeBearer, Secrets: []string{"t"}}},
		{name: "hmac base64", cfg: webhookauth.Config{Mode: webhookauth.ModeHMACSHA256, Secrets: []string{"k"}, Encoding: "base64", Header: "X-Hub-Signature-256"}},
		{name: "standard with prefix", cfg: webhookauth.Config{Mode: webhookauth.ModeStandardWebhooks, Secrets: []string{"whsec_c2VjcmV0"}}},
		{name: "standard without prefix", cfg: webhookauth.Config{Mode: webhookauth.ModeStandardWebhooks, Secrets: []string{"c2VjcmV0"}}},
		{name: "body token", cfg: webhookauth.Config{Mode: webhookauth.ModeBodyToken, Secrets: []string{"t"}}},
		{name: "no mode", cfg: webhookauth.Config{Secrets: []string{"t"}}, wantErr: true},
		{name: "unknown mode", cfg: webhookauth.Config{Mode: "basic", Secrets: []string{"t"}}, wantErr: true},
		{name: "no secrets", cfg: webhookauth.Config{Mode: webhookauth.ModeBearer}, wantErr: true},
		{name: "blank secret", cfg: webhookauth.Config{Mode: webhookauth.ModeBearer, Secrets: []string{"t", " "}}, wantErr: true},
		{name: "standard secret not base64", cfg: webhookauth.Config{Mode: webhookauth.ModeStandardWebhooks, Secrets: []string{"whsec_not base64!"}}, wantErr: true},
		{name: "unknown encoding", cfg: webhookauth.Config{Mode: webhookauth.ModeHMACSHA256, Secrets: []string{"k"}, Encoding: "base32"}, wantErr: true},
		{name: "header with colon", cfg: webhookauth.Config{Mode: webhookauth.ModeHMACSHA256, Secrets: []string{"k"}, Header: "X-Sig:"}, wantErr: true},
		{name: "negative tolerance", cfg: webhookauth.Config{Mode: webhookauth.ModeStandardWebhooks, Secrets: []string{"c2VjcmV0"}, Tolerance: -time.Second}, wantErr: true},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := webhookauth.New(tc.cfg)

			if tc.wantErr != (err != nil) {
				t.Fatalf("New error = %v, want error %v", err, tc.wantErr)
			}
			if err != nil && !errors.Is(err, webhookauth.ErrInvalidConfig) {
				t.Errorf("error %v does not wrap ErrInvalidConfig", err)
			}
		})
	}
}

// TestConfigErrorHidesSecret checks that a rejected secret is named by
// position only.
func TestConfigErrorHidesSecret(t *testing.T) {
	_, err := webhookauth.New(webhookauth.Config{Mode: webhookauth.ModeStandardWebhooks, Secrets: []string{"whsec_top secret value"}})

	if err == nil || strings.Contains(err.Error(), "top secret") {
		t.Errorf("error = %v, want one that does not repeat the secret", err)
	}
}

// TestStandardSample verifies the sample 360Learning delivery exactly as
// it was signed.
func TestStandardSample(t *testing.T) {
	body, err := os.ReadFile("../adapters/testdata/360learning/attempt-closed.json")
	if err != nil {
		t.Fatal(err)
	}
	header := http.Header{}
	header.Set("webhook-id", "msg_sample0001")
	header.Set("webhook-timestamp", "1737297000")
	header.Set("webhook-signature", "v1,oO/yo8NyCEt2XJHENYeJiNHkisUcEPkGdlFUC7L7SgU=")

	cases := []struct {
		name       string
		now        time.Time
		body       []byte
		wantReason string
	}{
		{name: "signed now", now: time.Unix(1737297000, 0), body: body},
		{name: "just within tolerance", now: time.Unix(1737297000+300, 0), body: body},
		{name: "just beyond tolerance", now: time.Unix(1737297000+301, 0), body: body, wantReason: webhookauth.ReasonStaleTimestamp},
		{name: "trailing newline added", now: time.Unix(1737297000, 0), body: append(append([]byte{}, body...), '\n'), wantReason: webhookauth.ReasonBadSignature},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := webhookauth.New(webhookauth.Config{
				Mode:    webhookauth.ModeStandardWebhooks,
				Secrets: []string{"whsec_c2FtcGxlLXNlY3JldC1mb3ItZG9jcy0wMDAx"},
				Now:     func() time.Time { return tc.now },
			})
			if err != nil {
				t.Fatal(err)
			}

			err = v.Verify(header, tc.body)

			reason := ""
			var failure *webhookauth.Failure
			if errors.As(err, &failure) {
				reason = failure.Reason
			} else if err != nil {
				t.Fatalf("error %v is not a *Failure", err)
			}
			if reason != tc.wantReason {
				t.Errorf("reason = %q, want %q (error %v)", reason, tc.wantReason, err)
			}
		})
	}
}

func TestBearerToken(t *testing.T) {
	cases := []struct {
		header string
		want   string
		wantOK bool
	}{
		{header: "Bearer abc", want: "abc", wantOK: true},
		{header: "bearer  abc ", want: "abc", wantOK: true},
		{header: "Basic abc"},
		{header: "Bearer"},
		{header: ""},
	}

	for _, tc := range cases {
		t.Run(tc.header, func(t *testing.T) {
			got, ok := webhookauth.BearerToken(tc.header)

			if got != tc.want || ok != tc.wantOK {
				t.Errorf("BearerToken(%q) = %q, %v; want %q, %v", tc.header, got, ok, tc.want, tc.wantOK)
			}
		})
	}
}
