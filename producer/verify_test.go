package producer

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/arenasync/arenasync/pipeline"
	"github.com/arenasync/arenasync/webhookauth"
)

// Standard Webhooks secrets of the tests: the current one and the one it
// replaces. Their keys are the base64-decoded part after "whsec_".
const (
	currentSecret  = "whsec_c2FtcGxlLXNlY3JldC1mb3ItZG9jcy0wMDAx"
	previousSecret = "whsec_b2xkLXNlY3JldC1iZWZvcmUtcm90YXRpb24="
)

// signedBody is the body the Standard Webhooks cases sign, and signedAt its
// webhook-timestamp.
const signedBody = `{"type":"course.attempt.closed","timestamp":1737297000456,"data":{"userId":"u-1","courseId":"c-1"}}`

var signedAt = time.Unix(1737297000, 0)

// headerParser returns one completion whose id is the webhook-id header,
// which shows that the headers reached the parser.
func headerParser(header http.Header, body []byte) ([]pipeline.Event, error) {
	if strings.Contains(string(body), `"ignore"`) {
		return nil, &pipeline.IgnoredError{Reason: pipeline.IgnoredEventType, Detail: "event ignore is not handled"}
	}

	return []pipeline.Event{{
		ID: header.Get("webhook-id"), Type: pipeline.CourseCompleted, Source: "signed",
		EmployeeID: "E1", CourseID: "C1", CompletionDate: "2025-01-19T14:30:00Z", Status: pipeline.StatusCompleted,
	}}, nil
}

// standardSignature signs body under secret as Standard Webhooks does.
func standardSignature(t *testing.T, secret, id string, at time.Time, body string) string {
	t.Helper()

	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		t.Fatalf("decode secret: %v", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + strconv.FormatInt(at.Unix(), 10) + "." + body))

	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// standardRequest builds a signed request; edit changes it afterwards.
func standardRequest(t *testing.T, body, signBody string, at time.Time, secret string, edit func(http.Header)) *http.Request {
	t.Helper()

	r := webhookRequest("signed", body)
	r.Header.Del("Authorization")
	r.Header.Set("webhook-id", "msg_test0001")
	r.Header.Set("webhook-timestamp", strconv.FormatInt(at.Unix(), 10))
	r.Header.Set("webhook-signature", standardSignature(t, secret, "msg_test0001", at, signBody))
	if edit != nil {
		edit(r.Header)
	}

	return r
}

// TestStandardWebhooksThroughHandler checks each kind of Standard Webhooks
// delivery against the status it must get, and the failure counter.
func TestStandardWebhooksThroughHandler(t *testing.T) {
	verifier, err := webhookauth.New(webhookauth.Config{
		Mode:    webhookauth.ModeStandardWebhooks,
		Secrets: []string{currentSecret, previousSecret},
		Now:     func() time.Time { return signedAt.Add(30 * time.Second) },
	})
	if err != nil {
		t.Fatalf("verifier: %v", err)
	}
	s := newTestServer(t, 1, nil, WithRequestSource("signed", headerParser), WithSourceAuth("signed", verifier))

	reserialised := strings.ReplaceAll(signedBody, `,"`, `, "`)
	cases := []struct {
		name       string
		request    *http.Request
		wantStatus int
		wantReason string
	}{
		{name: "valid", request: standardRequest(t, signedBody, signedBody, signedAt, currentSecret, nil), wantStatus: http.StatusAccepted},
		{name: "rotated secret", request: standardRequest(t, signedBody, signedBody, signedAt, previousSecret, nil), wantStatus: http.StatusAccepted},
		{
			name: "second signature matches",
			request: standardRequest(t, signedBody, signedBody, signedAt, currentSecret, func(h http.Header) {
				h.Set("webhook-signature", "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= "+h.Get("webhook-signature"))
			}),
			wantStatus: http.StatusAccepted,
		},
		{name: "unknown secret", request: standardRequest(t, signedBody, signedBody, signedAt, "whsec_"+base64.StdEncoding.EncodeToString([]byte("another-secret")), nil), wantStatus: http.StatusUnauthorized, wantReason: webhookauth.ReasonBadSignature},
		{name: "tampered body", request: standardRequest(t, strings.Replace(signedBody, "u-1", "u-2", 1), signedBody, signedAt, currentSecret, nil), wantStatus: http.StatusUnauthorized, wantReason: webhookauth.ReasonBadSignature},
		{name: "re-serialised body", request: standardRequest(t, reserialised, signedBody, signedAt, currentSecret, nil), wantStatus: http.StatusUnauthorized, wantReason: webhookauth.ReasonBadSignature},
		{name: "old timestamp", request: standardRequest(t, signedBody, signedBody, signedAt.Add(-6*time.Minute), currentSecret, nil), wantStatus: http.StatusUnauthorized, wantReason: webhookauth.ReasonStaleTimestamp},
		{name: "future timestamp", request: standardRequest(t, signedBody, signedBody, signedAt.Add(6*time.Minute), currentSecret, nil), wantStatus: http.StatusUnauthorized, wantReason: webhookauth.ReasonStaleTimestamp},
		{
			name: "timestamp changed after signing",
			request: standardRequest(t, signedBody, signedBody, signedAt, currentSecret, func(h http.Header) {
				h.Set("webhook-timestamp", strconv.FormatInt(signedAt.Unix()+1, 10))
			}),
			wantStatus: http.StatusUnauthorized, wantReason: webhookauth.ReasonBadSignature,
		},
		{
			name:       "missing signature header",
			request:    standardRequest(t, signedBody, signedBody, signedAt, currentSecret, func(h http.Header) { h.Del("webhook-signature") }),
			wantStatus: http.StatusUnauthorized, wantReason: webhookauth.ReasonMissingSignature,
		},
		{
			name:       "missing id header",
			request:    standardRequest(t, signedBody, signedBody, signedAt, currentSecret, func(h http.Header) { h.Del("webhook-id") }),
			wantStatus: http.StatusUnauthorized, wantReason: webhookauth.ReasonMissingID,
		},
		{
			name:       "missing timestamp header",
			request:    standardRequest(t, signedBody, signedBody, signedAt, currentSecret, func(h http.Header) { h.Del("webhook-timestamp") }),
			wantStatus: http.StatusUnauthorized, wantReason: webhookauth.ReasonBadTimestamp,
		},
		{
			name: "other version only",
			request: standardRequest(t, signedBody, signedBody, signedAt, currentSecret, func(h http.Header) {
				h.Set("webhook-signature", strings.Replace(h.Get("webhook-signature"), "v1,", "v1a,", 1))
			}),
			wantStatus: http.StatusUnauthorized, wantReason: webhookauth.ReasonBadSignature,
		},
		{
			name:       "ingest token instead of a signature",
			request:    webhookRequest("signed", signedBody),
			wantStatus: http.StatusUnauthorized, wantReason: webhookauth.ReasonMissingID,
		},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := s.authFailures(t, "signed", tc.wantReason)

			rec := s.serve(tc.request)

			if rec.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", rec.Code, tc.wantStatus, rec.Body)
			}
			if tc.wantReason == "" {
				return
			}
			if got := rec.Header().Get("WWW-Authenticate"); got != `StandardWebhooks realm="arenasync"` {
				t.Errorf("WWW-Authenticate = %q", got)
			}
			if strings.Contains(rec.Body.String(), "c2FtcGxl") || strings.Contains(rec.Body.String(), "whsec_") {
				t.Errorf("response names a secret: %s", rec.Body)
			}
			after := s.authFailures(t, "signed", tc.wantReason)
			if after != before+1 {
				t.Errorf("auth failures {signed,%s} = %v, want %v", tc.wantReason, after, before+1)
			}
		})
	}

	if got := len(readRecords(t, s.brokers, s.cfg.Topic)); got != 3 {
		t.Errorf("main topic holds %d records, want 3 (one per accepted delivery)", got)
	}
}

// authFailures returns arenasync_ingest_auth_failures_total{source,reason}
// from the server's registry, 0 when it was never counted.
func (s *testServer) authFailures(t *testing.T, source, reason string) float64 {
	t.Helper()

	families, err := s.reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() != "arenasync_ingest_auth_failures_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["source"] == source && labels["reason"] == reason {
				return m.GetCounter().GetValue()
			}
		}
	}

	return 0
}

// stringFields renders log fields for a search.
func stringFields(fields map[string]any) string {
	return fmt.Sprint(fields)
}

// TestHMACThroughHandler checks HMAC-SHA256 deliveries in hex and base64.
func TestHMACThroughHandler(t *testing.T) {
	body := `{"eventId":"h-1"}`
	sign := func(key, body string) []byte {
		mac := hmac.New(sha256.New, []byte(key))
		mac.Write([]byte(body))

		return mac.Sum(nil)
	}
	hexOf := func(key, body string) string { return hex.EncodeToString(sign(key, body)) }
	b64Of := func(key, body string) string { return base64.StdEncoding.EncodeToString(sign(key, body)) }

	cases := []struct {
		name       string
		encoding   string
		header     string
		body       string
		wantStatus int
	}{
		{name: "hex", encoding: "hex", header: hexOf("key-new", body), body: body, wantStatus: http.StatusAccepted},
		{name: "hex with sha256= prefix", encoding: "hex", header: "sha256=" + hexOf("key-new", body), body: body, wantStatus: http.StatusAccepted},
		{name: "hex upper case", encoding: "hex", header: strings.ToUpper(hexOf("key-new", body)), body: body, wantStatus: http.StatusAccepted},
		{name: "rotated secret", encoding: "hex", header: hexOf("key-old", body), body: body, wantStatus: http.StatusAccepted},
		{name: "base64", encoding: "base64", header: b64Of("key-new", body), body: body, wantStatus: http.StatusAccepted},
		{name: "base64 with prefix", encoding: "base64", header: "sha256=" + b64Of("key-old", body), body: body, wantStatus: http.StatusAccepted},
		{name: "tampered body", encoding: "hex", header: hexOf("key-new", body), body: `{"eventId":"h-2"}`, wantStatus: http.StatusUnauthorized},
		{name: "re-serialised body", encoding: "hex", header: hexOf("key-new", body), body: `{"eventId": "h-1"}`, wantStatus: http.StatusUnauthorized},
		{name: "wrong secret", encoding: "hex", header: hexOf("key-other", body), body: body, wantStatus: http.StatusUnauthorized},
		{name: "base64 sent to hex source", encoding: "hex", header: b64Of("key-new", body), body: body, wantStatus: http.StatusUnauthorized},
		{name: "missing header", encoding: "hex", header: "", body: body, wantStatus: http.StatusUnauthorized},
	}

	servers := map[string]*testServer{}
	for _, encoding := range []string{"hex", "base64"} {
		v, err := webhookauth.New(webhookauth.Config{Mode: webhookauth.ModeHMACSHA256, Secrets: []string{"key-new", "key-old"}, Header: "X-Hub-Signature-256", Encoding: encoding})
		if err != nil {
			t.Fatalf("verifier: %v", err)
		}
		servers[encoding] = newTestServer(t, 1, nil, WithSource("signed", fixedParser("hmac")), WithSourceAuth("signed", v))
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := webhookRequest("signed", tc.body)
			if tc.header != "" {
				r.Header.Set("X-Hub-Signature-256", tc.header)
			}

			rec := servers[tc.encoding].serve(r)

			if rec.Code != tc.wantStatus {
				t.Errorf("status = %d, want %d (body %s)", rec.Code, tc.wantStatus, rec.Body)
			}
		})
	}
}

// fixedParser returns one completion with the given id for every body.
func fixedParser(id string) Parser {
	return func([]byte) ([]pipeline.Event, error) {
		return []pipeline.Event{{
			ID: id, Type: pipeline.CourseCompleted, Source: "signed",
			EmployeeID: "E1", CourseID: "C1", CompletionDate: "2025-01-19T14:30:00Z", Status: pipeline.StatusCompleted,
		}}, nil
	}
}

// TestBodyTokenAndBearerThroughHandler checks Moodle's token in the body
// and a per-source bearer token, which replaces the ingest token.
func TestBodyTokenAndBearerThroughHandler(t *testing.T) {
	bodyToken, err := webhookauth.New(webhookauth.Config{Mode: webhookauth.ModeBodyToken, Secrets: []string{"moodle-token-1"}})
	if err != nil {
		t.Fatal(err)
	}
	bearer, err := webhookauth.New(webhookauth.Config{Mode: webhookauth.ModeBearer, Secrets: []string{"docebo-token-1", "docebo-token-0"}})
	if err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, 1, nil,
		WithSource("moodle", fixedParser("m-1")), WithSourceAuth("moodle", bodyToken),
		WithSource("docebo", fixedParser("d-1")), WithSourceAuth("docebo", bearer))

	withBearer := func(source, token, body string) *http.Request {
		r := webhookRequest(source, body)
		r.Header.Set("Authorization", "Bearer "+token)

		return r
	}
	cases := []struct {
		name       string
		request    *http.Request
		wantStatus int
		wantReason string
		source     string
	}{
		{name: "moodle token", request: withBearer("moodle", "unused", `{"token": "moodle-token-1"}`), wantStatus: http.StatusAccepted},
		{name: "moodle wrong token", request: webhookRequest("moodle", `{"token": "moodle-token-2"}`), wantStatus: http.StatusUnauthorized, wantReason: webhookauth.ReasonWrongToken, source: "moodle"},
		{name: "moodle token missing", request: webhookRequest("moodle", `{"eventname": "x"}`), wantStatus: http.StatusUnauthorized, wantReason: webhookauth.ReasonMissingToken, source: "moodle"},
		{name: "moodle token not a string", request: webhookRequest("moodle", `{"token": 5}`), wantStatus: http.StatusUnauthorized, wantReason: webhookauth.ReasonMissingToken, source: "moodle"},
		{name: "docebo token", request: withBearer("docebo", "docebo-token-1", `{}`), wantStatus: http.StatusAccepted},
		{name: "docebo previous token", request: withBearer("docebo", "docebo-token-0", `{}`), wantStatus: http.StatusAccepted},
		{name: "docebo with ingest token", request: webhookRequest("docebo", `{}`), wantStatus: http.StatusUnauthorized, wantReason: webhookauth.ReasonWrongToken, source: "docebo"},
		{name: "lms without token", request: withBearer("lms", "", completedBody), wantStatus: http.StatusUnauthorized, wantReason: webhookauth.ReasonMissingToken, source: "lms"},
		{name: "lms with docebo token", request: withBearer("lms", "docebo-token-1", completedBody), wantStatus: http.StatusUnauthorized, wantReason: webhookauth.ReasonWrongToken, source: "lms"},
		{name: "unknown source", request: withBearer("nosuchlms", "wrong", `{}`), wantStatus: http.StatusUnauthorized, wantReason: webhookauth.ReasonWrongToken, source: unknownSourceLabel},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var before float64
			if tc.wantReason != "" {
				before = s.authFailures(t, tc.source, tc.wantReason)
			}

			rec := s.serve(tc.request)

			if rec.Code != tc.wantStatus {
				t.Fatalf("status = %d, want %d (body %s)", rec.Code, tc.wantStatus, rec.Body)
			}
			if tc.wantReason == "" {
				return
			}
			if strings.Contains(rec.Body.String(), "token-") {
				t.Errorf("response repeats a token: %s", rec.Body)
			}
			if got := s.authFailures(t, tc.source, tc.wantReason); got != before+1 {
				t.Errorf("auth failures {%s,%s} = %v, want %v", tc.source, tc.wantReason, got, before+1)
			}
		})
	}

	for _, entry := range s.logs.All() {
		for _, secret := range []string{"moodle-token-1", "moodle-token-2", "docebo-token-1", "docebo-token-0", testToken} {
			if strings.Contains(entry.Message, secret) || strings.Contains(stringFields(entry.ContextMap()), secret) {
				t.Errorf("log entry %q names a secret", entry.Message)
			}
		}
	}
}
