package flush

// Step names a point in a flush, for fault injection.
type Step = step

// The points of a flush at which SetFault's hook runs.
const (
	StepReserved        = stepReserved
	StepBatch           = stepBatch
	StepBeforeRename    = stepBeforeRename
	StepFilesWritten    = stepFilesWritten
	StepManifestWritten = stepManifestWritten
	StepDeleteChunk     = stepDeleteChunk
	StepDeleted         = stepDeleted
	StepQuarantined     = stepQuarantined
)

// SetFault installs a fault-injection hook: f is called at every Step of
// a flush, and an error it returns aborts the flush right there.
func SetFault(o *Options, f func(Step) error) { o.fault = f }

// SetRemove replaces os.Remove in recovery, to simulate a read-only root.
func SetRemove(o *Options, f func(string) error) { o.remove = f }

// LegacyOwnerDir is the owner directory older versions wrote
// (owner=<escaped>), to build old-layout trees.
func LegacyOwnerDir(owner string) string { return ownerDirKeyed(legacyOwnerKey, owner) }
