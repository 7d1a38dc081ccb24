package access

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/circuit"
	"github.com/arenasync/arenasync/pipeline"
)

type fakeBreaker struct{ state circuit.State }

func (b *fakeBreaker) State() circuit.State { return b.state }

func (b *fakeBreaker) Wait(ctx context.Context) error {
	if b.state == circuit.StateClosed {
		return nil
	}
	<-ctx.Done()
	return ctx.Err()
}

type fakePauser struct{ left time.Duration }

func (p fakePauser) PausedFor(context.Context) time.Duration { return p.left }

func retryable(reason pipeline.Reason) pipeline.Outcome {
	return pipeline.Outcome{Kind: pipeline.Retryable, Reason: reason}
}

func TestGateShouldHold(t *testing.T) {
	tests := []struct {
		name    string
		state   circuit.State
		paused  time.Duration
		outcome pipeline.Outcome
		want    bool
	}{
		{name: "5xx while the circuit is open", state: circuit.StateOpen, outcome: retryable(pipeline.ReasonArenaUnavailable), want: true},
		{name: "timeout while half-open", state: circuit.StateHalfOpen, outcome: retryable(pipeline.ReasonArenaTimeout), want: true},
		{name: "5xx while closed", state: circuit.StateClosed, outcome: retryable(pipeline.ReasonArenaUnavailable), want: false},
		{name: "429 with a short pause", state: circuit.StateClosed, paused: 2 * time.Second, outcome: retryable(pipeline.ReasonRateLimited), want: true},
		{name: "429 whose pause is over", state: circuit.StateClosed, outcome: retryable(pipeline.ReasonRateLimited), want: true},
		{name: "429 with a pause beyond the in-place wait", state: circuit.StateClosed, paused: time.Minute, outcome: retryable(pipeline.ReasonRateLimited), want: false},
		{name: "unreachable during a short pause", state: circuit.StateClosed, paused: time.Second, outcome: retryable(pipeline.ReasonArenaUnreachable), want: true},
		{name: "missing mapping while open", state: circuit.StateOpen, outcome: retryable(pipeline.ReasonMappingNotFound), want: false},
		{name: "permanent outcome while open", state: circuit.StateOpen, outcome: pipeline.Outcome{Kind: pipeline.Permanent, Reason: pipeline.ReasonArenaUnavailable}, want: false},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gate := newGate(&fakeBreaker{state: tt.state}, fakePauser{left: tt.paused}, 25*time.Second, time.Millisecond, zap.NewNop())

			// shouldHold is the decision alone; HoldRetry adds the wait,
			// which an open fake circuit would never end.
			got := tt.outcome.Kind == pipeline.Retryable && arenaWide(tt.outcome.Reason) && gate.shouldHold(context.Background(), tt.outcome)
			if got != tt.want {
				t.Errorf("hold = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestGateHoldRetryWaitsForClosedCircuit(t *testing.T) {
	breaker := &fakeBreaker{state: circuit.StateClosed}
	gate := newGate(breaker, fakePauser{}, 25*time.Second, time.Millisecond, zap.NewNop())

	if !gate.HoldRetry(context.Background(), retryable(pipeline.ReasonRateLimited)) {
		t.Error("HoldRetry of a 429 without a pause = false, want true: the event is handled again at once")
	}
	if gate.HoldRetry(context.Background(), retryable(pipeline.ReasonArenaUnavailable)) {
		t.Error("HoldRetry of a 5xx while closed = true, want false")
	}

	breaker.state = circuit.StateOpen
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if gate.HoldRetry(ctx, retryable(pipeline.ReasonArenaUnavailable)) {
		t.Error("HoldRetry while open and the context ends = true, want false")
	}
}

func TestGateWaitsForPause(t *testing.T) {
	pauser := &countingPauser{left: []time.Duration{30 * time.Millisecond, 0}}
	gate := newGate(&fakeBreaker{state: circuit.StateClosed}, pauser, 25*time.Second, 10*time.Millisecond, zap.NewNop())

	start := time.Now()
	if err := gate.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed < 10*time.Millisecond {
		t.Errorf("Wait during a pause returned after %s, want it to wait", elapsed)
	}
	if pauser.calls != 2 {
		t.Errorf("PausedFor calls = %d, want 2", pauser.calls)
	}

	// Within the poll interval after an empty reading, the gate does not ask again.
	if err := gate.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if pauser.calls != 2 {
		t.Errorf("PausedFor calls after a fresh empty reading = %d, want 2", pauser.calls)
	}
}

type countingPauser struct {
	left  []time.Duration
	calls int
}

func (p *countingPauser) PausedFor(context.Context) time.Duration {
	p.calls++
	if p.calls > len(p.left) {
		return 0
	}
	return p.left[p.calls-1]
}

func TestStatusLabel(t *testing.T) {
	tests := []struct {
		name string
		info arena.CallInfo
		want string
	}{
		{name: "answer", info: arena.CallInfo{StatusCode: 201}, want: "201"},
		{name: "error answer", info: arena.CallInfo{StatusCode: 503, Err: &arena.Error{StatusCode: 503}}, want: "503"},
		{name: "timeout", info: arena.CallInfo{Err: &arena.Error{Timeout: true}}, want: "timeout"},
		{name: "connection refused", info: arena.CallInfo{Err: &arena.Error{Transport: true, Err: errors.New("refused")}}, want: "transport"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := statusLabel(tt.info); got != tt.want {
				t.Errorf("statusLabel = %q, want %q", got, tt.want)
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
		{name: "valid", cfg: Config{Prefix: "p:"}},
		{name: "unknown cache", cfg: Config{Prefix: "p:", TokenCache: "memcached"}, wantErr: `invalid arena access config: TokenCache "memcached" is unknown; use "redis" or "process"`},
		{name: "invalid part", cfg: Config{Prefix: "p:", Circuit: circuit.Config{FailureThreshold: -2}}, wantErr: "invalid arena access config: invalid circuit breaker config: FailureThreshold -2 is below 1"},
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

	got := Config{Prefix: "p:"}.withDefaults()
	if got.TokenCache != TokenCacheRedis || got.ProbeEmployeeID != "arenasync-probe" || got.MaxInPlaceWait != 25*time.Second ||
		got.GatePoll != 200*time.Millisecond || got.RateLimit.MaxWait != 25*time.Second || got.Token.Prefix != "p:" || got.RateLimit.Prefix != "p:" {
		t.Errorf("withDefaults() = %+v, want the documented defaults", got)
	}
}
