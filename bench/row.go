package bench

import (
	"fmt"
	"math/rand/v2"
	"time"
)

// Status is the row's lifecycle enum, stored as its declaration index
// (pending = 0 … closed = 3) by every implementation.
type Status int32

// The values of Status, in declaration order (as in rows.yaml).
const (
	StatusPending Status = iota
	StatusActive
	StatusSuspended
	StatusClosed
)

// Row is the benchmark row as a plain Go struct: the same 20 columns as
// schemas/bench/rows.yaml, for the implementations that have no generator.
// The struct tags are what those libraries need: badgerhold's index on
// Category, and the key and index fields of the reflection store.
type Row struct {
	ID        int64  `store:"key"`
	Category  string `badgerhold:"index" store:"index"`
	Name      string
	Email     string
	City      string
	Country   string
	Quantity  int32
	Rank      int32
	Amount    int64
	Views     int64
	Price     float64
	Score     float64
	Active    bool
	Verified  bool
	CreatedAt time.Time
	UpdatedAt time.Time
	Status    Status
	Note      *string
	Payload   []byte
	Version   int64
}

// Categories is the number of distinct values of the indexed column, so an
// index lookup returns about rows/Categories rows.
const Categories = 1000

// CategoryName is the value of the indexed column for category number i.
func CategoryName(i int) string { return fmt.Sprintf("cat-%04d", i) }

var cities = []string{"Lisbon", "Nairobi", "Osaka", "Montevideo", "Tallinn", "Winnipeg", "Chennai", "Hobart"}

var countries = []string{"PT", "KE", "JP", "UY", "EE", "CA", "IN", "AU"}

// MakeRows returns n rows with ids 0 … n-1 in a random (but, for a given
// seed, fixed) order, so that loading them is a random-key load as in a real
// service. Timestamps are whole microseconds in UTC, the precision every
// implementation stores; about half the rows have a null Note.
func MakeRows(n int, seed uint64) []Row {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	rows := make([]Row, n)
	for i := range rows {
		r := &rows[i]
		r.ID = int64(i)
		r.Category = CategoryName(rng.IntN(Categories))
		r.Name = fmt.Sprintf("user %d", rng.IntN(1_000_000))
		r.Email = fmt.Sprintf("user%d@example.com", rng.IntN(1_000_000))
		r.City = cities[rng.IntN(len(cities))]
		r.Country = countries[rng.IntN(len(countries))]
		r.Quantity = int32(rng.IntN(100))
		r.Rank = int32(rng.IntN(2000) - 1000)
		r.Amount = rng.Int64N(10_000_000)
		r.Views = rng.Int64N(1 << 40)
		r.Price = float64(rng.IntN(100_000)) / 100
		r.Score = rng.Float64()
		r.Active = rng.IntN(2) == 0
		r.Verified = rng.IntN(3) == 0
		r.CreatedAt = base.Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour)))).Truncate(time.Microsecond)
		r.UpdatedAt = r.CreatedAt.Add(time.Duration(rng.Int64N(int64(30 * 24 * time.Hour)))).Truncate(time.Microsecond)
		r.Status = Status(rng.IntN(4))
		if rng.IntN(2) == 0 {
			note := fmt.Sprintf("note %d for row %d", rng.IntN(1000), i)
			r.Note = &note
		}
		r.Payload = make([]byte, 16)
		for j := range r.Payload {
			r.Payload[j] = byte(rng.UintN(256))
		}
		r.Version = int64(rng.IntN(10) + 1)
	}
	rng.Shuffle(len(rows), func(i, j int) { rows[i], rows[j] = rows[j], rows[i] })
	return rows
}
