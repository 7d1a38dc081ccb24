package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os/user"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/segmentio/kafka-go"

	"github.com/arenasync/arenasync/internal/testenv"
	"github.com/arenasync/arenasync/pipeline"
	"github.com/arenasync/arenasync/review"
)

// dltFixture is a review queue on the test Redis under a prefix of its
// own, seeded with two event entries and one raw entry, and a fresh main
// topic.
type dltFixture struct {
	t       *testing.T
	redis   string
	prefix  string
	brokers []string
	topic   string
	queue   *review.Store
}

// Ids of the seeded entries, oldest first.
const (
	fixtureEventOld = "lms.training.events.dlt-0-1"
	fixtureEventNew = "lms.training.events.dlt-1-2"
	fixtureRaw      = "lms.training.events.dlt-2-3"
)

// fixtureTime is the dead-letter time of the oldest seeded entry.
var fixtureTime = time.Date(2025, 1, 19, 14, 0, 0, 0, time.UTC)

func newDLTFixture(t *testing.T) *dltFixture {
	t.Helper()

	f := &dltFixture{t: t, redis: testenv.RedisAddr(t), prefix: testenv.RedisPrefix(t), brokers: testenv.KafkaBrokers(t)}
	f.topic = testenv.UniqueName(t, "events")
	testenv.CreateTopic(t, f.brokers, f.topic, 3)

	client := redis.NewClient(&redis.Options{Addr: f.redis})
	t.Cleanup(func() { _ = client.Close() })
	f.queue = review.NewStore(client, f.prefix)

	f.put(f.eventRecord("evt-old", "EMP00001", pipeline.ReasonEmployeeNotFound, 0, 1, fixtureTime))
	f.put(f.eventRecord("evt-new", "EMP00002", pipeline.ReasonRecordExpired, 1, 2, fixtureTime.Add(time.Minute)))
	raw := pipeline.RawDeadLetter{Raw: []byte(`{"eventId":"evt-raw","employeeId":"EMP00003","score":"high"}`), Source: "lms", EventID: "evt-raw",
		Reason: pipeline.ReasonInvalidPayload, Message: "score: must be a number", At: fixtureTime}.Record()
	raw.Topic, raw.Partition, raw.Offset, raw.Time = "lms.training.events.dlt", 2, 3, fixtureTime.Add(2*time.Minute)
	f.put(raw)

	return f
}

func (f *dltFixture) eventRecord(eventID, employee string, reason pipeline.Reason, partition int, offset int64, at time.Time) kafka.Message {
	f.t.Helper()

	event := pipeline.Event{ID: eventID, Type: pipeline.CourseCompleted, Source: "lms", EmployeeID: employee, CourseID: "LMS-SAFETY-101",
		CompletionDate: "2025-01-19T14:30:00Z", Status: pipeline.StatusCompleted}
	msg, err := pipeline.EncodeRecord(pipeline.Envelope{Event: event, Meta: pipeline.Meta{Reason: string(reason), ErrorClass: string(reason), Attempt: 3}})
	if err != nil {
		f.t.Fatalf("encode %s: %v", eventID, err)
	}
	msg.Topic, msg.Partition, msg.Offset, msg.Time = "lms.training.events.dlt", partition, offset, at

	return msg
}

func (f *dltFixture) put(msg kafka.Message) {
	f.t.Helper()

	if _, err := f.queue.Put(context.Background(), review.EntryFromRecord(msg, fixtureTime.Add(time.Hour))); err != nil {
		f.t.Fatalf("Put: %v", err)
	}
}

// connection returns the flags that point a dlt command at the fixture.
func (f *dltFixture) connection() []string {
	return []string{"--redis-addr", f.redis, "--redis-prefix", f.prefix}
}

// kafkaFlags returns the flags that point dlt replay at the fixture's topic.
func (f *dltFixture) kafkaFlags() []string {
	return []string{"--kafka-brokers", strings.Join(f.brokers, ","), "--topic", f.topic}
}

// entry returns the stored entry id.
func (f *dltFixture) entry(id string) review.Entry {
	f.t.Helper()

	e, err := f.queue.Get(context.Background(), id)
	if err != nil {
		f.t.Fatalf("Get(%s): %v", id, err)
	}

	return e
}

// runResult is the outcome of one in-process arenasync run.
type runResult struct {
	stdout string
	stderr string
	code   int
	err    error
}

// runArenasync runs the command tree in-process with args and returns what
// main would print and its exit code.
func runArenasync(t *testing.T, args ...string) runResult {
	t.Helper()

	var stdout, stderr bytes.Buffer
	root := newRootCommand()
	root.SetArgs(args)
	root.SetOut(&stdout)
	root.SetErr(&stderr)

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	err := root.ExecuteContext(ctx)

	code := 0
	var exit exitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.code
	default:
		code = 1
	}

	return runResult{stdout: stdout.String(), stderr: stderr.String(), code: code, err: err}
}

func args(parts ...[]string) []string {
	var out []string
	for _, p := range parts {
		out = append(out, p...)
	}

	return out
}

func TestDLTListJSON(t *testing.T) {
	f := newDLTFixture(t)

	tests := []struct {
		name    string
		flags   []string
		wantIDs []string
	}{
		{name: "default open", flags: nil, wantIDs: []string{fixtureRaw, fixtureEventNew, fixtureEventOld}},
		{name: "by reason", flags: []string{"--reason", "employee_not_found"}, wantIDs: []string{fixtureEventOld}},
		{name: "by employee", flags: []string{"--employee", "EMP00003"}, wantIDs: []string{fixtureRaw}},
		{name: "since", flags: []string{"--since", "2025-01-19T14:01:00Z"}, wantIDs: []string{fixtureRaw, fixtureEventNew}},
		{name: "limit", flags: []string{"--limit", "1"}, wantIDs: []string{fixtureRaw}},
		{name: "resolved is empty", flags: []string{"--status", "resolved"}, wantIDs: []string{}},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := runArenasync(t, args([]string{"dlt", "list", "--json"}, f.connection(), tc.flags)...)
			if got.code != 0 {
				t.Fatalf("exit code = %d, want 0 (error %v, stderr %q)", got.code, got.err, got.stderr)
			}

			var entries []map[string]any
			if err := json.Unmarshal([]byte(got.stdout), &entries); err != nil {
				t.Fatalf("stdout is not a JSON array: %v\n%s", err, got.stdout)
			}
			ids := []string{}
			for _, e := range entries {
				ids = append(ids, fmt.Sprint(e["id"]))
			}
			if !reflect.DeepEqual(ids, tc.wantIDs) {
				t.Errorf("ids = %v, want %v", ids, tc.wantIDs)
			}
		})
	}
}

func TestDLTListJSONFields(t *testing.T) {
	f := newDLTFixture(t)

	got := runArenasync(t, args([]string{"dlt", "list", "--json", "--reason", "invalid_payload"}, f.connection())...)

	var entries []map[string]any
	if err := json.Unmarshal([]byte(got.stdout), &entries); err != nil || len(entries) != 1 {
		t.Fatalf("stdout = %q (error %v), want one JSON entry", got.stdout, err)
	}
	want := map[string]any{
		"id": fixtureRaw, "status": "open", "reason": "invalid_payload", "employeeId": "EMP00003", "eventId": "evt-raw",
		"errorMessage": "score: must be a number", "deadLetteredAt": "2025-01-19T14:02:00Z", "replayable": false,
		"replayCount": float64(0), "value": `{"eventId":"evt-raw","employeeId":"EMP00003","score":"high"}`, "valueEncoding": "utf-8",
	}
	for key, value := range want {
		if !reflect.DeepEqual(entries[0][key], value) {
			t.Errorf("%s = %#v, want %#v", key, entries[0][key], value)
		}
	}
}

func TestDLTListTable(t *testing.T) {
	f := newDLTFixture(t)

	got := runArenasync(t, args([]string{"dlt", "list", "--reason", "record_expired"}, f.connection())...)

	lines := strings.Split(strings.TrimSpace(got.stdout), "\n")
	if len(lines) != 2 {
		t.Fatalf("table = %q, want a header and one row", got.stdout)
	}
	if fields := strings.Fields(lines[0]); !reflect.DeepEqual(fields, []string{"ID", "DEAD-LETTERED", "REASON", "EMPLOYEE", "COURSE", "EVENT", "STATUS", "REPLAYS"}) {
		t.Errorf("header = %q", lines[0])
	}
	want := []string{fixtureEventNew, "2025-01-19", "14:01:00Z", "record_expired", "EMP00002", "LMS-SAFETY-101", "evt-new", "open", "0"}
	if fields := strings.Fields(lines[1]); !reflect.DeepEqual(fields, want) {
		t.Errorf("row = %q, want fields %v", fields, want)
	}
}

func TestDLTExitCodes(t *testing.T) {
	f := newDLTFixture(t)
	redisDown := []string{"--redis-addr", testenv.FreeAddr(t)}

	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
		wantErr    string
	}{
		{name: "list ok", args: args([]string{"dlt", "list"}, f.connection()), wantCode: 0},
		{name: "list bad status", args: args([]string{"dlt", "list", "--status", "closed"}, f.connection()), wantCode: 2,
			wantErr: `status "closed" is invalid: use open, replayed, resolved or all`},
		{name: "list unknown flag", args: []string{"dlt", "list", "--colour"}, wantCode: 2, wantErr: "unknown flag: --colour"},
		{name: "list extra argument", args: []string{"dlt", "list", "extra"}, wantCode: 2,
			wantErr: "unknown command \"extra\" for \"arenasync dlt list\"; see `arenasync dlt list --help`"},
		{name: "list redis down", args: args([]string{"dlt", "list"}, redisDown), wantCode: 2, wantErr: "redis did not respond to PING"},
		{name: "show missing", args: args([]string{"dlt", "show", "lms.training.events.dlt-9-9"}, f.connection()), wantCode: 1,
			wantErr: "dead letter not found: lms.training.events.dlt-9-9: list the ids with `arenasync dlt list --status all`"},
		{name: "show without id", args: args([]string{"dlt", "show"}, f.connection()), wantCode: 2, wantErr: "accepts 1 arg(s), received 0"},
		{name: "replay without selection", args: args([]string{"dlt", "replay"}, f.connection()), wantCode: 2,
			wantErr: "select the dead letters with IDs, --reason REASON or --all, and with only one of them"},
		{name: "replay with id and all", args: args([]string{"dlt", "replay", fixtureEventOld, "--all"}, f.connection()), wantCode: 2,
			wantErr: "select the dead letters with IDs, --reason REASON or --all, and with only one of them"},
		{name: "replay missing id", args: args([]string{"dlt", "replay", "--dry-run", "lms.training.events.dlt-9-9"}, f.connection(), f.kafkaFlags()), wantCode: 1,
			wantStderr: "not replayed: dead letter not found: lms.training.events.dlt-9-9"},
		{name: "replay raw entry", args: args([]string{"dlt", "replay", "--dry-run", fixtureRaw}, f.connection(), f.kafkaFlags()), wantCode: 1,
			wantStderr: "would not replay: dead letter is not replayable: " + fixtureRaw + " (reason invalid_payload)"},
		{name: "replay kafka down", args: args([]string{"dlt", "replay", fixtureEventOld, "--kafka-brokers", testenv.FreeAddr(t)}, f.connection()), wantCode: 2,
			wantErr: "no kafka broker of"},
		{name: "resolve without note", args: args([]string{"dlt", "resolve", fixtureEventOld}, f.connection()), wantCode: 2,
			wantErr: "--note is required: say why dead letter " + fixtureEventOld + " needs no replay"},
		{name: "resolve missing id", args: args([]string{"dlt", "resolve", "lms.training.events.dlt-9-9", "--note", "x"}, f.connection()), wantCode: 1,
			wantErr: "dead letter not found: lms.training.events.dlt-9-9"},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := runArenasync(t, tc.args...)

			if got.code != tc.wantCode {
				t.Errorf("exit code = %d, want %d (error %v, stderr %q)", got.code, tc.wantCode, got.err, got.stderr)
			}
			if tc.wantErr != "" && (got.err == nil || !strings.Contains(got.err.Error(), tc.wantErr)) {
				t.Errorf("error = %v, want it to contain %q", got.err, tc.wantErr)
			}
			if tc.wantStderr != "" && !strings.Contains(got.stderr, tc.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", got.stderr, tc.wantStderr)
			}
		})
	}
}

func TestDLTReplayDryRunWritesNothing(t *testing.T) {
	f := newDLTFixture(t)

	got := runArenasync(t, args([]string{"dlt", "replay", "--all", "--dry-run"}, f.connection(), f.kafkaFlags())...)

	if got.code != 1 {
		t.Errorf("exit code = %d, want 1 because the raw entry cannot be replayed (error %v)", got.code, got.err)
	}
	wantOut := "would replay " + fixtureEventOld + ": event evt-old (course.completed) with key EMP00001|LMS-SAFETY-101 to " + f.topic + "\n" +
		"would replay " + fixtureEventNew + ": event evt-new (course.completed) with key EMP00002|LMS-SAFETY-101 to " + f.topic + "\n" +
		"2 of 3 selected dead letters would be replayed (dry run, nothing changed)\n"
	if got.stdout != wantOut {
		t.Errorf("stdout =\n%s\nwant\n%s", got.stdout, wantOut)
	}
	if size := topicSize(t, f.brokers, f.topic); size != 0 {
		t.Errorf("records on the main topic = %d, want 0", size)
	}
	for _, id := range []string{fixtureEventOld, fixtureEventNew, fixtureRaw} {
		if e := f.entry(id); e.Status != review.StatusOpen || e.ReplayCount != 0 {
			t.Errorf("%s: status %q, replays %d; want open, 0", id, e.Status, e.ReplayCount)
		}
	}
	if log, _ := f.queue.AuditLog(context.Background(), "", 0); len(log) != 3 {
		t.Errorf("audit records = %d, want the 3 received ones", len(log))
	}
}

func TestDLTReplayByID(t *testing.T) {
	f := newDLTFixture(t)

	got := runArenasync(t, args([]string{"dlt", "replay", fixtureEventOld, "--actor", "ada", "--note", "employee created in Arena"}, f.connection(), f.kafkaFlags())...)

	if got.code != 0 {
		t.Fatalf("exit code = %d, want 0 (error %v, stderr %q)", got.code, got.err, got.stderr)
	}
	if !strings.HasPrefix(got.stdout, "replayed "+fixtureEventOld+": event evt-old to "+f.topic+" partition ") ||
		!strings.HasSuffix(got.stdout, "(replay 1)\n1 of 1 selected dead letters replayed\n") {
		t.Errorf("stdout = %q", got.stdout)
	}
	if size := topicSize(t, f.brokers, f.topic); size != 1 {
		t.Errorf("records on the main topic = %d, want 1", size)
	}

	e := f.entry(fixtureEventOld)
	if e.Status != review.StatusReplayed || e.ReplayCount != 1 {
		t.Errorf("status %q, replays %d; want replayed, 1", e.Status, e.ReplayCount)
	}
	trail, err := f.queue.Trail(context.Background(), fixtureEventOld)
	if err != nil {
		t.Fatalf("Trail: %v", err)
	}
	last := trail[len(trail)-1]
	if last.Action != review.ActionReplayed || last.Actor != "ada" || last.Note != "employee created in Arena" || last.Details["topic"] != f.topic {
		t.Errorf("last audit record = %+v, want replayed by ada with the note and topic %s", last, f.topic)
	}
	if other := f.entry(fixtureEventNew); other.Status != review.StatusOpen {
		t.Errorf("unselected entry status = %q, want open", other.Status)
	}
}

func TestDLTResolveAndShow(t *testing.T) {
	f := newDLTFixture(t)

	resolved := runArenasync(t, args([]string{"dlt", "resolve", fixtureRaw, "--note", "LMS resent a valid body", "--actor", "ben"}, f.connection())...)
	if resolved.code != 0 {
		t.Fatalf("resolve exit code = %d, want 0 (error %v)", resolved.code, resolved.err)
	}
	if !strings.HasPrefix(resolved.stdout, "resolved "+fixtureRaw+" by ben at ") {
		t.Errorf("resolve stdout = %q", resolved.stdout)
	}

	shown := runArenasync(t, args([]string{"dlt", "show", fixtureRaw, "--json"}, f.connection())...)
	if shown.code != 0 {
		t.Fatalf("show exit code = %d, want 0 (error %v)", shown.code, shown.err)
	}
	var detail struct {
		Entry review.Entry         `json:"entry"`
		Audit []review.AuditRecord `json:"audit"`
	}
	if err := json.Unmarshal([]byte(shown.stdout), &detail); err != nil {
		t.Fatalf("show --json output does not parse: %v\n%s", err, shown.stdout)
	}
	if detail.Entry.Status != review.StatusResolved {
		t.Errorf("status = %q, want resolved", detail.Entry.Status)
	}
	var trail []string
	for _, r := range detail.Audit {
		trail = append(trail, string(r.Action)+" by "+r.Actor+": "+r.Note)
	}
	wantTrail := []string{"received by arenasync-reconciler: ", "resolved by ben: LMS resent a valid body"}
	if !reflect.DeepEqual(trail, wantTrail) {
		t.Errorf("audit = %q, want %q", trail, wantTrail)
	}

	text := runArenasync(t, args([]string{"dlt", "show", fixtureRaw}, f.connection())...)
	for _, want := range []string{
		"Status:", "resolved",
		"Replayable:", "no: undecodable record",
		"Payload:\n  {\n    \"eventId\": \"evt-raw\",",
		"Audit trail:\n",
	} {
		if !strings.Contains(text.stdout, want) {
			t.Errorf("show output lacks %q:\n%s", want, text.stdout)
		}
	}
	resolvedLine := regexp.MustCompile(`(?m)^  \d{4}-\d\d-\d\dT[\d:.]+Z  resolved  by ben +note: LMS resent a valid body$`)
	if !resolvedLine.MatchString(text.stdout) {
		t.Errorf("show output lacks a trail line matching %s:\n%s", resolvedLine, text.stdout)
	}

	again := runArenasync(t, args([]string{"dlt", "replay", fixtureRaw, "--actor", "ben"}, f.connection(), f.kafkaFlags())...)
	if again.code != 1 || !strings.Contains(again.stderr, "is resolved, so it cannot be replayed") {
		t.Errorf("replaying a resolved entry: exit %d, stderr %q; want 1 and a message that it is resolved", again.code, again.stderr)
	}
}

func TestResolveActorDefaultsToOSUser(t *testing.T) {
	t.Setenv("USER", "fallback-user")
	want := "fallback-user"
	if u, err := user.Current(); err == nil && u.Username != "" {
		want = u.Username
	}

	tests := []struct {
		name string
		flag string
		want string
	}{
		{name: "flag wins", flag: "  ada ", want: "ada"},
		{name: "os user", flag: "", want: want},
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := resolveActor(tc.flag)
			if err != nil {
				t.Fatalf("resolveActor(%q): %v", tc.flag, err)
			}
			if got != tc.want {
				t.Errorf("resolveActor(%q) = %q, want %q", tc.flag, got, tc.want)
			}
		})
	}
}

func TestDLTSelectionFlagsIgnoreEnvironment(t *testing.T) {
	f := newDLTFixture(t)
	t.Setenv("ARENASYNC_ALL", "true")
	t.Setenv("ARENASYNC_REDIS_PREFIX", f.prefix)

	got := runArenasync(t, "dlt", "replay", "--dry-run", "--redis-addr", f.redis)

	if got.code != 2 {
		t.Errorf("exit code = %d, want 2: ARENASYNC_ALL must not select entries (stdout %q)", got.code, got.stdout)
	}

	listed := runArenasync(t, "dlt", "list", "--json", "--redis-addr", f.redis)
	if listed.code != 0 || !strings.Contains(listed.stdout, fixtureRaw) {
		t.Errorf("list with ARENASYNC_REDIS_PREFIX: exit %d, stdout %q; want the fixture's entries", listed.code, listed.stdout)
	}
}

// topicSize returns the number of records written to topic.
func topicSize(t *testing.T, brokers []string, topic string) int64 {
	t.Helper()

	transport := &kafka.Transport{}
	defer transport.CloseIdleConnections()
	client := &kafka.Client{Addr: kafka.TCP(brokers...), Transport: transport}
	requests := []kafka.OffsetRequest{kafka.LastOffsetOf(0), kafka.LastOffsetOf(1), kafka.LastOffsetOf(2)}

	// Right after a topic is created a leader may briefly refuse offset
	// requests, so errors are retried for a few seconds.
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := client.ListOffsets(context.Background(), &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: requests}})
		if err == nil {
			var size int64
			for _, p := range resp.Topics[topic] {
				if p.Error != nil {
					err = p.Error
				}
				size += p.LastOffset
			}
			if err == nil {
				return size
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("list offsets of %s: %v", topic, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
