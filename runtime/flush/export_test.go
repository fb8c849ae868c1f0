package flush

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"

	"github.com/tablegen/tablegen/runtime/layout"
)

// WriterProperties returns the Parquet writer settings an executor with
// options o uses for table l (for the benchmark's baseline, which writes
// with the same settings).
func WriterProperties(o Options, l *layout.Table) (*parquet.WriterProperties, error) {
	if err := o.normalize(); err != nil {
		return nil, err
	}
	return o.writerProperties(l), nil
}

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

// ParquetForm converts a full-width record batch of the provider's schema
// into what the flush writes to Parquet (for the benchmark's baseline).
func ParquetForm(rec arrow.RecordBatch) arrow.RecordBatch {
	schema, plain := parquetSchema(rec.Schema())
	return toParquet(schema, plain, rec, make([]arrow.Array, len(plain)))
}

// LegacyOwnerDir is the owner directory older versions wrote
// (owner=<escaped>), to build old-layout trees.
func LegacyOwnerDir(owner string) string { return ownerDirKeyed(legacyOwnerKey, owner) }
