package store_test

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/arenasync/arenasync/internal/testenv"
	"github.com/arenasync/arenasync/store"
)

// countedRedis returns a client of the test Redis server whose round trips
// are recorded after its connection is set up, and a key prefix of this
// test's own.
func countedRedis(t *testing.T) (*redis.Client, string, *testenv.RoundTrips) {
	t.Helper()

	client, prefix := newRedis(t)
	if err := client.Ping(t.Context()).Err(); err != nil {
		t.Fatalf("ping Redis: %v", err)
	}

	return client, prefix, testenv.RecordRoundTrips(client)
}

func TestDeliveriesSeen(t *testing.T) {
	cases := []struct {
		name       string
		remembered []string
		ids        []string
		want       []string
		wantTrips  [][]string
	}{
		{
			name:      "no ids",
			ids:       nil,
			want:      nil,
			wantTrips: nil,
		},
		{
			name:       "one seen id",
			remembered: []string{"evt-1"},
			ids:        []string{"evt-1"},
			want:       []string{"evt-1"},
			wantTrips:  [][]string{{"exists"}},
		},
		{
			name:       "mixed delivery",
			remembered: []string{"evt-2", "evt-4"},
			ids:        []string{"evt-1", "evt-2", "evt-3", "evt-4", "evt-5"},
			want:       []string{"", "evt-2", "", "evt-4", ""},
			wantTrips:  [][]string{slices.Repeat([]string{"exists"}, 5)},
		},
		{
			name:      "nothing seen",
			ids:       []string{"evt-1", "evt-2", "evt-3"},
			want:      []string{"", "", ""},
			wantTrips: [][]string{slices.Repeat([]string{"exists"}, 3)},
		},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			client, prefix, trips := countedRedis(t)
			deliveries := store.NewDeliveries(client, prefix, time.Hour)
			if err := deliveries.Remember(t.Context(), tc.remembered); err != nil {
				t.Fatalf("Remember: %v", err)
			}
			trips.Take()

			got, err := deliveries.Seen(t.Context(), tc.ids)

			if err != nil {
				t.Fatalf("Seen: %v", err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Seen(%v) = %q, want %q", tc.ids, got, tc.want)
			}
			if gotTrips := trips.Take(); !slices.EqualFunc(gotTrips, tc.wantTrips, slices.Equal) {
				t.Errorf("round trips = %v, want %v", gotTrips, tc.wantTrips)
			}
		})
	}
}

func TestDeliveriesRemember(t *testing.T) {
	const ttl = time.Hour
	cases := []struct {
		name      string
		ids       []string
		wantTrips [][]string
	}{
		{name: "no ids", ids: nil, wantTrips: nil},
		{name: "one id", ids: []string{"evt-1"}, wantTrips: [][]string{{"set"}}},
		{name: "ids of several jobs", ids: []string{"evt-1", "evt-2", "evt-3", "evt-4"}, wantTrips: [][]string{slices.Repeat([]string{"set"}, 4)}},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			client, prefix, trips := countedRedis(t)
			deliveries := store.NewDeliveries(client, prefix, ttl)

			err := deliveries.Remember(t.Context(), tc.ids)

			if err != nil {
				t.Fatalf("Remember: %v", err)
			}
			if gotTrips := trips.Take(); !slices.EqualFunc(gotTrips, tc.wantTrips, slices.Equal) {
				t.Errorf("round trips = %v, want %v", gotTrips, tc.wantTrips)
			}
			seen, err := deliveries.Seen(t.Context(), tc.ids)
			if err != nil {
				t.Fatalf("Seen: %v", err)
			}
			if !slices.Equal(seen, tc.ids) {
				t.Errorf("Seen after Remember = %q, want every id %q", seen, tc.ids)
			}
			for _, id := range tc.ids {
				left, err := client.PTTL(t.Context(), prefix+"delivery:"+id).Result()
				if err != nil || left <= 0 || left > ttl {
					t.Errorf("TTL of %s = %s, %v; want within (0, %s]", id, left, err, ttl)
				}
			}
		})
	}
}

// TestDeliveriesRedisDown checks that both calls return an error when no
// Redis server listens.
func TestDeliveriesRedisDown(t *testing.T) {
	client := redis.NewClient(&redis.Options{Addr: testenv.FreeAddr(t), MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { _ = client.Close() })
	deliveries := store.NewDeliveries(client, "down:", time.Hour)

	cases := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{name: "seen", call: func(ctx context.Context) error {
			_, err := deliveries.Seen(ctx, []string{"evt-1", "evt-2"})

			return err
		}},
		{name: "remember", call: func(ctx context.Context) error { return deliveries.Remember(ctx, []string{"evt-1", "evt-2"}) }},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call(t.Context())

			var opErr *net.OpError
			if err == nil {
				t.Fatal("error = nil, want a connection error")
			}
			if !errors.As(err, &opErr) {
				t.Errorf("error = %v, want a wrapped *net.OpError", err)
			}
			if !strings.Contains(err.Error(), "2 deliveries starting with evt-1") {
				t.Errorf("error = %q, want it to name the ids", err)
			}
		})
	}
}
