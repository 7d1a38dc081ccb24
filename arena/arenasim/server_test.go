package arenasim_test

import (
	"context"
	"testing"
	"time"

	"github.com/arenasync/arenasync/arena/arenasim"
)

func TestListenAndServeStopsWithContext(t *testing.T) {
	sim := arenasim.NewServer(arenasim.Config{}, nil)
	ctx, cancel := context.WithCancel(context.Background())

	done := make(chan error, 1)
	go func() { done <- sim.ListenAndServe(ctx, "127.0.0.1:0") }()
	cancel()

	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ListenAndServe() = %v, want nil", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ListenAndServe did not return after cancel")
	}
}

func TestListenAndServeBadAddress(t *testing.T) {
	sim := arenasim.NewServer(arenasim.Config{}, nil)

	err := sim.ListenAndServe(context.Background(), "127.0.0.1:notaport")

	if err == nil {
		t.Fatal("ListenAndServe() = nil, want an error")
	}
}
