package consumer

import (
	"context"

	"github.com/arenasync/arenasync/pipeline"
)

// Handler turns one event into its Arena calls and classifies the result.
// It is called once per delivery, and a record may be delivered more than
// once (see the package doc), so a handler must be idempotent.
type Handler interface {
	Handle(ctx context.Context, env pipeline.Envelope) pipeline.Outcome
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, env pipeline.Envelope) pipeline.Outcome

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, env pipeline.Envelope) pipeline.Outcome {
	return f(ctx, env)
}

// Observer receives the outcome of every handled record after it is
// durable. topic is the topic the record was read from. It must return quickly.
type Observer func(topic string, env pipeline.Envelope, out pipeline.Outcome)

// Gate holds fetching back while Arena is unavailable. Wait returns when
// fetching may go on, or with ctx's error.
type Gate interface {
	Wait(ctx context.Context) error
}
