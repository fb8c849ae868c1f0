package store

import "encoding/binary"

// Keyspace bytes: the first byte of every key in the database.
const (
	keyspaceMeta  = 0x01
	keyspaceRow   = 0x02
	keyspaceIndex = 0x03
)

const (
	rowHeaderLen   = 1 + 4
	indexHeaderLen = 1 + 4 + 4
)

// RowPrefix is the prefix of every row key of a table: 0x02 + BE uint32 table
// id. The scan and flush packages and tests iterate a table's raw rows with it.
func RowPrefix(tableID uint32) []byte {
	return appendRowPrefix(make([]byte, 0, rowHeaderLen), tableID)
}

// IndexPrefix is the prefix of every entry of one index of a table: 0x03 + BE
// uint32 table id + BE uint32 index id.
func IndexPrefix(tableID, indexID uint32) []byte {
	return appendIndexPrefix(make([]byte, 0, indexHeaderLen), tableID, indexID)
}

func appendRowPrefix(dst []byte, tableID uint32) []byte {
	dst = append(dst, keyspaceRow)
	return binary.BigEndian.AppendUint32(dst, tableID)
}

func appendIndexPrefix(dst []byte, tableID, indexID uint32) []byte {
	dst = append(dst, keyspaceIndex)
	dst = binary.BigEndian.AppendUint32(dst, tableID)
	return binary.BigEndian.AppendUint32(dst, indexID)
}

func metaKey(tableID uint32) []byte {
	return binary.BigEndian.AppendUint32([]byte{keyspaceMeta}, tableID)
}

// prefixEnd returns the smallest key greater than every key starting with
// prefix, or nil when there is none (prefix empty or all 0xFF).
func prefixEnd(prefix []byte) []byte {
	for i := len(prefix) - 1; i >= 0; i-- {
		if prefix[i] != 0xFF {
			end := make([]byte, i+1)
			copy(end, prefix)
			end[i]++
			return end
		}
	}
	return nil
}
