package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/spf13/pflag"
	"go.uber.org/zap"

	"github.com/arenasync/arenasync/producer"
)

// buildSources parses args as ingest source flags and builds the options.
func buildSources(t *testing.T, args ...string) ([]producer.Option, error) {
	t.Helper()

	var o ingestSourceOptions
	flags := pflag.NewFlagSet("ingest", pflag.ContinueOnError)
	o.register(flags)
	if err := flags.Parse(args); err != nil {
		t.Fatalf("parse %v: %v", args, err)
	}

	opts, closeSources, err := o.build(zap.NewNop(), prometheus.NewRegistry(), redisOptions{}, nil)
	t.Cleanup(func() { _ = closeSources() })

	return opts, err
}

// servedSources returns the sources a server built from opts lists in its
// 404 for an unknown source.
func servedSources(t *testing.T, opts []producer.Option) []string {
	t.Helper()

	server, err := producer.New(producer.Config{Brokers: []string{"127.0.0.1:1"}, IngestToken: "ingest-token"}, nil, nil, opts...)
	if err != nil {
		t.Fatalf("producer.New: %v", err)
	}
	t.Cleanup(func() { _ = server.Close() })

	r := httptest.NewRequest(http.MethodPost, "/v1/webhooks/nosuchlms", strings.NewReader(`{}`))
	r.Header.Set("Authorization", "Bearer ingest-token")
	r.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	server.Handler().ServeHTTP(rec, r)

	var problem producer.Problem
	if err := json.Unmarshal(rec.Body.Bytes(), &problem); err != nil {
		t.Fatalf("decode %s: %v", rec.Body, err)
	}

	return problem.Sources
}

func TestIngestSourcesServed(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want []string
	}{
		{name: "defaults serve the bearer sources", want: []string{"docebo", "lms", "xapi"}},
		{name: "secrets turn on moodle and 360learning", args: []string{"--moodle-secrets=moodle-token", "--360learning-secrets=whsec_c2VjcmV0"}, want: []string{"360learning", "docebo", "lms", "moodle", "xapi"}},
		{name: "off", args: []string{"--docebo-auth=off", "--xapi-auth=off"}, want: []string{"lms"}},
		{name: "hmac with a body limit", args: []string{"--docebo-auth=hmac-sha256", "--docebo-secrets=k1,k0", "--docebo-signature-encoding=base64", "--docebo-max-body-bytes=65536"}, want: []string{"docebo", "lms", "xapi"}},
		{name: "identity and zone", args: []string{"--docebo-identity=prefix:EMP", "--docebo-time-zone=Europe/Berlin", "--xapi-actor=mbox"}, want: []string{"docebo", "lms", "xapi"}},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts, err := buildSources(t, tc.args...)
			if err != nil {
				t.Fatalf("build: %v", err)
			}

			if got := servedSources(t, opts); !slices.Equal(got, tc.want) {
				t.Errorf("served sources = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestIngestSourcesInvalid(t *testing.T) {
	cases := []struct {
		name     string
		args     []string
		wantText string
	}{
		{name: "time zone", args: []string{"--docebo-time-zone=Mars/Olympus"}, wantText: "--docebo-time-zone"},
		{name: "identity", args: []string{"--moodle-secrets=t", "--moodle-identity=ldap"}, wantText: "--moodle-identity"},
		{name: "auth mode", args: []string{"--xapi-auth=basic", "--xapi-secrets=t"}, wantText: "--xapi-auth"},
		{name: "encoding", args: []string{"--docebo-auth=hmac-sha256", "--docebo-secrets=k", "--docebo-signature-encoding=base32"}, wantText: "Encoding"},
		{name: "standard secret", args: []string{"--360learning-secrets=whsec_not base64"}, wantText: "Secrets[0]"},
		{name: "actor", args: []string{"--xapi-actor=openid"}, wantText: "XAPIActor"},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := buildSources(t, tc.args...)

			if err == nil || !strings.Contains(err.Error(), tc.wantText) {
				t.Errorf("build error = %v, want one naming %s", err, tc.wantText)
			}
			if err != nil && strings.Contains(err.Error(), "not base64") {
				t.Errorf("error repeats the secret: %v", err)
			}
		})
	}
}
