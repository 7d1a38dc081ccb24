package arena

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 20, 9, 0, 0, 0, time.UTC)

	tests := []struct {
		name       string
		retryAfter string
		reset      string
		want       time.Duration
	}{
		{name: "none"},
		{name: "seconds", retryAfter: "120", want: 2 * time.Minute},
		{name: "seconds with spaces", retryAfter: " 5 ", want: 5 * time.Second},
		{name: "zero seconds", retryAfter: "0", want: 0},
		{name: "negative seconds", retryAfter: "-5", want: 0},
		{name: "seconds capped at a day", retryAfter: "999999999", want: 24 * time.Hour},
		{name: "HTTP date", retryAfter: "Mon, 20 Jan 2025 09:01:30 GMT", want: 90 * time.Second},
		{name: "RFC 850 date", retryAfter: "Monday, 20-Jan-25 09:00:10 GMT", want: 10 * time.Second},
		{name: "past HTTP date", retryAfter: "Mon, 20 Jan 2025 08:00:00 GMT", want: 0},
		{name: "garbage", retryAfter: "soon", want: 0},
		{name: "reset epoch", reset: strconv.FormatInt(now.Add(45*time.Second).Unix(), 10), want: 45 * time.Second},
		{name: "reset relative", reset: "30", want: 30 * time.Second},
		{name: "reset past epoch", reset: strconv.FormatInt(now.Add(-time.Minute).Unix(), 10), want: 0},
		{name: "longer of both", retryAfter: "10", reset: strconv.FormatInt(now.Add(40*time.Second).Unix(), 10), want: 40 * time.Second},
		{name: "longer of both reversed", retryAfter: "50", reset: "20", want: 50 * time.Second},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := http.Header{}
			if tt.retryAfter != "" {
				header.Set("Retry-After", tt.retryAfter)
			}
			if tt.reset != "" {
				header.Set("X-RateLimit-Reset", tt.reset)
			}

			if got := retryAfter(header, now); got != tt.want {
				t.Errorf("retryAfter = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestParseErrorBody(t *testing.T) {
	tests := []struct {
		name        string
		body        string
		wantCode    string
		wantMessage string
	}{
		{"error and message", `{"error":"invalid_record_state","message":"record is COMPLETED"}`, "invalid_record_state", "record is COMPLETED"},
		{"code field", `{"code":"E42","message":"bad"}`, "E42", "bad"},
		{"errors list", `{"errors":[{"code":"3001","message":"employee not found"},{"code":"x","message":"y"}]}`, "3001", "employee not found"},
		{"message only", `{"message":"upstream timeout"}`, "", "upstream timeout"},
		{"JSON without known fields", `{"detail":"x"}`, "", `{"detail":"x"}`},
		{"plain text", "  Service Unavailable\n", "", "Service Unavailable"},
		{"empty", "", "", ""},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, message := parseErrorBody([]byte(tt.body))

			if code != tt.wantCode {
				t.Errorf("code = %q, want %q", code, tt.wantCode)
			}
			if message != tt.wantMessage {
				t.Errorf("message = %q, want %q", message, tt.wantMessage)
			}
		})
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		name  string
		input string
		limit int
		want  string
	}{
		{"short", "abc", 10, "abc"},
		{"exact", "abcdefghij", 10, "abcdefghij"},
		{"long", "abcdefghijk", 10, "abcdefg..."},
		{"multi-byte boundary", "aaaaaa€€€", 10, "aaaaaa..."},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := truncate(tt.input, tt.limit)

			if got != tt.want {
				t.Errorf("truncate = %q, want %q", got, tt.want)
			}
			if len(got) > tt.limit {
				t.Errorf("len = %d, above limit %d", len(got), tt.limit)
			}
		})
	}
}

func TestResponseErrorBoundsMessage(t *testing.T) {
	resp := &http.Response{StatusCode: http.StatusBadGateway, Header: http.Header{}}
	body := []byte("<html>" + strings.Repeat("x", 2000) + "</html>")

	err := responseError(EndpointGetUser, resp, body, nil, time.Now())

	if len(err.Message) != maxMessageBytes {
		t.Errorf("len(Message) = %d, want %d", len(err.Message), maxMessageBytes)
	}
}
