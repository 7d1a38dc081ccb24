package arena_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/arenasync/arenasync/arena"
	"github.com/arenasync/arenasync/arena/arenasim"
)

func ExampleClient_CompleteRecord() {
	// A simulated Arena with one employee and one assigned training record.
	sim := arenasim.NewServer(arenasim.Config{}, nil)
	sim.AddEmployee("EMP12345", "Ada Lovelace")
	record := sim.AddRecord(arenasim.Record{EmployeeID: "EMP12345", CourseID: "SAFETY-101"})
	url, stop, err := sim.StartLocal()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop()

	client, err := arena.New(arena.Config{
		BaseURL:      url,
		ClientID:     arenasim.DefaultClientID,
		ClientSecret: arenasim.DefaultClientSecret,
	}, nil, nil)
	if err != nil {
		fmt.Println(err)
		return
	}

	ctx := context.Background()
	score := 95.0
	completion := arena.CompleteRequest{
		EmployeeID:     "EMP12345",
		CompletionDate: "2025-01-19T14:30:00Z",
		Score:          &score,
	}

	// The LMS event id is the request id, so Arena's logs match ours.
	completed, err := client.CompleteRecord(ctx, "d2c1a7e0", record.ID, completion)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(completed.ID, completed.Status, completed.CompletionDate, *completed.Score)

	// A second completion of the same record is a permanent conflict.
	_, err = client.CompleteRecord(ctx, "d2c1a7e0", record.ID, completion)
	var arenaErr *arena.Error
	if errors.As(err, &arenaErr) {
		fmt.Println(arenaErr.StatusCode, arenaErr.Code, arenaErr.Retryable())
	}

	// Output:
	// TR-000001 COMPLETED 2025-01-19T14:30:00Z 95
	// 409 invalid_record_state false
}

func ExampleClient_CheckScopes() {
	sim := arenasim.NewServer(arenasim.Config{
		Clients: map[string]arenasim.ClientCredentials{
			"arenasync": {Secret: "secret", Scopes: []string{arenasim.ScopeTrainingRecordsWrite, arenasim.ScopeUserRead}},
		},
	}, nil)
	url, stop, err := sim.StartLocal()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer stop()

	client, err := arena.New(arena.Config{BaseURL: url, ClientID: "arenasync", ClientSecret: "secret"}, nil, nil)
	if err != nil {
		fmt.Println(err)
		return
	}

	// Run at start-up: a missing grant stops the process with this message.
	fmt.Println(client.CheckScopes(context.Background()))

	// Output:
	// arena client "arenasync" lacks required scopes training.status.update (granted: training.records.write, user.read); grant them to the service account in Arena
}
