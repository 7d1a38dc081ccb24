package adapters_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/arenasync/arenasync/adapters"
	"github.com/arenasync/arenasync/internal/testenv"
	"github.com/arenasync/arenasync/pipeline"
)

func TestIdentityRules(t *testing.T) {
	table := writeTable(t, "lms_user_id,employee_id\n# contractors\n4410,EMP20417\n 4411 , EMP20988\n")

	cases := []struct {
		name      string
		spec      string
		lmsUserID string
		want      string
		wantFound bool
	}{
		{name: "same", spec: "same", lmsUserID: "EMP20417", want: "EMP20417", wantFound: true},
		{name: "empty spec is same", spec: "", lmsUserID: "EMP20417", want: "EMP20417", wantFound: true},
		{name: "prefix", spec: "prefix:EMP", lmsUserID: "20417", want: "EMP20417", wantFound: true},
		{name: "file", spec: "file:" + table, lmsUserID: "4410", want: "EMP20417", wantFound: true},
		{name: "file trims spaces", spec: "file:" + table, lmsUserID: "4411", want: "EMP20988", wantFound: true},
		{name: "file without the user", spec: "file:" + table, lmsUserID: "9999", wantFound: false},
		{name: "file header is no user", spec: "file:" + table, lmsUserID: "lms_user_id", wantFound: false},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			identity, err := adapters.ParseIdentity(tc.spec, "moodle", nil, "")
			if err != nil {
				t.Fatalf("ParseIdentity(%q): %v", tc.spec, err)
			}

			got, found, err := identity.EmployeeID(context.Background(), tc.lmsUserID)

			if err != nil {
				t.Fatalf("EmployeeID: %v", err)
			}
			if found != tc.wantFound || got != tc.want {
				t.Errorf("EmployeeID(%q) = %q, %v; want %q, %v", tc.lmsUserID, got, found, tc.want, tc.wantFound)
			}
		})
	}
}

func TestParseIdentityInvalid(t *testing.T) {
	cases := []struct {
		name string
		spec string
	}{
		{name: "unknown rule", spec: "ldap"},
		{name: "empty prefix", spec: "prefix:"},
		{name: "missing file", spec: "file:" + filepath.Join(t.TempDir(), "absent.csv")},
		{name: "duplicate user", spec: "file:" + writeTable(t, "4410,EMP1\n4410,EMP2\n")},
		{name: "empty column", spec: "file:" + writeTable(t, "4410,\n")},
		{name: "three columns", spec: "file:" + writeTable(t, "4410,EMP1,extra\n")},
		{name: "redis without client", spec: "redis"},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := adapters.ParseIdentity(tc.spec, "moodle", nil, ""); err == nil {
				t.Errorf("ParseIdentity(%q) returned no error", tc.spec)
			}
		})
	}
}

// TestRedisIdentity looks users up in a Redis hash on the real server.
func TestRedisIdentity(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: testenv.RedisAddr(t)})
	t.Cleanup(func() { _ = rdb.Close() })
	prefix := testenv.RedisPrefix(t)
	if err := rdb.HSet(context.Background(), adapters.IdentityKey(prefix, "docebo"), "20417", "EMP20417").Err(); err != nil {
		t.Fatal(err)
	}

	identity, err := adapters.ParseIdentity("redis", "docebo", rdb, prefix)
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(t, adapters.KindDocebo)
	cfg.Identity = identity
	a, err := adapters.New(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}

	events, err := a.Parse(readFixture(t, "docebo", "completed.json"))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if events[0].EmployeeID != "EMP20417" {
		t.Errorf("employeeId = %q, want EMP20417", events[0].EmployeeID)
	}

	_, err = a.Parse(readFixture(t, "docebo", "completed-grouped.json"))
	var invalid *pipeline.ValidationError
	if !errors.As(err, &invalid) || invalid.Fields[0].Field != "payloads[1].user_id" {
		t.Errorf("grouped delivery with unknown user 20988: error %v, want a validation error on payloads[1].user_id", err)
	}
}

// TestRedisIdentityUnavailable checks that a failed lookup becomes
// pipeline.ErrUnavailable, for which ingest responds 503.
func TestRedisIdentityUnavailable(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: testenv.FreeAddr(t), MaxRetries: -1})
	t.Cleanup(func() { _ = rdb.Close() })

	cfg := testConfig(t, adapters.KindDocebo)
	cfg.Identity = adapters.NewRedisID(rdb, "arenasync:identity:docebo")
	a, err := adapters.New(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}

	_, err = a.Parse(readFixture(t, "docebo", "completed.json"))

	if !errors.Is(err, pipeline.ErrUnavailable) {
		t.Errorf("error = %v, want ErrUnavailable", err)
	}
}

func TestConfigInvalid(t *testing.T) {
	cases := []struct {
		name string
		cfg  adapters.Config
	}{
		{name: "unknown kind", cfg: adapters.Config{Kind: "canvas"}},
		{name: "empty kind", cfg: adapters.Config{}},
		{name: "unknown actor", cfg: adapters.Config{Kind: adapters.KindXAPI, XAPIActor: "openid"}},
		{name: "negative timeout", cfg: adapters.Config{Kind: adapters.KindXAPI, LookupTimeout: -1}},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := adapters.New(tc.cfg, nil, nil); !errors.Is(err, adapters.ErrInvalidConfig) {
				t.Errorf("New error = %v, want ErrInvalidConfig", err)
			}
		})
	}
}

// TestXAPIMboxActor reads the employee from actor.mbox.
func TestXAPIMboxActor(t *testing.T) {
	cfg := testConfig(t, adapters.KindXAPI)
	cfg.XAPIActor = adapters.ActorMbox
	cfg.Identity = adapters.TableID{"ada@example.test": "EMP20417"}
	a, err := adapters.New(cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name      string
		mbox      string
		want      string
		wantField string
	}{
		{name: "mailto", mbox: "mailto:ada@example.test", want: "EMP20417"},
		{name: "upper-case scheme", mbox: "MAILTO:ada@example.test", want: "EMP20417"},
		{name: "no scheme", mbox: "ada@example.test", wantField: "actor.mbox"},
		{name: "unknown address", mbox: "mailto:eve@example.test", wantField: "actor.mbox"},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := `{"id": "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", "actor": {"mbox": "` + tc.mbox + `"},
 "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"}, "object": {"id": "https://lms.example.test/course/LMS-GMP-201"},
 "timestamp": "2025-01-19T14:30:00Z"}`

			events, err := a.Parse([]byte(body))

			if tc.wantField != "" {
				var invalid *pipeline.ValidationError
				if !errors.As(err, &invalid) || invalid.Fields[0].Field != tc.wantField {
					t.Fatalf("error = %v, want a validation error on %s", err, tc.wantField)
				}

				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if events[0].EmployeeID != tc.want {
				t.Errorf("employeeId = %q, want %q", events[0].EmployeeID, tc.want)
			}
		})
	}
}

// writeTable writes an identity CSV file and returns its path.
func writeTable(t *testing.T, content string) string {
	t.Helper()

	path := filepath.Join(t.TempDir(), "identity.csv")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}

	return path
}
