package circuit

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/arenasync/arenasync/arena"
)

func status(code int) arena.CallInfo {
	info := arena.CallInfo{StatusCode: code}
	if code >= 400 {
		info.Err = &arena.Error{StatusCode: code}
	}
	return info
}

func transportFailure() arena.CallInfo {
	return arena.CallInfo{Err: &arena.Error{Transport: true, Err: errors.New("connection refused")}}
}

func TestBreakerOpensAfterFailuresInARow(t *testing.T) {
	tests := []struct {
		name  string
		calls []arena.CallInfo
		want  State
	}{
		{name: "two failures stay closed", calls: []arena.CallInfo{status(503), transportFailure()}, want: StateClosed},
		{name: "three 5xx open", calls: []arena.CallInfo{status(500), status(502), status(503)}, want: StateOpen},
		{name: "transport failures open", calls: []arena.CallInfo{transportFailure(), transportFailure(), transportFailure()}, want: StateOpen},
		{name: "an answer resets the run", calls: []arena.CallInfo{status(503), status(503), status(404), status(503), status(503)}, want: StateClosed},
		{name: "429 counts as an answer", calls: []arena.CallInfo{status(503), status(503), status(429), status(503)}, want: StateClosed},
		{
			name:  "cancelled calls do not count",
			calls: []arena.CallInfo{status(503), status(503), {Err: &arena.Error{Err: context.Canceled}}, status(503)},
			want:  StateOpen,
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			breaker, err := New(Config{FailureThreshold: 3, ProbeInterval: time.Hour}, func(context.Context) error { return nil }, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, call := range tt.calls {
				breaker.Observe(call)
			}
			if got := breaker.State(); got != tt.want {
				t.Errorf("State() = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestBreakerProbesUntilArenaAnswers(t *testing.T) {
	var probes atomic.Int32
	probe := func(context.Context) error {
		if probes.Add(1) < 3 {
			return &arena.Error{Op: arena.EndpointGetUser, StatusCode: http.StatusServiceUnavailable}
		}
		return &arena.Error{Op: arena.EndpointGetUser, StatusCode: http.StatusNotFound}
	}
	registry := prometheus.NewRegistry()
	metrics := NewMetrics(registry)
	breaker, err := New(Config{FailureThreshold: 2, ProbeInterval: 50 * time.Millisecond}, probe, nil, metrics)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go breaker.Run(ctx)

	breaker.Observe(status(503))
	breaker.Observe(status(503))
	if got := testutil.ToFloat64(metrics.state); got != 2 {
		t.Errorf("arenasync_arena_circuit_state = %g while open, want 2", got)
	}

	waitCtx, stopWait := context.WithTimeout(ctx, 5*time.Second)
	defer stopWait()
	if err := breaker.Wait(waitCtx); err != nil {
		t.Fatalf("Wait: %v", err)
	}

	if got := probes.Load(); got != 3 {
		t.Errorf("probes = %d, want 3 (two failures, then a 404 that counts as an answer)", got)
	}
	want := map[[2]string]float64{
		{"closed", "open"}:      1,
		{"open", "half-open"}:   3,
		{"half-open", "open"}:   2,
		{"half-open", "closed"}: 1,
	}
	for pair, n := range want {
		if got := testutil.ToFloat64(metrics.transitions.WithLabelValues(pair[0], pair[1])); got != n {
			t.Errorf("transitions{from=%q,to=%q} = %g, want %g", pair[0], pair[1], got, n)
		}
	}
	if got := testutil.ToFloat64(metrics.probes.WithLabelValues(probeFailure)); got != 2 {
		t.Errorf(`probes{result="failure"} = %g, want 2`, got)
	}
	if got := testutil.ToFloat64(metrics.state); got != 0 {
		t.Errorf("arenasync_arena_circuit_state = %g after closing, want 0", got)
	}
}

func TestWaitReturnsWhenContextEnds(t *testing.T) {
	breaker, err := New(Config{FailureThreshold: 1, ProbeInterval: time.Hour}, func(context.Context) error { return nil }, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	breaker.Observe(status(500))

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := breaker.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Wait on an open circuit = %v, want the context's deadline error", err)
	}
}

func TestProbeResultOf(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error
	}{
		{name: "success", err: nil, want: nil},
		{name: "404 is an answer", err: &arena.Error{StatusCode: 404}, want: nil},
		{name: "401 is an answer", err: &arena.Error{StatusCode: 401}, want: nil},
		{name: "503 is down", err: &arena.Error{StatusCode: 503}, want: errArenaDown},
		{name: "timeout is down", err: &arena.Error{Timeout: true, Err: context.DeadlineExceeded}, want: errArenaDown},
		{name: "not admitted is excluded", err: &arena.Error{Err: arena.ErrNotAdmitted}, want: context.Canceled},
		{name: "other error is down", err: errors.New("boom"), want: errArenaDown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := probeResultOf(tt.err); !errors.Is(got, tt.want) || (got == nil) != (tt.want == nil) {
				t.Errorf("probeResultOf(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{name: "defaults", cfg: Config{}},
		{name: "negative threshold", cfg: Config{FailureThreshold: -1}, wantErr: "invalid circuit breaker config: FailureThreshold -1 is below 1"},
		{name: "negative interval", cfg: Config{ProbeInterval: -time.Second}, wantErr: "invalid circuit breaker config: ProbeInterval -1s is negative; use a positive duration such as 5s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr || !errors.Is(err, ErrInvalidConfig) {
				t.Errorf("Validate() = %v, want %q wrapping ErrInvalidConfig", err, tt.wantErr)
			}
		})
	}

	if got, want := (Config{}).withDefaults(), (Config{FailureThreshold: 5, ProbeInterval: 5 * time.Second, ProbeTimeout: 10 * time.Second}); got != want {
		t.Errorf("withDefaults() = %+v, want %+v", got, want)
	}
}
