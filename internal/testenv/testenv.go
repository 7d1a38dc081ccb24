// Package testenv connects tests to the Apache Kafka broker and the Redis
// server that scripts/testenv/run.sh starts (make test runs it), and gives
// each test its own topic, group and key names so tests can share them.
//
// Without the servers, a test that requests one is skipped. run.sh sets
// ARENASYNC_TEST_REQUIRE_SERVERS=1, which turns that skip into a failure.
package testenv

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
)

// Environment variables that scripts/testenv/run.sh exports to the tests.
const (
	// EnvKafkaBrokers contains comma-separated HOST:PORT bootstrap addresses.
	EnvKafkaBrokers = "ARENASYNC_TEST_KAFKA_BROKERS"

	// EnvRedisAddr contains the HOST:PORT of a redis-server.
	EnvRedisAddr = "ARENASYNC_TEST_REDIS_ADDR"

	// EnvRequireServers set to "1" makes a missing server address a test
	// failure instead of a skip.
	EnvRequireServers = "ARENASYNC_TEST_REQUIRE_SERVERS"
)

// maxTopicNameLength is Kafka's limit on topic names, in bytes.
const maxTopicNameLength = 249

// nameCounter makes names unique within one test binary even when the
// random part repeats.
var nameCounter atomic.Uint64

// KafkaBrokers returns the bootstrap addresses from ARENASYNC_TEST_KAFKA_BROKERS.
// When the variable is empty the test is skipped, or fails if
// ARENASYNC_TEST_REQUIRE_SERVERS=1.
func KafkaBrokers(t testing.TB) []string {
	t.Helper()

	brokers := parseBrokers(os.Getenv(EnvKafkaBrokers))
	if len(brokers) == 0 {
		serverMissing(t, EnvKafkaBrokers, "Kafka")
	}
	return brokers
}

// RedisAddr returns the HOST:PORT from ARENASYNC_TEST_REDIS_ADDR. When the
// variable is empty the test is skipped, or fails if
// ARENASYNC_TEST_REQUIRE_SERVERS=1.
func RedisAddr(t testing.TB) string {
	t.Helper()

	addr := strings.TrimSpace(os.Getenv(EnvRedisAddr))
	if addr == "" {
		serverMissing(t, EnvRedisAddr, "Redis")
	}
	return addr
}

// parseBrokers splits a comma-separated address list and drops empty entries.
func parseBrokers(value string) []string {
	var brokers []string
	for _, field := range strings.Split(value, ",") {
		if broker := strings.TrimSpace(field); broker != "" {
			brokers = append(brokers, broker)
		}
	}
	return brokers
}

func serverMissing(t testing.TB, variable, server string) {
	t.Helper()

	if os.Getenv(EnvRequireServers) == "1" {
		t.Fatalf("%s is not set although %s=1; run the tests with make test, which starts %s",
			variable, EnvRequireServers, server)
	}
	t.Skipf("%s is not set; run make test to start %s for this test", variable, server)
}

// UniqueName returns a Kafka topic or consumer group name that starts with
// prefix, contains the test's name and is unique across tests and runs.
// prefix may contain only ASCII letters, digits, '.', '_' and '-', the
// characters Kafka allows in topic names.
func UniqueName(t testing.TB, prefix string) string {
	t.Helper()

	if prefix == "" || strings.IndexFunc(prefix, isInvalidTopicRune) >= 0 {
		t.Fatalf("testenv.UniqueName: prefix %q must be non-empty and contain only letters, digits, '.', '_' and '-'", prefix)
	}

	suffix := fmt.Sprintf("-%d-%s", nameCounter.Add(1), randomHex(t, 4))
	testName := strings.Map(replaceInvalidTopicRune, t.Name())

	// Kafka rejects longer topic names, so the test name gives way first.
	room := maxTopicNameLength - len(prefix) - len(suffix) - 1
	if room < 0 {
		t.Fatalf("testenv.UniqueName: prefix %q is too long for a Kafka topic name; use fewer than %d bytes",
			prefix, maxTopicNameLength-len(suffix)-1)
	}
	if len(testName) > room {
		testName = testName[:room]
	}
	return prefix + "-" + testName + suffix
}

// RedisPrefix returns a key prefix unique to this test and run, ending in
// ':' so that callers append key names directly.
func RedisPrefix(t testing.TB) string {
	t.Helper()

	return UniqueName(t, "arenasync-test") + ":"
}

// FreeAddr returns a 127.0.0.1:PORT address that was free when it was
// checked. Another process may take the port before the caller binds it,
// which is unlikely on a test machine.
func FreeAddr(t testing.TB) string {
	t.Helper()

	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testenv.FreeAddr: listen on 127.0.0.1:0: %v", err)
	}

	addr := listener.Addr().String()
	if err := listener.Close(); err != nil {
		t.Fatalf("testenv.FreeAddr: close listener on %s: %v", addr, err)
	}
	return addr
}

func isInvalidTopicRune(r rune) bool {
	return replaceInvalidTopicRune(r) != r
}

func replaceInvalidTopicRune(r rune) rune {
	switch {
	case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
		return r
	default:
		return '-'
	}
}

func randomHex(t testing.TB, size int) string {
	t.Helper()

	buf := make([]byte, size)
	if _, err := rand.Read(buf); err != nil {
		t.Fatalf("testenv: read %d random bytes: %v", size, err)
	}
	return hex.EncodeToString(buf)
}
