package producer

import (
	"fmt"
	"net/http"

	"github.com/arenasync/arenasync/pipeline"
	"github.com/arenasync/arenasync/webhookauth"
)

// RequestParser is a Parser that also reads the request headers, for
// sources whose delivery id travels in a header, such as the webhook-id of
// Standard Webhooks. header is nil when the body did not come with a
// request.
type RequestParser func(header http.Header, body []byte) ([]pipeline.Event, error)

// sourceSettings are the per-source settings of the Source options.
type sourceSettings struct {
	verifier     webhookauth.Verifier
	parseRequest RequestParser
	maxBodyBytes int64
}

// setting returns the settings of source name, creating them.
func (o *options) setting(name string) *sourceSettings {
	if o.perSource == nil {
		o.perSource = make(map[string]*sourceSettings)
	}
	if o.perSource[name] == nil {
		o.perSource[name] = &sourceSettings{}
	}

	return o.perSource[name]
}

// WithRequestSource serves parse under /v1/webhooks/{name} like WithSource,
// and passes the request headers to it.
func WithRequestSource(name string, parse RequestParser) Option {
	return func(o *options) {
		var bodyOnly Parser
		if parse != nil {
			bodyOnly = func(body []byte) ([]pipeline.Event, error) { return parse(nil, body) }
		}
		o.parsers = append(o.parsers, namedParser{name: name, parse: bodyOnly})
		o.setting(name).parseRequest = parse
	}
}

// WithSourceAuth authenticates the requests of source name with v instead
// of the ingest token. v sees the headers and the raw body, so the body is
// read, up to the source's size limit, before the request is authenticated.
// A failure responds 401.
func WithSourceAuth(name string, v webhookauth.Verifier) Option {
	return func(o *options) { o.setting(name).verifier = v }
}

// WithSourceBodyLimit sets the largest accepted body of source name, in
// bytes. It must lie between 1 and Config.MaxBodyBytes, which the Kafka
// writer is sized for; zero keeps Config.MaxBodyBytes.
func WithSourceBodyLimit(name string, maxBytes int64) Option {
	return func(o *options) { o.setting(name).maxBodyBytes = maxBytes }
}

// checkSourceSettings rejects settings for sources that are not registered,
// nil verifiers and body limits outside 0..maxBodyBytes.
func checkSourceSettings(perSource map[string]*sourceSettings, srcs sources, maxBodyBytes int64) error {
	for name, s := range perSource {
		if _, ok := srcs[name]; !ok {
			return fmt.Errorf("%w: source %q has settings but no parser: register it with WithSource", ErrInvalidSource, name)
		}
		if s.maxBodyBytes < 0 || s.maxBodyBytes > maxBodyBytes {
			return fmt.Errorf("%w: body limit %d of source %q lies outside 0..%d (Config.MaxBodyBytes): lower it or raise MaxBodyBytes", ErrInvalidSource, s.maxBodyBytes, name, maxBodyBytes)
		}
	}

	return nil
}

// sourceLimit returns the body limit of source.
func (h *webhook) sourceLimit(source string) int64 {
	if s := h.perSource[source]; s != nil && s.maxBodyBytes > 0 {
		return s.maxBodyBytes
	}

	return h.cfg.MaxBodyBytes
}

// sourceVerifier returns the verifier of source, or nil when the ingest
// token authenticates it.
func (h *webhook) sourceVerifier(source string) webhookauth.Verifier {
	if s := h.perSource[source]; s != nil {
		return s.verifier
	}

	return nil
}

// parseSource runs the parser of the source, with the headers when it was
// registered with WithRequestSource.
func (h *webhook) parseSource(ex *exchange, parse Parser, body []byte) ([]pipeline.Event, error) {
	if s := h.perSource[ex.source]; s != nil && s.parseRequest != nil {
		return s.parseRequest(ex.r.Header, body)
	}

	return parse(body)
}
