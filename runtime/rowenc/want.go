package rowenc

// Wanted reports whether a projection-aware decoder should decode the column
// at position i (declaration order): every column when want is nil,
// otherwise want[i], and no column at or past len(want). Generated decoders
// call it per field, so one decoder serves full reads and projections.
func Wanted(want []bool, i int) bool {
	return want == nil || i < len(want) && want[i]
}
