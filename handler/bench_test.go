package handler_test

import (
	"context"
	"testing"
	"time"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/handler"
	"github.com/arenasync/arenasync/pipeline"
)

// stubArena completes every record at once, without a network.
type stubArena struct{}

func (stubArena) CreateRecord(_ context.Context, _ string, req arena.CreateRecordRequest) (arena.Record, error) {
	return arena.Record{ID: "REC-1", EmployeeID: req.EmployeeID, CourseID: req.CourseID, Status: "ASSIGNED"}, nil
}

func (stubArena) GetRecord(_ context.Context, _, id string) (arena.Record, error) {
	return arena.Record{ID: id, Status: "ASSIGNED"}, nil
}

func (stubArena) CompleteRecord(_ context.Context, _, id string, req arena.CompleteRequest) (arena.Record, error) {
	return arena.Record{ID: id, EmployeeID: req.EmployeeID, Status: "COMPLETED", CompletionDate: req.CompletionDate, Score: req.Score}, nil
}

// stubMappings maps every enrollment to one record.
type stubMappings struct{}

func (stubMappings) Get(context.Context, string, string) (string, bool, error) {
	return "REC-1", true, nil
}

func (stubMappings) Set(context.Context, string, string, string) error { return nil }

func (stubMappings) Lock(context.Context, string, string, string, time.Duration) (func(), error) {
	return func() {}, nil
}

// BenchmarkHandleCompletion measures the handler's own work for one
// completion (map lookup, request, outcome) with Arena and the map
// stubbed, so the figure leaves out every network round trip.
func BenchmarkHandleCompletion(b *testing.B) {
	h := handler.New(handler.Config{}, stubArena{}, stubMappings{}, nil)
	env := pipeline.Envelope{Event: completion("ev-1", employeeAda, lmsSafety, "2025-01-19T14:30:00Z", score(95))}
	ctx := context.Background()
	b.ReportAllocs()

	for b.Loop() {
		if out := h.Handle(ctx, env); out.Kind != pipeline.Done {
			b.Fatalf("outcome %v, want done", out)
		}
	}
}
