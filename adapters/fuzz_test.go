package adapters_test

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/arenasync/arenasync/adapters"
	"github.com/arenasync/arenasync/pipeline"
)

// fuzzParser feeds the fixtures of kind as seeds and checks, for every
// input, that the parser does not panic, returns a known kind of error, and
// accepts no event without the fields a completion needs.
func fuzzParser(f *testing.F, kind adapters.Kind) {
	fixtures, err := filepath.Glob(filepath.Join("testdata", string(kind), "*.json"))
	if err != nil {
		f.Fatal(err)
	}
	for _, fixture := range fixtures {
		body, err := os.ReadFile(fixture)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(body, "msg_fuzz0001")
	}
	f.Add([]byte(`{}`), "")
	f.Add([]byte(`[]`), "")
	f.Add([]byte(`null`), "")

	a := newAdapter(f, kind, nil)
	f.Fuzz(func(t *testing.T, body []byte, webhookID string) {
		header := http.Header{}
		if webhookID != "" {
			header.Set("webhook-id", webhookID)
		}

		events, err := a.ParseRequest(header, body)
		if err != nil {
			checkParseError(t, err)

			return
		}
		if len(events) == 0 {
			t.Fatalf("no error and no event for %q", body)
		}
		for i, e := range events {
			checkEvent(t, kind, i, e)
		}
	})
}

// checkParseError fails on an error that ingest could not map to a
// response.
func checkParseError(t *testing.T, err error) {
	t.Helper()

	var ignored *pipeline.IgnoredError
	var invalid *pipeline.ValidationError
	switch {
	case errors.As(err, &ignored):
		if ignored.Reason == "" {
			t.Fatalf("ignored without a reason: %v", err)
		}
	case errors.As(err, &invalid):
		if len(invalid.Fields) == 0 {
			t.Fatalf("validation error without fields: %v", err)
		}
	case errors.Is(err, pipeline.ErrMalformed):
	default:
		t.Fatalf("error of unknown kind %T: %v", err, err)
	}
}

// checkEvent fails on an accepted event without its required fields.
func checkEvent(t *testing.T, kind adapters.Kind, i int, e pipeline.Event) {
	t.Helper()

	switch {
	case e.ID == "":
		t.Fatalf("event %d has no id: %+v", i, e)
	case e.EmployeeID == "" || e.CourseID == "":
		t.Fatalf("event %d has no employee or course: %+v", i, e)
	case e.Source != string(kind):
		t.Fatalf("event %d has source %q, want %q", i, e.Source, kind)
	case e.Type != pipeline.CourseCompleted && e.Type != pipeline.CourseEnrolled:
		t.Fatalf("event %d has type %q", i, e.Type)
	case e.Type == pipeline.CourseCompleted && (e.CompletionDate == "" || e.Status != pipeline.StatusCompleted):
		t.Fatalf("completion %d has no completion date or status: %+v", i, e)
	case e.Score != nil && (*e.Score < pipeline.MinScore || *e.Score > pipeline.MaxScore):
		t.Fatalf("event %d has score %v outside 0..100", i, *e.Score)
	}

	if e.CompletionDate != "" {
		when, err := pipeline.DateRule{}.Parse(e.CompletionDate)
		if err != nil || pipeline.FormatUTC(when) != e.CompletionDate {
			t.Fatalf("event %d has completion date %q, want RFC 3339 in UTC", i, e.CompletionDate)
		}
		if pipeline.CheckNotFuture(when, testNow) != nil {
			t.Fatalf("event %d has completion date %q in the future", i, e.CompletionDate)
		}
	}
}

func FuzzGeneric(f *testing.F)     { fuzzParser(f, adapters.KindGeneric) }
func FuzzMoodle(f *testing.F)      { fuzzParser(f, adapters.KindMoodle) }
func FuzzDocebo(f *testing.F)      { fuzzParser(f, adapters.KindDocebo) }
func Fuzz360Learning(f *testing.F) { fuzzParser(f, adapters.Kind360Learning) }
func FuzzXAPI(f *testing.F)        { fuzzParser(f, adapters.KindXAPI) }
