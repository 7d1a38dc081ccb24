package store_test

import (
	"testing"
	"time"

	"github.com/arenasync/arenasync/store"
)

func TestEmployeesCache(t *testing.T) {
	client, prefix := newRedis(t)
	employees := store.NewEmployees(client, prefix)
	ctx := t.Context()

	if known, err := employees.Known(ctx, "EMP1"); err != nil || known {
		t.Fatalf("Known before Remember = %v, %v; want false", known, err)
	}

	if err := employees.Remember(ctx, "EMP1", 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if known, err := employees.Known(ctx, "EMP1"); err != nil || !known {
		t.Errorf("Known after Remember = %v, %v; want true", known, err)
	}
	if known, _ := employees.Known(ctx, "EMP2"); known {
		t.Errorf("Known(EMP2) = true; only EMP1 was remembered")
	}

	ttl, err := client.PTTL(ctx, prefix+"employee:EMP1").Result()
	if err != nil || ttl <= 0 || ttl > 300*time.Millisecond {
		t.Errorf("key TTL = %s, %v; want at most 300ms", ttl, err)
	}

	time.Sleep(400 * time.Millisecond)
	if known, _ := employees.Known(ctx, "EMP1"); known {
		t.Errorf("Known after the TTL = true, want false")
	}

	if err := employees.Remember(ctx, "EMP3", time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := employees.Forget(ctx, "EMP3"); err != nil {
		t.Fatal(err)
	}
	if known, _ := employees.Known(ctx, "EMP3"); known {
		t.Errorf("Known after Forget = true, want false")
	}
}
