package flush

// The points of a compaction at which SetFault's hook runs (besides
// StepBatch and StepBeforeRename, which its writes share with a flush).
const (
	StepCompactReserved = stepCompactReserved
	StepCompactListed   = stepCompactListed
	StepCompactChunk    = stepCompactChunk
	StepCompactMoved    = stepCompactMoved
	StepCompactRetired  = stepCompactRetired
)
