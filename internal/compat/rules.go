package compat

// The rule ids of Compare. They are stable: scripts and `--allow` flags name
// them, so a rule is never renamed, only added. The rules about what stored
// bytes mean are runtime/layout's (the store refuses an upgrade-on-open with
// the same ids); the others are the lock file's.
const (
	RuleTableIDChanged           = "TABLE_ID_CHANGED"
	RuleTableIDReused            = "TABLE_ID_REUSED"
	RuleTableRemovedNotRetired   = "TABLE_REMOVED_NOT_RETIRED"
	RuleTableKindChanged         = "TABLE_KIND_CHANGED"
	RuleKeyChanged               = "KEY_CHANGED"
	RuleOwnerTypeChanged         = "OWNER_TYPE_CHANGED"
	RuleColumnTypeIncompatible   = "COLUMN_TYPE_INCOMPATIBLE"
	RuleColumnTypeChanged        = "COLUMN_TYPE_CHANGED"
	RuleColumnNullableToRequired = "COLUMN_NULLABLE_TO_REQUIRED"
	RuleColumnTagChanged         = "COLUMN_TAG_CHANGED"
	RuleColumnTagReused          = "COLUMN_TAG_REUSED"
	RuleColumnRenamed            = "COLUMN_RENAMED"
	RuleColumnRemovedNotRetired  = "COLUMN_REMOVED_NOT_RETIRED"
	RuleEnumValueRemoved         = "ENUM_VALUE_REMOVED"
	RuleEnumValueRenamed         = "ENUM_VALUE_RENAMED"
	RuleEnumValuesReordered      = "ENUM_VALUES_REORDERED"
	RuleDecimalScaleChanged      = "DECIMAL_SCALE_CHANGED"
	RuleDecimalPrecisionNarrowed = "DECIMAL_PRECISION_NARROWED"
	RuleDecimalPrecisionWidened  = "DECIMAL_PRECISION_WIDENED"
	RuleUniqueIndexAdded         = "UNIQUE_INDEX_ADDED"
	RuleIndexColumnsChanged      = "INDEX_COLUMNS_CHANGED"
	RuleIndexIDReused            = "INDEX_ID_REUSED"
	RuleIndexRemovedNotRetired   = "INDEX_REMOVED_NOT_RETIRED"
)

// Rule describes one rule of Compare, for `--allow` validation and help text.
type Rule struct {
	ID    string
	Level Level // the level its findings usually have (TABLE_KIND_CHANGED has both)
	Doc   string
}

// Rules returns every rule of Compare, in documentation order. It returns a
// fresh slice, so callers may keep or modify it.
func Rules() []Rule {
	return []Rule{
		{RuleTableIDChanged, Error, "a table's id changed; its stored rows are keyed by the old id"},
		{RuleTableIDReused, Error, "a table uses a retired id, or one that belonged to another table"},
		{RuleTableRemovedNotRetired, Error, "a table was removed without its id being retired in the lock file"},
		{RuleTableKindChanged, Error, "a table's kind changed (an error when it adds or drops the owner key prefix of user and stream tables, a warning otherwise)"},
		{RuleKeyChanged, Error, "the key columns, their types, order or direction changed"},
		{RuleOwnerTypeChanged, Error, "a user or stream table's owner type changed; owners stored as the old type's text need not be valid text of the new one"},
		{RuleColumnTypeIncompatible, Error, "a column's type changed in a way that misreads stored values"},
		{RuleColumnTypeChanged, Warning, "a column's type changed to one whose readers may reject some stored values"},
		{RuleColumnNullableToRequired, Error, "a nullable column became non-nullable"},
		{RuleColumnTagChanged, Error, "a column moved to another tag; its stored values are under the old one"},
		{RuleColumnTagReused, Error, "a column uses a retired tag, or one another column still present held"},
		{RuleColumnRenamed, Warning, "the column under a tag has a new name; flushed Parquet files keep the old one"},
		{RuleColumnRemovedNotRetired, Error, "a column was removed without its tag being retired in the lock file"},
		{RuleEnumValueRemoved, Error, "an enum value was removed"},
		{RuleEnumValueRenamed, Error, "an enum value was renamed"},
		{RuleEnumValuesReordered, Error, "enum values changed position"},
		{RuleDecimalScaleChanged, Error, "a decimal column's scale changed; stored values are unscaled integers"},
		{RuleDecimalPrecisionNarrowed, Error, "a decimal column's precision shrank; stored values may not fit"},
		{RuleDecimalPrecisionWidened, Warning, "a decimal column's precision grew; flushed Parquet files keep the old DECIMAL precision"},
		{RuleUniqueIndexAdded, Warning, "a unique index was added to an existing table, whose rows may hold duplicates"},
		{RuleIndexColumnsChanged, Error, "an index kept its id but changed columns, column types or uniqueness"},
		{RuleIndexIDReused, Error, "an index uses a retired id"},
		{RuleIndexRemovedNotRetired, Error, "an index was removed without its id being retired in the lock file"},
	}
}
